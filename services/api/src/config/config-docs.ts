import { configTable } from './config.js';

// Prints the README's configuration table from the schema: `npm run config:docs --workspace services/api`.
process.stdout.write(`${configTable()}\n`);
