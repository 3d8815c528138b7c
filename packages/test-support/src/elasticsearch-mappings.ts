import { isIP } from 'node:net';
import { readRepoJson } from './repo.js';

/**
 * The Elasticsearch field mappings the logging stack installs
 * (logging/elasticsearch/logs-custom.json), and whether a log document fits them:
 * the logging suite's unit and integration tests and the e2e logging suite check
 * log lines against the same mappings.
 */

interface FieldMapping {
  type?: string;
  properties?: Record<string, FieldMapping>;
}

/**
 * The field types logs@custom installs (logging/elasticsearch/logs-custom.json,
 * what elasticsearch-setup.sh PUTs), as dotted path → type, objects as 'object'.
 */
export function installedMappings(): Map<string, string> {
  const template = readRepoJson<{ template: { mappings: FieldMapping } }>('logging/elasticsearch/logs-custom.json');
  const types = new Map<string, string>();
  const walk = (properties: Record<string, FieldMapping>, prefix: string): void => {
    for (const [name, mapping] of Object.entries(properties)) {
      const fieldPath = prefix + name;
      if (mapping.properties) {
        types.set(fieldPath, 'object');
        walk(mapping.properties, `${fieldPath}.`);
      } else {
        types.set(fieldPath, mapping.type ?? 'object');
      }
    }
  };
  walk(template.template.mappings.properties ?? {}, '');
  return types;
}

/**
 * A log line's leaf fields as Elasticsearch sees them: dotted keys and nested
 * objects both become dotted paths; `path` → value.
 */
export function leafFields(document: Record<string, unknown>): Map<string, unknown> {
  const leaves = new Map<string, unknown>();
  const walk = (node: Record<string, unknown>, prefix: string): void => {
    for (const [key, value] of Object.entries(node)) {
      const fieldPath = prefix + key;
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) walk(value as Record<string, unknown>, `${fieldPath}.`);
      else leaves.set(fieldPath, value);
    }
  };
  walk(document, '');
  return leaves;
}

const TEXT_TYPES = new Set(['keyword', 'wildcard', 'match_only_text', 'text', 'constant_keyword']);

/** Whether Elasticsearch indexes `value` into a field of `type` as that type (not coerced, not ignored as malformed). */
export function fitsType(type: string, value: unknown): boolean {
  if (value === null) return true;
  if (TEXT_TYPES.has(type)) return typeof value === 'string';
  if (type === 'long' || type === 'integer') return typeof value === 'number' && Number.isInteger(value);
  if (type === 'float' || type === 'double' || type === 'scaled_float') return typeof value === 'number';
  if (type === 'date')
    return (
      typeof value === 'string' &&
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(value) &&
      !Number.isNaN(Date.parse(value))
    );
  if (type === 'ip') return typeof value === 'string' && isIP(value) !== 0;
  return false;
}

/**
 * Every disagreement between a log document and the installed mappings: an
 * unmapped field, a value of the wrong type, a value where an object is mapped
 * or a field below a mapped value (the mapping conflicts that send documents to
 * the failure store).
 */
export function mappingProblems(document: Record<string, unknown>, mappings = installedMappings()): string[] {
  const problems: string[] = [];
  for (const [field, value] of leafFields(document)) {
    const parts = field.split('.');
    const blockedBy = parts
      .slice(0, -1)
      .map((_part, i) => parts.slice(0, i + 1).join('.'))
      .find((prefix) => mappings.has(prefix) && mappings.get(prefix) !== 'object');
    if (blockedBy !== undefined) {
      problems.push(`${field}: below ${blockedBy}, which is mapped as ${mappings.get(blockedBy)}`);
      continue;
    }
    const type = mappings.get(field);
    if (type === undefined) problems.push(`${field}: not mapped in logs-custom.json`);
    else if (type === 'object') problems.push(`${field}: a value where an object is mapped`);
    else if (!fitsType(type, value)) problems.push(`${field}: ${JSON.stringify(value)} does not fit ${type}`);
  }
  return problems;
}
