import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDocs, configFromEnv } from './config.js';

const minimal = { DB_HOST: 'db', DB_PASSWORD: 'pw' };

function errorsOf(env: Record<string, string>): string[] {
  const result = configFromEnv(env);
  if (result.ok) throw new Error('expected the configuration to be rejected');
  return result.errors;
}

describe('configFromEnv', () => {
  it('fills documented defaults from a minimal environment', () => {
    const result = configFromEnv(minimal);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      port: 8000,
      host: '0.0.0.0',
      logLevel: 'info',
      chaosEndpoints: false,
      migrateOnStart: false,
      corsOrigins: [],
      trustProxy: false,
      rateLimit: { max: 600, windowMs: 60_000 },
      instrumentation: { httpMetrics: true, accessLog: true },
      shutdown: { drainDelayMs: 0, timeoutMs: 10_000 },
      database: { host: 'db', port: 5432, name: 'todo', user: 'todo', password: 'pw', poolMax: 10 },
      service: { name: 'todo-api', version: expect.stringMatching(/^\d+\.\d+\.\d+/) },
    });
  });

  it('treats empty variables as unset, as compose passes them', () => {
    const result = configFromEnv({ ...minimal, PORT: '', LOG_LEVEL: '' });
    expect(result.ok && result.config.port).toBe(8000);
  });

  it('gives one message per bad value, naming the variable and the value', () => {
    const errors = errorsOf({ ...minimal, PORT: '70000', RATE_LIMIT_MAX: '-3', MIGRATE_ON_START: 'yes' });
    expect(errors).toHaveLength(3);
    expect(errors).toContain('PORT: must be at most 65535 (got "70000")');
    expect(errors).toContain('RATE_LIMIT_MAX: must be an integer between 0 and 1000000 (got "-3")');
    expect(errors).toContain('MIGRATE_ON_START: must be true or false (got "yes")');
  });

  it('requires the database host and a password, and never echoes the password', () => {
    expect(errorsOf({})).toEqual(['DB_HOST: is required (not set)', 'DB_PASSWORD: is required (or set DB_PASSWORD_FILE) (not set)']);
    const errors = errorsOf({ DB_HOST: 'db', DB_PASSWORD: 'top-secret', DB_PASSWORD_FILE: '/run/secrets/x' });
    expect(errors.join()).not.toContain('top-secret');
  });

  it('reads the password from DB_PASSWORD_FILE (a Docker secret) and trims the newline', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'config-')), 'db_password');
    writeFileSync(file, 's3cret\n');
    const result = configFromEnv({ DB_HOST: 'db', DB_PASSWORD_FILE: file });
    expect(result.ok && result.config.database.password).toBe('s3cret');
    expect(errorsOf({ DB_HOST: 'db', DB_PASSWORD_FILE: `${file}.missing` })).toEqual([
      `DB_PASSWORD_FILE: cannot read ${file}.missing (ENOENT)`,
    ]);
  });

  it('parses CORS origins and TRUST_PROXY, rejecting nonsense', () => {
    const result = configFromEnv({
      ...minimal,
      CORS_ORIGINS: 'https://a.example, http://localhost:8080',
      TRUST_PROXY: 'uniquelocal, 10.0.0.0/8',
    });
    expect(result.ok && result.config.corsOrigins).toEqual(['https://a.example', 'http://localhost:8080']);
    expect(result.ok && result.config.trustProxy).toEqual(['uniquelocal', '10.0.0.0/8']);
    expect(errorsOf({ ...minimal, CORS_ORIGINS: 'https://a.example/path' })[0]).toMatch(/^CORS_ORIGINS: /);
    for (const bad of ['every one', '10.0.0.0/33', 'fd00::/129', '10.0.0.1/', 'frontend,,,-bad-']) {
      expect(errorsOf({ ...minimal, TRUST_PROXY: bad })).toEqual([expect.stringMatching(/^TRUST_PROXY: must be true, false, a hop count/)]);
    }
  });

  it('accepts hostnames in TRUST_PROXY next to IPs, CIDRs and keywords', () => {
    const result = configFromEnv({ ...minimal, TRUST_PROXY: 'frontend, 10.0.0.1, fd00::/8, loopback, edge.internal' });
    expect(result.ok && result.config.trustProxy).toEqual(['frontend', '10.0.0.1', 'fd00::/8', 'loopback', 'edge.internal']);
    const hops = configFromEnv({ ...minimal, TRUST_PROXY: '2' });
    expect(hops.ok && hops.config.trustProxy).toBe(2);
  });

  it('reports every bad variable in one pass, the cross-variable checks included', () => {
    const errors = errorsOf({ PORT: 'x', TRUST_PROXY: 'a b', CORS_ORIGINS: 'ftp://x' });
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^TRUST_PROXY: /),
        expect.stringMatching(/^CORS_ORIGINS: /),
        'DB_HOST: is required (not set)',
        'DB_PASSWORD: is required (or set DB_PASSWORD_FILE) (not set)',
      ]),
    );
    expect(errors).toHaveLength(5);
  });
});

// The table itself is written by `npm run docs` (the api-config block) and checked by scripts/generate.test.ts.
describe('configDocs', () => {
  it("shows each variable's default as the table does: a value, (required), (none) or (empty)", () => {
    const docs = new Map(configDocs().map((doc) => [doc.name, doc.default]));
    expect(docs.get('PORT')).toBe('`8000`');
    expect(docs.get('DB_HOST')).toBe('(required)');
    expect(docs.get('DB_PASSWORD')).toBe('(none)');
    expect(docs.get('CORS_ORIGINS')).toBe('(empty)');
    expect(configDocs().every((doc) => doc.description !== '')).toBe(true);
  });
});
