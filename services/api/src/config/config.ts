import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * Configuration is read from the environment once, at start-up, validated in
 * one pass by one schema, and passed down typed. Nothing else in the service
 * reads process.env. Each variable's `.describe()` text and default are its
 * documentation: `npm run docs` writes the configuration table from them
 * (configDocs(); the `api-config` block, scripts/generate/).
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

const list = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0),
);

/** Issues whose message already says everything; the value is not appended. */
const NO_VALUE = { noValue: true } as const;

export type TrustProxy = boolean | number | string[];

/** Express's named subnets, trusted as a whole. */
export const TRUST_PROXY_KEYWORDS = ['loopback', 'linklocal', 'uniquelocal'] as const;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?)*$/;

/** A hostname to resolve (not an IP, a CIDR or a keyword). */
export function isProxyHostname(entry: string): boolean {
  return !(TRUST_PROXY_KEYWORDS as readonly string[]).includes(entry) && isIP(entry) === 0 && !entry.includes('/') && HOSTNAME.test(entry);
}

function isTrustProxyEntry(entry: string): boolean {
  if ((TRUST_PROXY_KEYWORDS as readonly string[]).includes(entry) || isIP(entry) !== 0) return true;
  const [address, bits, ...rest] = entry.split('/');
  if (bits !== undefined && rest.length === 0 && address !== undefined && /^\d{1,3}$/.test(bits)) {
    const family = isIP(address);
    return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
  }
  return !/^\d+$/.test(entry) && HOSTNAME.test(entry);
}

const trustProxy = z.string().transform((raw, ctx): TrustProxy => {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  if (entries.length === 0 || !entries.every(isTrustProxyEntry)) {
    ctx.addIssue({
      code: 'custom',
      message: 'must be true, false, a hop count or a list of IPs, CIDRs, loopback/linklocal/uniquelocal or hostnames',
    });
    return z.NEVER;
  }
  return entries;
});

const corsOrigins = list.superRefine((origins, ctx) => {
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      ctx.addIssue({ code: 'custom', message: `"${origin}" is not an origin like https://example.com`, params: NO_VALUE });
    }
  }
});

const passwordFile = z
  .string()
  .min(1)
  .transform((path, ctx) => {
    try {
      const password = readFileSync(path, 'utf8').trim();
      if (password === '') ctx.addIssue({ code: 'custom', message: `file is empty (${path})`, params: NO_VALUE });
      return password;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      ctx.addIssue({ code: 'custom', message: `cannot read ${path} (${code})`, params: NO_VALUE });
      return z.NEVER;
    }
  });

