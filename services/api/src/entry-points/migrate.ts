import { createSequelize } from '../data-access/database.js';
import { createMigrator, migrateUp } from '../data-access/migrator.js';
import { createLogger, errorFields } from '../observability/logger.js';
import { RequestContext } from '../observability/request-context.js';
import { configFromEnvOrExit } from './config-or-exit.js';

/** `migrate` (up, default) or `migrate down` (reverts the last migration). */
async function main(direction: string): Promise<void> {
  const config = configFromEnvOrExit(process.env);
  const logger = createLogger({ level: config.logLevel, service: config.service, context: new RequestContext() });
  const sequelize = createSequelize(config.database, `${config.service.name}-migrate`);
  try {
    if (direction === 'up') {
      const applied = await migrateUp(sequelize, logger);
      logger.info(`migrations done (${applied.length} applied)`);
    } else if (direction === 'down') {
      const reverted = await createMigrator(sequelize, logger).down();
      logger.info(`reverted ${reverted.map((migration) => migration.name).join(', ') || 'nothing'}`);
    } else {
      process.stderr.write(`Unknown direction "${direction}": use up or down\n`);
      process.exitCode = 2;
    }
  } catch (error) {
    logger.error('migration failed', errorFields(error));
    process.exitCode = 1;
  } finally {
    await sequelize.close();
  }
}

await main(process.argv[2] ?? 'up');
