import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Configuration is read from the environment once, at start-up, validated as a
 * whole, and passed down typed. Nothing else in the service reads process.env.
 */

const boolean = z
  .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
  .transform((value) => value === 'true' || value === '1');

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, { message: `must be an integer between ${min} and ${max}` })
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const list = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const envSchema = z
  .object({
    NODE_ENV: z.enum(['production', 'development', 'test']).default('production'),
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: integer(1, 65535).default(8000),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    SERVICE_NAME: z.string().min(1).default('todo-api'),

    DB_HOST: z.string({ error: 'is required' }).min(1, 'is required'),
    DB_PORT: integer(1, 65535).default(5432),
    DB_NAME: z.string().min(1).default('todo'),
    DB_USER: z.string().min(1).default('todo'),
    DB_PASSWORD: z.string().min(1).optional(),
    DB_PASSWORD_FILE: z.string().min(1).optional(),
    DB_SSL: boolean.default(false),
    // At least 2: migrations hold one connection for their lock and run on another.
    DB_POOL_MAX: integer(2, 100).default(10),
    DB_CONNECT_TIMEOUT_MS: integer(100, 60_000).default(2_000),
    DB_STATEMENT_TIMEOUT_MS: integer(100, 600_000).default(5_000),
    MIGRATE_ON_START: boolean.default(false),

    CHAOS_ENDPOINTS: boolean.default(false),
    CORS_ORIGINS: list.default([]),
    TRUST_PROXY: z.string().default('false'),
    RATE_LIMIT_MAX: integer(0, 1_000_000).default(600),
    RATE_LIMIT_WINDOW_MS: integer(1_000, 3_600_000).default(60_000),

    SHUTDOWN_DRAIN_DELAY_MS: integer(0, 60_000).default(0),
    SHUTDOWN_TIMEOUT_MS: integer(0, 120_000).default(10_000),
  });

/** Values never echoed back in error messages. */
const SECRET_KEYS = new Set(['DB_PASSWORD']);

export type TrustProxy = boolean | number | string[];

export interface DatabaseConfig {
  host: string;
  port: number;
  name: string;
  user: string;
  password: string;
  ssl: boolean;
  poolMax: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
}

export interface Config {
  env: 'production' | 'development' | 'test';
  host: string;
  port: number;
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  service: { name: string; version: string };
  database: DatabaseConfig;
  migrateOnStart: boolean;
  chaosEndpoints: boolean;
  corsOrigins: string[];
  trustProxy: TrustProxy;
  rateLimit: { max: number; windowMs: number };
  shutdown: { drainDelayMs: number; timeoutMs: number };
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

function parseTrustProxy(raw: string): TrustProxy | undefined {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw.split(',').map((entry) => entry.trim());
  const ok = entries.every((entry) => /^(loopback|linklocal|uniquelocal|[0-9a-fA-F.:]+(\/\d{1,3})?)$/.test(entry));
  return ok ? entries : undefined;
}

function readPackageVersion(): string {
  // src/config and dist/config both sit two levels below package.json.
  const raw = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(raw) as { version: string }).version;
}

/** Checks that span several variables or touch the file system; run whether or not the schema passed. */
function crossChecks(env: Record<string, string>): { errors: string[]; password?: string; trustProxy?: TrustProxy } {
  const errors: string[] = [];
  let password: string | undefined = env.DB_PASSWORD;
  if (env.DB_PASSWORD === undefined && env.DB_PASSWORD_FILE === undefined) {
    errors.push('DB_PASSWORD: is required (or set DB_PASSWORD_FILE) (not set)');
  } else if (env.DB_PASSWORD !== undefined && env.DB_PASSWORD_FILE !== undefined) {
    errors.push('DB_PASSWORD_FILE: conflicts with DB_PASSWORD, set only one');
  } else if (env.DB_PASSWORD_FILE !== undefined) {
    try {
      password = readFileSync(env.DB_PASSWORD_FILE, 'utf8').trim();
      if (password === '') errors.push(`DB_PASSWORD_FILE: file is empty (${env.DB_PASSWORD_FILE})`);
    } catch (error) {
      errors.push(`DB_PASSWORD_FILE: cannot read ${env.DB_PASSWORD_FILE} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  const trustProxy = parseTrustProxy(env.TRUST_PROXY ?? 'false');
  if (trustProxy === undefined) {
    errors.push(`TRUST_PROXY: must be true, false, a hop count or a list of subnets (got "${env.TRUST_PROXY}")`);
  }
  for (const origin of (env.CORS_ORIGINS ?? '').split(',').map((item) => item.trim()).filter(Boolean)) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) errors.push(`CORS_ORIGINS: "${origin}" is not an origin like https://example.com`);
  }
  return {
    errors,
    ...(password === undefined ? {} : { password }),
    ...(trustProxy === undefined ? {} : { trustProxy }),
  };
}

/** Parses and validates the environment. One message per bad value; secrets are never echoed. */
export function loadConfig(env: NodeJS.ProcessEnv): ConfigResult {
  // An empty variable means "not set", as docker compose passes `VAR:` through as "".
  const present = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  const parsed = envSchema.safeParse(present);
  const errors: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = issue.path.join('.') || '(environment)';
      const value = present[key];
      const shown = value === undefined ? 'not set' : SECRET_KEYS.has(key) ? 'value hidden' : `got "${value}"`;
      errors.push(`${key}: ${issue.message} (${shown})`);
    }
  }
  const cross = crossChecks(present);
  errors.push(...cross.errors);
  if (!parsed.success || errors.length > 0 || cross.password === undefined || cross.trustProxy === undefined) {
    return { ok: false, errors };
  }
  const e = parsed.data;

  return {
    ok: true,
    config: {
      env: e.NODE_ENV,
      host: e.HOST,
      port: e.PORT,
      logLevel: e.LOG_LEVEL,
      service: { name: e.SERVICE_NAME, version: readPackageVersion() },
      database: {
        host: e.DB_HOST,
        port: e.DB_PORT,
        name: e.DB_NAME,
        user: e.DB_USER,
        password: cross.password,
        ssl: e.DB_SSL,
        poolMax: e.DB_POOL_MAX,
        connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
        statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      },
      migrateOnStart: e.MIGRATE_ON_START,
      chaosEndpoints: e.CHAOS_ENDPOINTS,
      corsOrigins: e.CORS_ORIGINS,
      trustProxy: cross.trustProxy,
      rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_MS },
      shutdown: { drainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS, timeoutMs: e.SHUTDOWN_TIMEOUT_MS },
    },
  };
}
