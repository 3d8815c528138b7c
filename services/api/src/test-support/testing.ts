/**
 * `@observable-todo/api/testing`: what other suites may build from the API
 * (the logging suite checks the log lines of a real service against the
 * Elasticsearch mappings). Test-only: not compiled into the image.
 */
export { migrateUp } from '../data-access/migrator.js';
export { createService, type Service } from '../entry-points/service.js';
export { createLogger } from '../observability/logger.js';
export { RequestContext } from '../observability/request-context.js';
export { testConfig } from './service.js';
