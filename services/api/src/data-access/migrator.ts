import type { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug } from 'umzug';
import type { Logger } from '../observability/logger.js';
import { migrations } from './migrations/index.js';

/** Any constant works; it only has to be the same for every instance of this service. */
const MIGRATION_LOCK_KEY = 727_062_001;

function describe(event: Record<string, unknown>): string {
  const name = typeof event.name === 'string' ? ` ${event.name}` : '';
  const what = typeof event.event === 'string' ? event.event : 'event';
  return `migration ${what}${name}`;
}

export function createMigrator(sequelize: Sequelize, logger: Logger): Umzug<Sequelize> {
  return new Umzug({
    migrations: [...migrations],
    context: sequelize,
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: {
      info: (event) => logger.info(describe(event)),
      warn: (event) => logger.warn(describe(event)),
      error: (event) => logger.error(describe(event)),
      debug: (event) => logger.debug(describe(event)),
    },
  });
}

/**
 * Applies pending migrations while holding a PostgreSQL advisory lock, so
 * replicas starting together never run the same migration twice.
 */
export async function migrateUp(sequelize: Sequelize, logger: Logger): Promise<string[]> {
  return sequelize.transaction(async (transaction) => {
    // A transaction-scoped lock is released on commit or rollback, even if this process dies.
    await sequelize.query('SELECT pg_advisory_xact_lock(:key)', { replacements: { key: MIGRATION_LOCK_KEY }, transaction });
    const applied = await createMigrator(sequelize, logger).up();
    return applied.map((migration) => migration.name);
  });
}
