import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { includedFiles, interpolations, publishedPorts, readComposeFiles, scanVariables, type ComposeFile } from './generate/compose.ts';
import { ENV_GROUPS, envExample, NOT_FOR_USERS } from './generate/env-example.ts';
import { firstDifference, generate, readCommitted } from './generate/index.ts';
import { markdownTable } from './generate/markdown.ts';
import { findBlocks, MarkerError, replaceBlocks } from './generate/markers.ts';
import { objectivesModule, readObjectives, readRuleFiles, RuleShapeError, type RuleFile } from './generate/objectives.ts';
import { labelPorts, PORT_LABELS } from './generate/ports.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the committed generated files', () => {
  it('equal what npm run docs writes (Markdown blocks, .env.example, loadtest/lib/objectives.ts)', () => {
    const stale = generate(root).flatMap(({ path, content }) => {
      const difference = firstDifference(content, readCommitted(root, path));
      return difference === undefined ? [] : [`${path}, ${difference}`];
    });
    expect(stale, `out of date: run npm run docs\n${stale.join('\n')}`).toEqual([]);
  });

  it('do not depend on the environment npm run docs runs in', () => {
    const before = generate(root);
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { FRONTEND_PORT: '1', IMAGE_TAG: 'x', LOAD_RATE: '99', POSTGRES_IMAGE: 'x:1', LANG: 'tr_TR.UTF-8' });
      expect(generate(root)).toEqual(before);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe('firstDifference', () => {
  it('names the first differing line, or a missing file', () => {
    expect(firstDifference('a\nb\nc\n', 'a\nb\nc\n')).toBeUndefined();
    expect(firstDifference('a\nb\nc\n', 'a\nB\nc\n')).toBe('line 2: expected "b", found "B"');
    expect(firstDifference('a\nb', 'a')).toBe('line 2: expected "b", found "(end of file)"');
    expect(firstDifference('a\n', undefined)).toBe('the file does not exist');
  });
});

describe('generated-block markers', () => {
  const known = new Set(['ports', 'api-config']);
  const doc = (...lines: string[]) => lines.join('\n');

  it('finds each block by its two marker lines', () => {
    const text = doc(
      '# T',
      '<!-- generated:ports (npm run docs) -->',
      'old',
      '<!-- /generated:ports -->',
      '',
      '  <!-- generated:api-config (npm run docs) -->',
      '<!-- /generated:api-config -->',
    );
    expect(findBlocks(text, 'X.md', known)).toEqual([
      { name: 'ports', startLine: 2, endLine: 4 },
      { name: 'api-config', startLine: 6, endLine: 7 },
    ]);
  });

  it('ignores markers quoted in a sentence or inside a fenced code block', () => {
    const text = doc(
      'Write `<!-- generated:NAME (npm run docs) -->` around a block:',
      '```md',
      '<!-- generated:nope (npm run docs) -->',
      '```',
    );
    expect(findBlocks(text, 'X.md', known)).toEqual([]);
  });

  it.each([
    ['a start without its end', ['<!-- generated:ports (npm run docs) -->', 'x'], 'X.md:1: block "ports" has no end marker'],
    ['an end without its start', ['x', '<!-- /generated:ports -->'], 'X.md:2: end of block "ports" without its start'],
    [
      'a block inside another',
      ['<!-- generated:ports (npm run docs) -->', '<!-- generated:api-config (npm run docs) -->'],
      'X.md:2: block "api-config" starts inside block "ports"',
    ],
    [
      'an end that closes another block',
      ['<!-- generated:ports (npm run docs) -->', '<!-- /generated:api-config -->'],
      'X.md:2: end of block "api-config" inside block "ports"',
    ],
    [
      'an unknown name',
      ['<!-- generated:colours (npm run docs) -->', '<!-- /generated:colours -->'],
      'X.md:1: unknown generated block "colours"',
    ],
    ['a malformed marker', ['<!-- generated:ports -->', '<!-- /generated:ports -->'], 'X.md:1: malformed marker'],
  ])('refuses %s', (_, lines, message) => {
    expect(() => findBlocks(doc(...lines), 'X.md', known)).toThrow(MarkerError);
    expect(() => findBlocks(doc(...lines), 'X.md', known)).toThrow(message);
  });

  it('replaces only what is between the markers, set off by blank lines, and again gives the same', () => {
    const text = doc('before', '<!-- generated:ports (npm run docs) -->', 'old', 'rows', '<!-- /generated:ports -->', 'after', '');
    const blocks = new Map([['ports', '| a |\n| --- |\n']]);
    const once = replaceBlocks(text, 'X.md', blocks);
    expect(once).toBe(
      doc('before', '<!-- generated:ports (npm run docs) -->', '', '| a |', '| --- |', '', '<!-- /generated:ports -->', 'after', ''),
    );
    expect(replaceBlocks(once, 'X.md', blocks)).toBe(once);
  });
});

describe('markdownTable', () => {
  it('writes the compact form the hand-written tables use, and escapes pipes', () => {
    expect(
      markdownTable(
        ['what', 'where'],
        [
          ['UI', 'http://localhost:8080'],
          ['a|b', 'c'],
        ],
      ),
    ).toBe(['| what | where |', '| --- | --- |', '| UI | http://localhost:8080 |', '| a\\|b | c |'].join('\n'));
  });
});

/** A compose file from YAML text, as readComposeFiles gives it. */
const fixture = (path: string, yaml: string): ComposeFile => ({ path, doc: parse(yaml) as unknown });

describe('the compose variable scan', () => {
  const app = fixture(
    'deploy/compose/app.yaml',
    `
# A comment is not interpolated: \${IN_A_COMMENT:-1}
services:
  web:
    image: \${WEB_IMAGE:?set in deploy/compose/.env}
    user: "\${UID_X:-1000}:\${GID_X:-1000}"
    environment:
      LEVEL: \${LEVEL:-info}
      EMPTY: \${EMPTY:-}
      PLAIN: \${PLAIN}
      BARE: $BARE
      ESCAPED: $$NOT_A_VARIABLE and $\${NOR_THIS}
      OTHER: \${LEVEL:-info}
    ports:
      - 127.0.0.1:\${WEB_PORT:-8080}:80
`,
  );

  it('finds every ${VAR...} and $VAR in values, with its default, and nothing escaped or commented', () => {
    const found = scanVariables([app]).map(({ name, default: value, required, uses }) => ({ name, value, required, uses: uses.length }));
    expect(found).toEqual([
      { name: 'BARE', value: '', required: false, uses: 1 },
      { name: 'EMPTY', value: '', required: false, uses: 1 },
      { name: 'GID_X', value: '1000', required: false, uses: 1 },
      { name: 'LEVEL', value: 'info', required: false, uses: 2 },
      { name: 'PLAIN', value: '', required: false, uses: 1 },
      { name: 'UID_X', value: '1000', required: false, uses: 1 },
      { name: 'WEB_IMAGE', value: '', required: true, uses: 1 },
      { name: 'WEB_PORT', value: '8080', required: false, uses: 1 },
    ]);
  });

  it('refuses two different defaults for one variable', () => {
    const other = fixture('deploy/compose/b.yaml', 'services:\n  b:\n    environment:\n      LEVEL: ${LEVEL:-debug}\n');
    expect(() => scanVariables([app, other])).toThrow(
      /LEVEL has two defaults: "info" .* and "debug" \(deploy\/compose\/b.yaml services.b.environment.LEVEL\)/,
    );
  });

  it('refuses what it cannot read as Compose would', () => {
    expect(() => interpolations('${A:-${B}}', 'f')).toThrow('nested interpolation');
    expect(() => interpolations('${not a name}', 'f')).toThrow('cannot read');
  });

  it('lists the published ports, and refuses one not written 127.0.0.1:${NAME_PORT:-N}:M', () => {
    expect(publishedPorts([app])).toEqual([
      { variable: 'WEB_PORT', hostPort: 8080, containerPort: 80, file: 'deploy/compose/app.yaml', service: 'web' },
    ]);
    for (const port of ['8080:80', '0.0.0.0:${WEB_PORT:-8080}:80', '127.0.0.1:8080:80', '127.0.0.1:${WEB:-8080}:80']) {
      const bad = fixture('deploy/compose/bad.yaml', `services:\n  web:\n    ports: ["${port}"]\n`);
      expect(() => publishedPorts([bad]), port).toThrow(/is not written 127\.0\.0\.1:\$\{NAME_PORT:-N\}:M/);
    }
  });

  it("reads compose.yaml's include list, so a port in another file says which -f publishes it", () => {
    const rootFile = fixture('compose.yaml', 'include:\n  - deploy/compose/app.yaml\n  - path: ./deploy/compose/more.yaml\n');
    expect([...includedFiles([rootFile, app])]).toEqual(['deploy/compose/app.yaml', 'deploy/compose/more.yaml']);
    const compose = readComposeFiles(root);
    const what = new Map(labelPorts(publishedPorts(compose), includedFiles(compose)).map((port) => [port.variable, port.what]));
    expect(what.get('API_PORT')).toBe('API, direct (debugging only), with `-f deploy/compose/debug.yaml`');
    expect(what.get('FRONTEND_PORT')).toBe('Todo UI (the public entry point)');
  });
});

describe('the tables of meanings', () => {
  const compose = readComposeFiles(root);
  const variables = scanVariables(compose);
  const ports = labelPorts(publishedPorts(compose), includedFiles(compose));

  it('fail on a variable without a meaning, naming it and where it is used', () => {
    const extra = { name: 'NEW_KNOB', default: '1', required: false, uses: ['deploy/compose/app.yaml services.api.environment.X'] };
    expect(() => envExample([...variables, extra], ports)).toThrow(
      'NEW_KNOB (used in deploy/compose/app.yaml services.api.environment.X) has no meaning: add it to ENV_GROUPS',
    );
  });

  it('fail on a meaning for a variable no compose file uses', () => {
    const name = Object.keys(ENV_GROUPS[0]!.meanings)[0]!;
    expect(() =>
      envExample(
        variables.filter((v) => v.name !== name),
        ports,
      ),
    ).toThrow(`names ${name}, which no compose file uses`);
    const excluded = Object.keys(NOT_FOR_USERS)[0]!;
    expect(() =>
      envExample(
        variables.filter((v) => v.name !== excluded),
        ports,
      ),
    ).toThrow(`names ${excluded}, which no compose file uses`);
  });

  it('fail on a published port without a label, or a label without its port', () => {
    const published = publishedPorts(compose);
    const extra = { variable: 'NEW_PORT', hostPort: 1, containerPort: 1, file: 'deploy/compose/app.yaml', service: 'x' };
    expect(() => labelPorts([...published, extra], includedFiles(compose))).toThrow('no label for the published port NEW_PORT');
    const [first] = PORT_LABELS[0]!;
    expect(() =>
      labelPorts(
        published.filter((p) => p.variable !== first),
        includedFiles(compose),
      ),
    ).toThrow(`PORT_LABELS in scripts/generate/ports.ts names ${first}, which no compose file publishes`);
  });

  it('point to deploy/compose/.env for the NAME_IMAGE variables instead of listing them', () => {
    const images = ['A_IMAGE', 'B_IMAGE'].map((name) => ({ name, default: '', required: true, uses: ['x'] }));
    const text = envExample([...variables.filter((v) => !v.name.endsWith('_IMAGE')), ...images], ports);
    expect(text).toContain('# Image versions (2 NAME_IMAGE variables) are set in deploy/compose/.env');
    expect(text).not.toContain('A_IMAGE');
  });
});

describe('the objectives read from the rules', () => {
  const rules = (errorExpr: string, p95Expr = 'histogram_quantile(0.95, x_bucket:rate5m)', objective = 'vector(0.995)'): RuleFile[] => [
    { path: 'rules/slo.yml', rules: [{ record: 'slo:objective:ratio', expr: objective }] },
    {
      path: 'rules/api.yml',
      rules: [
        { alert: 'HighErrorRate', expr: errorExpr },
        { alert: 'HighLatencyP95', expr: 'service_route:http_request_duration_seconds:p95_rate5m > 1.5' },
        { record: 'service_route:http_request_duration_seconds:p95_rate5m', expr: p95Expr },
      ],
    },
  ];
  const guarded = 'service:http_requests_errors:ratio_rate2m > 0.05\nand on (service)\nservice:http_requests:rate2m >= 0.1\n';

  it('reads each number by rule name, a guard after the threshold allowed', () => {
    expect(readObjectives(rules(guarded))).toEqual({
      availability: 0.995,
      pagingErrorRatio: 0.05,
      latencyP95Seconds: 1.5,
      sources: { availability: 'rules/slo.yml', pagingErrorRatio: 'rules/api.yml', latencyP95Seconds: 'rules/api.yml' },
    });
  });

  it.each([
    [
      'an objective that is not vector(<number>)',
      rules(guarded, undefined, '0.995'),
      'rules/slo.yml: the record rule slo:objective:ratio no longer has',
    ],
    ['a threshold on another series', rules('sum(rate(errors[5m])) > 0.05'), 'rules/api.yml: the alert rule HighErrorRate no longer has'],
    ['a threshold that is not a number', rules('service:http_requests_errors:ratio_rate2m > bool 0.05'), 'the alert rule HighErrorRate'],
    ['a p95 series that is another percentile', rules(guarded, 'histogram_quantile(0.99, x)'), 'p95_rate5m no longer has'],
    ['an objective out of range', rules(guarded, undefined, 'vector(99.5)'), 'slo:objective:ratio: 99.5 is not between 0 and 1'],
  ])('fails loudly on %s', (_, files, message) => {
    expect(() => readObjectives(files)).toThrow(RuleShapeError);
    expect(() => readObjectives(files)).toThrow(message);
  });

  it('fails on a rule that is missing or written twice', () => {
    const files = rules(guarded);
    expect(() => readObjectives(files.slice(1))).toThrow('expected exactly one record rule named slo:objective:ratio, found 0');
    expect(() => readObjectives([...files, files[0]!])).toThrow('found 2 (rules/slo.yml, rules/slo.yml)');
  });

  it('writes the module loadtest/lib/options.ts imports, with the "do not edit" header', () => {
    const module = objectivesModule(readObjectives(readRuleFiles(root)));
    expect(module.split('\n')[0]).toMatch(/^\/\/ Generated by `npm run docs` .*; do not edit\.$/);
    for (const name of ['export interface Objectives', 'export const OBJECTIVES', 'export function errorBudget'])
      expect(module).toContain(name);
  });
});
