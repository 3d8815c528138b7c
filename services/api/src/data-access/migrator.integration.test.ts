import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@observable-todo/test-support/postgres';
import { startTestService, type TestService } from '../test-support/service.js';
import { createMigrator, migrateUp } from './migrator.js';

const run = promisify(execFile);
const MIGRATE_ENTRY = fileURLToPath(new URL('../entry-points/migrate.ts', import.meta.url));

let db: TestDatabase;
let service: TestService;

beforeAll(async () => {
  db = await createTestDatabase();
  service = await startTestService(db.env, { migrate: false });
});

afterAll(async () => {
  await service?.close();
});

beforeEach(async () => {
  await service.sequelize.query('DROP TABLE IF EXISTS todos, schema_migrations');
});

async function tables(): Promise<string[]> {
  const [rows] = await service.sequelize.query(
    "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
  );
  return (rows as { name: string }[]).map((row) => row.name);
}

describe('migrations', () => {
  it('create the schema once and record it; a second run applies nothing', async () => {
    expect(await migrateUp(service.sequelize, service.logger)).toEqual(['0001-create-todos']);
    expect(await tables()).toEqual(['schema_migrations', 'todos']);
    expect(await migrateUp(service.sequelize, service.logger)).toEqual([]);
  });

  it('enforce the title rules in the database too', async () => {
    await migrateUp(service.sequelize, service.logger);
    await expect(service.sequelize.query("INSERT INTO todos (title) VALUES ('   ')")).rejects.toThrow(/check constraint/);
    await expect(service.sequelize.query(`INSERT INTO todos (title) VALUES ('${'x'.repeat(201)}')`)).rejects.toThrow(/too long/);
  });

  it('revert with down', async () => {
    await migrateUp(service.sequelize, service.logger);
    await createMigrator(service.sequelize, service.logger).down();
    expect(await tables()).toEqual(['schema_migrations']);
  });

  it('run once when several instances start together (advisory lock)', async () => {
    const others = await Promise.all([1, 2].map(() => startTestService(db.env, { migrate: false })));
    try {
      const results = await Promise.all([service, ...others].map((instance) => migrateUp(instance.sequelize, instance.logger)));
      expect(results.flat()).toEqual(['0001-create-todos']);
    } finally {
      await Promise.all(others.map((other) => other.close()));
    }
  });

  it('run from the command line (`npm run migrate`) with the same configuration as the server', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', MIGRATE_ENTRY], {
      env: { PATH: process.env.PATH ?? '', ...db.env },
    });
    expect(stdout).toContain('migrations done (1 applied)');
    expect(await tables()).toEqual(['schema_migrations', 'todos']);
  });
});
