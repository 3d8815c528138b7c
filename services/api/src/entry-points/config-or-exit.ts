import { configFromEnv, type Config } from '../config/config.js';

/** For the process entry points: the parsed configuration, or one line per bad value on stderr and exit 1. */
export function configFromEnvOrExit(env: NodeJS.ProcessEnv): Config {
  const result = configFromEnv(env);
  if (result.ok) return result.config;
  process.stderr.write(`Invalid configuration:\n${result.errors.map((line) => `  - ${line}`).join('\n')}\n`);
  process.exit(1);
}
