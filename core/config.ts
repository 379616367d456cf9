import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { isSupportedCountry } from 'libphonenumber-js/min';
import { z } from 'zod';
import { deriveDataKey, parseDataKey } from './secret-box.ts';
import { DEFAULT_WEBHOOK_RETRY_SCHEDULE_S, ZWebhookRetrySchedule } from './webhooks/schedule-webhook-retry.ts';

/**
 * Live-update streams one API process holds at most by default, all accounts together: each holds a
 * socket, so without a ceiling enough realtors' tabs would take every file descriptor the process
 * may open, and beacons, inquiries and logins would then fail to be accepted.
 */
export const LIVE_STREAMS_MAX_DEFAULT = 5000;

/** Comma-separated list → trimmed, non-empty strings. */
const csv = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

/** A yes/no switch: true/false, yes/no, on/off or 1/0 (any case). */
const flag = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(true|yes|on|1|false|no|off|0)$/, 'must be true or false')
  .transform((v) => ['true', 'yes', 'on', '1'].includes(v));

/** Whole milliseconds from `min` to `max`; the errors name the bounds ("must be at least 1000"). */
const millis = (min: number, max: number) => z.coerce.number().int('must be whole milliseconds').min(min, `must be at least ${min}`).max(max, `must be at most ${max}`);

