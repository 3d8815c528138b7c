import { ConnectionRefusedError, DatabaseError } from 'sequelize';
import { MigrationError } from 'umzug';
import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './database.js';

/** What Sequelize raises for a failed statement: `original` carries the SQLSTATE. */
function sqlError(code: string, message: string): DatabaseError {
  return new DatabaseError(Object.assign(new Error(message), { code, sql: 'SELECT 1' }));
}

const migration = { name: '0001-create-todos', direction: 'up' as const, path: undefined, context: undefined };

describe('isDatabaseUnavailable (the trusted "retry later" classification)', () => {
  it('counts connection failures and the unavailable SQLSTATE classes', () => {
    expect(isDatabaseUnavailable(new ConnectionRefusedError(new Error('connect ECONNREFUSED 127.0.0.1:5432')))).toBe(true);
    expect(isDatabaseUnavailable(sqlError('57P03', 'the database system is starting up'))).toBe(true);
    expect(isDatabaseUnavailable(sqlError('08006', 'connection failure'))).toBe(true);
  });

  it('does not count wrong SQL or missing rights', () => {
    expect(isDatabaseUnavailable(sqlError('42501', 'permission denied for schema public'))).toBe(false);
    expect(isDatabaseUnavailable(sqlError('42601', 'syntax error at or near "CREAT"'))).toBe(false);
    expect(isDatabaseUnavailable(new Error('checksum mismatch'))).toBe(false);
  });

  it("counts node-postgres's own errors, unwrapped, as the repository's hot paths see them", () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('permission denied for table todos'), { code: '42501' }))).toBe(false);
  });

  it('classifies a failed migration by what Umzug wrapped', () => {
    const refused = new ConnectionRefusedError(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    expect(isDatabaseUnavailable(new MigrationError(migration as never, refused))).toBe(true);
    expect(isDatabaseUnavailable(new MigrationError(migration as never, sqlError('42501', 'permission denied')))).toBe(false);
  });
});
