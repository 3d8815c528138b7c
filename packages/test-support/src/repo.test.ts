import { parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { COMPOSE_YAML_TAGS, parseCompose } from './repo.js';

describe("Compose's YAML tags", () => {
  const text = [
    'services:',
    '  a:',
    '    depends_on: !override',
    '      b: { condition: service_started }',
    '    ports: !reset []',
    '    command: !override [sh, -c, "true"]',
    '    user: !reset null',
    '',
  ].join('\n');

  it('parse without a warning, where a plain parse warns about each tag', () => {
    expect(parseDocument(text, { customTags: COMPOSE_YAML_TAGS }).warnings).toEqual([]);
    expect(parseDocument(text, { logLevel: 'silent' }).warnings.map((w) => w.code)).toEqual(Array(4).fill('TAG_RESOLVE_FAILED'));
  });

  it('read the values as written, `!reset` of a scalar as null', () => {
    expect(parseCompose(text)).toEqual({
      services: { a: { depends_on: { b: { condition: 'service_started' } }, ports: [], command: ['sh', '-c', 'true'], user: null } },
    });
  });
});