const ZEnv = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Postgres connection string; the database is created by `npm run migrate` when missing. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/porchlight'),
  /** Redis used by BullMQ and the rate limiters. Use `noeviction` in production. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** HTTP port of the API. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface the API binds to: an IP address or a host name, without a port. */
  HOST: z
    .string()
    .trim()
    .refine((h) => isIP(h) !== 0 || /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(h), 'must be an IP address or a host name without a port, e.g. 0.0.0.0 or 127.0.0.1 (the port is PORT)')
    .default('0.0.0.0'),
  /** Public base URL (scheme + host) used in snippets and links; defaults to http://localhost:PORT. */
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Secret for signing session-bound values; required in production. */
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /**
   * Key that encrypts webhook signing secrets at rest (AES-256-GCM): 32 bytes as 64 hex characters
   * or base64. Unset: derived from SESSION_SECRET, so changing SESSION_SECRET makes stored secrets
   * unreadable — set it explicitly in production (docs/configuration.md).
   */
  DATA_ENCRYPTION_KEY: z
    .string()
    .refine((s) => parseDataKey(s) !== null, 'must be 32 bytes as 64 hex characters or base64 (e.g. the output of `openssl rand -base64 32`)')
    .optional(),
  /**
   * Keys being rotated out, comma-separated, in DATA_ENCRYPTION_KEY's format: values sealed under
   * them still open, and the worker's sweep re-seals them under DATA_ENCRYPTION_KEY.
   */
  DATA_ENCRYPTION_PREVIOUS_KEYS: csv
    .pipe(z.array(z.string().refine((s) => parseDataKey(s) !== null, 'each must be 32 bytes as 64 hex characters or base64')))
    .default([]),
  /** Session lifetime in hours. */
  SESSION_TTL_HOURS: z.coerce.number().int().min(1).max(24 * 90).default(24 * 14),
  /** Hosts exempt from the private-address guard for webhook URLs (e.g. 127.0.0.1,localhost). */
  WEBHOOK_ALLOWED_HOSTS: csv
    .pipe(z.array(z.string().regex(/^[A-Za-z0-9.:[\]_-]+$/, 'list host names or IP addresses only (no scheme, port or path), e.g. 127.0.0.1,localhost')))
    .default([]),
  /** Webhook attempt delays in seconds, comma-separated: entry n is the wait before attempt n+1 (0 = immediately). */
  WEBHOOK_RETRY_SCHEDULE: ZWebhookRetrySchedule.default([...DEFAULT_WEBHOOK_RETRY_SCHEDULE_S]),
  /** Time for one webhook attempt in milliseconds, from connecting to the response. */
  WEBHOOK_TIMEOUT_MS: millis(100, 120_000).default(15_000),
  /**
   * Time a worker gets beyond WEBHOOK_TIMEOUT_MS to record an attempt's answer before its claim
   * (lease) on the delivery ends and another worker may send it again: after a worker dies
   * mid-send, its deliveries go out again WEBHOOK_TIMEOUT_MS + this later.
   */
  WEBHOOK_LEASE_MARGIN_MS: millis(5000, 600_000).default(30_000),
  /** Prefix of every BullMQ key; give each deployment (and each test) its own. */
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_{}-]+$/, 'letters, digits, : _ - { } only').default('porchlight'),
  /**
   * How long a worker's lock on its active job lasts (renewed at half of it), and how often
   * workers look for jobs whose lock expired — together, how soon a job whose worker died is
   * handed to another. BullMQ's defaults (30 s each); tests shorten them.
   */
  WORKER_LOCK_DURATION_MS: z.coerce.number().int().min(1000).default(30_000),
  WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
  /**
   * How often the sweeper (`maintenance.sweep`) re-sends the wake-ups of due work from Postgres,
   * and how often a worker checks that its job schedulers still exist in Redis. Tests shorten it.
   */
  SWEEP_INTERVAL_MS: z.coerce.number().int().min(500).default(30_000),
  /**
   * On SIGTERM the API stops accepting connections and gives in-flight requests, then its queues,
   * Redis and Postgres, this long in all; past it the process exits 1. Tests shorten it.
   */
  API_SHUTDOWN_TIMEOUT_MS: millis(1000, 600_000).default(10_000),
  /** On SIGTERM the worker gives its active jobs this long to finish; past it the process exits 1. */
  WORKER_SHUTDOWN_TIMEOUT_MS: millis(1000, 600_000).default(30_000),
  /** Email send retries: whole seconds before attempt n+1 ("0,30,120,…"); tests compress it. */
  EMAIL_RETRY_SCHEDULE: ZWebhookRetrySchedule.default([0, 30, 120, 600, 1800, 3600]),
  /** Months a site's analytics events are kept (a site may set its own, `settings.retentionMonths`). */
  EVENT_RETENTION_MONTHS: z.coerce.number().int().min(1).max(120).default(13),
  /** Analytics events one site may send per UTC day (a site may set its own, `settings.dailyEventQuota`); inquiries never count. */
  DAILY_EVENT_QUOTA: z.coerce.number().int().min(1).max(100_000_000).default(100_000),
  /**
   * Seconds an analytics answer (`GET /v1/analytics/summary`, `/v1/analytics/leads`) is served from
   * the API process's cache (per realtor and URL; the realtor's own writes clear it at once;
   * `Cache-Control: no-cache` recomputes). 0 turns the cache off.
   */
  ANALYTICS_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(5),
  /**
   * Live-update streams (`GET /v1/live`) one API process holds at most, all accounts together; past
   * it a stream is answered 503 with Retry-After. Keep it well below the process's open-file limit
   * (`ulimit -n`): every stream is a socket.
   */
  LIVE_STREAMS_MAX: z.coerce.number().int().min(1).max(1_000_000).default(LIVE_STREAMS_MAX_DEFAULT),
  /** pino log level. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /**
   * How many reverse proxies in front of the API append to X-Forwarded-For: `false`/`0` trusts
   * none, `true` means one, a number that many. Only the last N entries are believed — the ones
   * your proxies wrote — so a client cannot pick its own IP by sending the header itself.
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^(true|yes|on|false|no|off|\d{1,2})$/, 'must be true, false or the number of proxy hops (0-99)')
    .transform((v) => (['true', 'yes', 'on'].includes(v) ? 1 : ['false', 'no', 'off'].includes(v) ? 0 : Number(v)))
    .default(0),
  /** Outgoing mail server, e.g. smtp://user:pass@host:587 (smtps:// for implicit TLS). Unset: emails go to the log. */
  SMTP_URL: z
    .url({ protocol: /^smtps?$/, hostname: /^[^\s]+$/, error: 'must be a URL like smtp://user:pass@host:587 (or smtps://…)' })
    .optional(),
  /**
   * Signup answers the same "check your email" for every address and the first login is through
   * the emailed link (docs/email.md, "Signup does not reveal accounts"). Default: on when SMTP_URL
   * is set, off when it is not (without a mail server no link can reach anyone).
   */
  SIGNUP_VERIFY_FIRST: flag.optional(),
  /** Sender of every email: an address, optionally with a display name (`Porchlight <alerts@example.com>`). */
  MAIL_FROM: z
    .string()
    .trim()
    .regex(/^(?:[^<>\r\n]*<[^\s<>@]+@[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+)$/, 'must be an email address, optionally "Name <address>"')
    .default('Porchlight <porchlight@localhost>'),
  /** ISO 3166 country whose national numbers a phone without `+` is read as ("US", "GB", "FR"…); phones are stored in E.164. */
  DEFAULT_PHONE_COUNTRY: z
    .string()
    .trim()
    .toUpperCase()
    .refine((c) => isSupportedCountry(c), 'must be a two-letter country code with phone numbering, e.g. US, GB, CA, FR')
    .default('US'),
});

