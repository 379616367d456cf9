import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { AppError } from '#core/errors.ts';

export const DEFAULT_JSON_LIMIT_BYTES = 64 * 1024;
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAY_HOLD_FORBIDDEN_KEY = /__proto__|constructor|prototype|\\u/;

/** What the body is read from: a Koa context, or a Koa request over a bare `req` (the beacon lane). */
export interface JsonBodySource {
  req: IncomingMessage;
  is(type: string, ...types: string[]): string | false | null;
  get(field: string): string;
}

/**
 * Reads and parses a JSON body. Accepts application/json (and text/plain where `allowTextPlain`,
 * for the widget's preflight-free beacons). Rejects prototype-pollution keys outright.
 */
export async function readJsonBody(ctx: JsonBodySource, opts: { limitBytes?: number; allowTextPlain?: boolean } = {}): Promise<unknown> {
  const type = ctx.is('application/json', ...(opts.allowTextPlain ? ['text/plain'] : []));
  if (!type) {
    throw new AppError('unsupported_media_type', `Send the body as application/json${opts.allowTextPlain ? ' or text/plain' : ''}`);
  }
  const limit = opts.limitBytes ?? DEFAULT_JSON_LIMIT_BYTES;
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limit) throw new AppError('payload_too_large', `Body exceeds ${limit} bytes`);
  let text: string;
  try {
    text = await getRawBody(ctx.req, { limit, encoding: 'utf8', length: ctx.get('content-length') || undefined });
  } catch (err) {
    const e = err as { type?: string; status?: number };
    if (e.type === 'entity.too.large') throw new AppError('payload_too_large', `Body exceeds ${limit} bytes`);
    if (e.type === 'encoding.unsupported') throw new AppError('unsupported_media_type', 'Use UTF-8');
    throw new AppError('bad_request', 'Could not read the request body');
  }
  if (!text.trim()) throw new AppError('invalid_json', 'The request body is empty; send a JSON object');
  try {
    // A reviver makes JSON.parse several times slower; only a body that could spell a forbidden
    // key (literally, or through a \u escape) pays for it.
    if (!MAY_HOLD_FORBIDDEN_KEY.test(text)) return JSON.parse(text);
    return JSON.parse(text, (key, value) => {
      if (FORBIDDEN_KEYS.has(key)) throw new ForbiddenKeyError(key);
      return value;
    });
  } catch (err) {
    if (err instanceof ForbiddenKeyError) throw new AppError('bad_request', `Key "${err.key}" is not allowed`);
    throw new AppError('invalid_json', 'The request body is not valid JSON');
  }
}

class ForbiddenKeyError extends Error {
  readonly key: string;
  constructor(key: string) {
    super(key);
    this.key = key;
  }
}
