/** Error codes the API answers with, and their HTTP status. */
export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  invalid_json: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  csrf_failed: 403,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  email_taken: 409,
  token_invalid: 400,
  token_used: 410,
  token_expired: 410,
  password_required: 400,
  wrong_password: 400,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  quota_exceeded: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** An expected failure with a stable code; the API's error handler turns it into JSON. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  /** Extra response headers (e.g. Retry-After). */
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, details?: unknown, headers?: Record<string, string>) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
    this.headers = headers;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function notFound(what = 'Resource'): AppError {
  return new AppError('not_found', `${what} not found`);
}

/**
 * A 429 `rate_limited` with its wait in both places a client looks: the `Retry-After` header and
 * `details.retryAfterSeconds` (with any `extra` details beside it). `message` is the whole sentence.
 */
export function rateLimited(message: string, retryAfterSeconds: number, extra?: Record<string, unknown>): AppError {
  return new AppError('rate_limited', message, { ...extra, retryAfterSeconds }, { 'Retry-After': String(retryAfterSeconds) });
}

/** Seconds a client is asked to wait (Retry-After) when the database cannot be reached. */
export const DATABASE_RETRY_AFTER_SEC = 5;

/** Socket-level codes of a connection that could not be made or was lost. */
const CONNECTION_ERROR_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);
/** Postgres SQLSTATEs meaning "the server is not there right now": shutting down, starting up, out of connections. */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** pg / pg-pool messages for a lost or unobtainable connection (they carry no code). */
const CONNECTION_ERROR_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /connection .*(?:closed|refused)/i,
];

/**
 * True when `err` (or an error it wraps: MikroORM's DriverException copies pg's `code`; others
 * keep it in `cause`) says the database could not be reached — refused, lost mid-query, shutting
 * down or out of connections — rather than that the query was wrong. The API answers these with
 * 503 + Retry-After: nothing was committed, and the same request will work once Postgres is back.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    seen.add(current);
    const e = current as { code?: unknown; message?: unknown; name?: unknown; cause?: unknown; errors?: unknown };
    const code = typeof e.code === 'string' ? e.code : '';
    if (CONNECTION_ERROR_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
    if (e.name === 'ConnectionException') return true;
    if (typeof e.message === 'string' && CONNECTION_ERROR_MESSAGES.some((re) => re.test(e.message as string))) return true;
    // AggregateError (a dual-stack connect refused on every address).
    if (Array.isArray(e.errors) && e.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = e.cause;
  }
  return false;
}