export const envSchema = z
  .object({
    NODE_ENV: z.enum(['production', 'development', 'test']).prefault('production').describe('`production`, `development` or `test`'),
    HOST: z.string().min(1).prefault('0.0.0.0').describe('address to listen on'),
    PORT: integer(1, 65535).prefault('8000').describe('port to listen on'),
    LOG_LEVEL: z.enum(['error', 'warn', 'info', 'debug']).prefault('info').describe('`error`, `warn`, `info` or `debug`'),
    SERVICE_NAME: z.string().min(1).prefault('todo-api').describe('`service.name` in logs'),

    DB_HOST: z.string({ error: 'is required' }).min(1, 'is required').describe('PostgreSQL host'),
    DB_PORT: integer(1, 65535).prefault('5432').describe('PostgreSQL port'),
    DB_NAME: z.string().min(1).prefault('todo').describe('database name'),
    DB_USER: z.string().min(1).prefault('todo').describe('database role'),
    DB_PASSWORD: z.string().min(1).optional().describe("the role's password; set this or `DB_PASSWORD_FILE`"),
    DB_PASSWORD_FILE: passwordFile.optional().describe('file holding the password (for Docker secrets); set this or `DB_PASSWORD`'),
    DB_SSL: boolean.prefault('false').describe('TLS with certificate verification'),
    // At least 2: migrations hold one connection for their lock and run on another.
    DB_POOL_MAX: integer(2, 100).prefault('10').describe('pool size (at least 2: migrations hold one connection for their lock)'),
    DB_CONNECT_TIMEOUT_MS: integer(100, 60_000).prefault('2000').describe('connection timeout: fail fast while the database is away'),
    DB_STATEMENT_TIMEOUT_MS: integer(100, 600_000).prefault('5000').describe('statement timeout'),
    MIGRATE_ON_START: boolean
      .prefault('false')
      .describe(
        'apply migrations at start-up (retried while PostgreSQL does not answer; ' +
          'readiness stays 503 with `"schema":"pending"` until done; any other failure exits 1)',
      ),

    CHAOS_ENDPOINTS: boolean.prefault('false').describe('the two drill endpoints (`true` in the compose stack)'),
    CORS_ORIGINS: corsOrigins.prefault('').describe('comma-separated allow-list of origins; empty: no CORS'),
    TRUST_PROXY: trustProxy
      .prefault('false')
      .describe(
        'which peers may set the client address (`X-Forwarded-For`): `false`, a hop count, or a comma-separated list of IPs, CIDRs, ' +
          '`loopback`/`linklocal`/`uniquelocal` and hostnames (resolved at start and every 30 s; `frontend` in compose)',
      ),
    RATE_LIMIT_MAX: integer(0, 1_000_000).prefault('600').describe('requests per client per window; `0` switches the limit off'),
    RATE_LIMIT_WINDOW_MS: integer(1_000, 3_600_000).prefault('60000').describe('rate limit window'),
    HTTP_METRICS: boolean
      .prefault('true')
      .describe(
        'per-request `http_*` metrics; `false` only to measure their cost (`npm run bench`), never in production: the SLO alerts read them',
      ),
    ACCESS_LOG: boolean
      .prefault('true')
      .describe('one ECS log line per request; `false` only to measure its cost (`npm run bench`), never in production'),
    LOG_BUFFER_BYTES: integer(1024, 64 * 1024 * 1024)
      .prefault('1048576')
      .describe(
        'most bytes of log lines held while stdout is not read; a line that does not fit is dropped, ' +
          'counted in `log_lines_dropped_total` and reported in one `warn` line',
      ),
    LOG_FLUSH_INTERVAL_MS: integer(1, 10_000)
      .prefault('100')
      .describe('buffered log lines reach stdout at least this often, and at once when 8 KiB have gathered'),

    SHUTDOWN_DRAIN_DELAY_MS: integer(0, 60_000)
      .prefault('0')
      .describe('after SIGTERM, how long readiness fails before the listener closes'),
    SHUTDOWN_TIMEOUT_MS: integer(0, 120_000).prefault('10000').describe('how long in-flight requests get after that'),
  })
  // Across variables; `when` runs it even when another variable already failed, so every problem is reported at once.
  .superRefine(
    (env, ctx) => {
      const given = (key: 'DB_PASSWORD' | 'DB_PASSWORD_FILE') => (env as Partial<typeof env>)[key] !== undefined;
      if (!given('DB_PASSWORD') && !given('DB_PASSWORD_FILE')) {
        ctx.addIssue({ code: 'custom', path: ['DB_PASSWORD'], message: 'is required (or set DB_PASSWORD_FILE)' });
      } else if (given('DB_PASSWORD') && given('DB_PASSWORD_FILE')) {
        ctx.addIssue({ code: 'custom', path: ['DB_PASSWORD_FILE'], message: 'conflicts with DB_PASSWORD, set only one', params: NO_VALUE });
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

/** Values never echoed back in error messages. */
const SECRET_KEYS = new Set(['DB_PASSWORD']);

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
  /** Both true except when the benchmark measures what they cost. */
  instrumentation: { httpMetrics: boolean; accessLog: boolean };
  log: { bufferBytes: number; flushIntervalMs: number };
  shutdown: { drainDelayMs: number; timeoutMs: number };
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

function readPackageVersion(): string {
  // src/config and dist/config both sit two levels below package.json.
  const raw = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(raw) as { version: string }).version;
}

/** Parses and validates the environment. One message per bad value; secrets are never echoed. */
export function configFromEnv(env: NodeJS.ProcessEnv): ConfigResult {
  // An empty variable means "not set", as docker compose passes `VAR:` through as "".
  const present = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    return {
      ok: false,
      errors: parsed.error.issues.map((issue) => {
        const key = issue.path.join('.') || '(environment)';
        if (issue.code === 'custom' && (issue.params as { noValue?: boolean } | undefined)?.noValue === true) {
          return `${key}: ${issue.message}`;
        }
        const value = present[key];
        const shown = value === undefined ? 'not set' : SECRET_KEYS.has(key) ? 'value hidden' : `got "${value}"`;
        return `${key}: ${issue.message} (${shown})`;
      }),
    };
  }
  const e = parsed.data;
  // The refinement guarantees exactly one of the two.
  const password = e.DB_PASSWORD ?? e.DB_PASSWORD_FILE ?? '';
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
        password,
        ssl: e.DB_SSL,
        poolMax: e.DB_POOL_MAX,
        connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
        statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
      },
      migrateOnStart: e.MIGRATE_ON_START,
      chaosEndpoints: e.CHAOS_ENDPOINTS,
      corsOrigins: e.CORS_ORIGINS,
      trustProxy: e.TRUST_PROXY,
      rateLimit: { max: e.RATE_LIMIT_MAX, windowMs: e.RATE_LIMIT_WINDOW_MS },
      instrumentation: { httpMetrics: e.HTTP_METRICS, accessLog: e.ACCESS_LOG },
      log: { bufferBytes: e.LOG_BUFFER_BYTES, flushIntervalMs: e.LOG_FLUSH_INTERVAL_MS },
      shutdown: { drainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS, timeoutMs: e.SHUTDOWN_TIMEOUT_MS },
    },
  };
}

export interface VariableDoc {
  name: string;
  /** `8000`, or (required), (none), (empty). */
  default: string;
  description: string;
}

/** Each variable's documentation, read from the schema itself. */
export function configDocs(): VariableDoc[] {
  return Object.entries(envSchema.shape).map(([name, field]) => {
    const def = (field as unknown as { _zod: { def: { type: string; defaultValue?: unknown } } })._zod.def;
    let shown: string;
    if (def.type === 'prefault') shown = def.defaultValue === '' ? '(empty)' : `\`${String(def.defaultValue)}\``;
    else if (def.type === 'optional') shown = '(none)';
    else shown = '(required)';
    return { name, default: shown, description: field.description ?? '' };
  });
}