/** The name of every variable the schema reads. */
export const CONFIG_VARIABLES = Object.keys(ZEnv.shape) as ReadonlyArray<keyof typeof ZEnv.shape>;

export type Config = Omit<z.infer<typeof ZEnv>, 'SIGNUP_VERIFY_FIRST' | 'DATA_ENCRYPTION_KEY' | 'DATA_ENCRYPTION_PREVIOUS_KEYS'> & {
  PUBLIC_URL: string; SESSION_SECRET: string; SIGNUP_VERIFY_FIRST: boolean;
  /** The 32-byte key itself: DATA_ENCRYPTION_KEY decoded, or derived from SESSION_SECRET when unset. */
  DATA_ENCRYPTION_KEY: Buffer;
  /** DATA_ENCRYPTION_PREVIOUS_KEYS decoded: keys that still open values sealed under them, never seal. */
  DATA_ENCRYPTION_PREVIOUS_KEYS: Buffer[];
};

/** Thrown when the environment is invalid; its message names the variable. */
export class ConfigError extends Error {}

/**
 * Parses environment variables once. The only reader of `process.env` in server code:
 * callers pass `process.env` (or an object in tests) explicitly.
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Treat empty strings as unset so `FOO=` in an .env file means "use the default".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = ZEnv.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    throw new ConfigError(`Invalid configuration: ${name}: ${issue.message}`);
  }
  const c = parsed.data;
  if (c.NODE_ENV === 'production' && !c.SESSION_SECRET) {
    throw new ConfigError('Invalid configuration: SESSION_SECRET: required in production (at least 32 characters)');
  }
  const sessionSecret = c.SESSION_SECRET ?? 'porchlight-development-secret-change-me-0000';
  return {
    ...c,
    PUBLIC_URL: (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, ''),
    SESSION_SECRET: sessionSecret,
    DATA_ENCRYPTION_KEY: c.DATA_ENCRYPTION_KEY ? (parseDataKey(c.DATA_ENCRYPTION_KEY) as Buffer) : deriveDataKey(sessionSecret),
    DATA_ENCRYPTION_PREVIOUS_KEYS: c.DATA_ENCRYPTION_PREVIOUS_KEYS.map((k) => parseDataKey(k) as Buffer),
    SIGNUP_VERIFY_FIRST: c.SIGNUP_VERIFY_FIRST ?? c.SMTP_URL !== undefined,
  };
}

/** `.env` at the repository root: `.env.example` says to copy it there. */
export const DEFAULT_ENV_FILE = fileURLToPath(new URL('../.env', import.meta.url));

/**
 * The variables of an env file (Node's own parser, no dependency), or {} when there is no such file.
 * One that cannot be read (another user's mode-600 file, a directory) is a ConfigError naming it.
 */
export function readEnvFile(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`Invalid configuration: cannot read ${path}: ${(err as Error).message}`);
  }
  return parseEnv(text) as Record<string, string>;
}

/**
 * The environment as the processes see it: the env file's values under the real environment's,
 * so `PORT=4000 npm start` still wins over a `PORT` in `.env`.
 */
export function loadConfigFromEnvironment({ env = process.env, envFile = DEFAULT_ENV_FILE }: { env?: Record<string, string | undefined>; envFile?: string } = {}): Config {
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  return loadConfig({ ...readEnvFile(envFile), ...defined });
}

/** Loads config from `.env` and process.env, printing one clear line and exiting on error. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfigFromEnvironment();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
