import type { Context, Next } from 'koa';
import { ZodError } from 'zod';
import { AppError, DATABASE_RETRY_AFTER_SEC, isDatabaseUnavailable } from '#core/errors.ts';
import type { Logger } from '#core/logger.ts';
import type { RequestState } from './context.ts';

/** Zod issues → [{path, message}] with dotted paths ("allowedOrigins.0"). */
export function zodDetails(err: ZodError) {
  return err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** An error as the API answers it: status, `{ error: { code, message, details? } }` and extra headers. */
export interface ErrorAnswer {
  status: number;
  body: { error: { code: string; message: string; details?: unknown } };
  headers: Record<string, string>;
}

const answer = (status: number, code: string, message: string, details?: unknown, headers: Record<string, string> = {}): ErrorAnswer => ({
  status,
  body: { error: details === undefined ? { code, message } : { code, message, details } },
  headers,
});

/**
 * The one place errors become HTTP answers (the Koa error handler and the beacon lane both use
 * it). Client mistakes are 4xx; an unreachable database is 503 + Retry-After; anything unexpected
 * is a 500 logged (on `log`) with the request id.
 */
export function errorAnswer(err: unknown, log: Logger | undefined, requestId: string | undefined): ErrorAnswer {
  if (err instanceof AppError) return answer(err.status, err.code, err.message, err.details, err.headers);
  if (err instanceof ZodError) return answer(400, 'validation_failed', 'The request is not valid', zodDetails(err));
  if (isHttpError(err) && err.status < 500) {
    // raw-body and Koa's own errors (413 entity.too.large, 400 request.aborted, …)
    const code = err.status === 413 ? 'payload_too_large' : err.status === 415 ? 'unsupported_media_type' : 'bad_request';
    return answer(err.status, code, err.expose ? err.message : 'Bad request');
  }
  if (isDatabaseUnavailable(err)) {
    // Postgres refused or lost the connection: nothing was committed, and the same request
    // works again once it is back (the pool reconnects on its own). Never a 500, never a 202.
    log?.warn({ err }, 'database unavailable');
    return answer(503, 'unavailable', 'The service is briefly unavailable; retry shortly', undefined, { 'Retry-After': String(DATABASE_RETRY_AFTER_SEC) });
  }
  log?.error({ err }, 'unhandled error');
  return answer(500, 'internal', `Internal error (request ${requestId ?? 'unknown'})`);
}

function send(ctx: Context, { status, body, headers }: ErrorAnswer) {
  for (const [k, v] of Object.entries(headers)) ctx.set(k, v);
  ctx.status = status;
  ctx.body = body;
}

/** Koa's side of errorAnswer, plus the JSON 404/405 for what no route answered. */
export function errorHandler() {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) send(ctx, answer(404, 'not_found', `No route for ${ctx.method} ${ctx.path}`));
      else if (ctx.status === 405 && ctx.body === undefined) send(ctx, answer(405, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}`));
    } catch (err) {
      const state = ctx.state as Partial<RequestState>;
      send(ctx, errorAnswer(err, state.log, state.requestId));
    }
  };
}

function isHttpError(err: unknown): err is { status: number; message: string; expose?: boolean } {
  return typeof err === 'object' && err !== null && typeof (err as { status?: unknown }).status === 'number';
}
