import http from 'node:http';
import https from 'node:https';
import { checkLiteralWebhookHost, createGuardedLookup, type ResolveAll, WebhookAddressRefusedError } from './guard-webhook-address.ts';

/** Default time for one attempt, from connecting to the status line (WEBHOOK_TIMEOUT_MS overrides). */
export const WEBHOOK_TIMEOUT_MS = 15_000;
/** How much of a response body is kept for the attempt log; the rest is never read. */
export const WEBHOOK_RESPONSE_EXCERPT_BYTES = 1024;
export const WEBHOOK_USER_AGENT = 'Porchlight-Webhooks/1 (+https://www.standardwebhooks.com)';

export interface SendWebhookInput {
  url: string;
  /** The Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature). */
  headers: Record<string, string>;
  /** The exact bytes that were signed. */
  body: string;
  /** Budget for the whole attempt (connect, send, status, excerpt); default WEBHOOK_TIMEOUT_MS. */
  timeoutMs?: number;
  /** WEBHOOK_ALLOWED_HOSTS: hosts exempt from the private-address guard. */
  allowedHosts: readonly string[];
  /** Clock for HTTP-date Retry-After values; default Date.now. */
  now?: () => number;
  /** DNS resolution; default the system resolver (tests inject a table). */
  resolve?: ResolveAll;
}

export interface SendWebhookResult {
  /** Any 2xx. Redirects are answers, not successes: they are never followed. */
  ok: boolean;
  /** null when no response arrived (refused, unreachable, timed out before the status line). */
  statusCode: number | null;
  durationMs: number;
  /** The first 1 KB of the body, decoded as UTF-8 (invalid bytes replaced), or null without a response. */
  responseExcerpt: string | null;
  /** Why it failed, in words; null on success. */
  error: string | null;
  /** What a Retry-After header asked for, in ms from now; null without one. */
  retryAfterMs: number | null;
  /** 410 Gone: the receiver asks never to be called again. */
  gone: boolean;
  /** The SSRF guard refused the address; nothing was sent. */
  refused: boolean;
}

/**
 * Retry-After as milliseconds from `nowMs`: either delta-seconds ("120") or an HTTP-date
 * ("Wed, 21 Oct 2026 07:28:00 GMT"). Anything else is ignored (null); dates in the past are 0.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | null {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return null;
  return Math.max(0, at - nowMs);
}

/**
 * Decodes a body excerpt for storage: UTF-8 with replacement characters for invalid bytes; a
 * character cut by the byte limit is dropped (stream mode holds it back); NUL bytes, which a
 * Postgres text column refuses, are removed.
 */
function decodeExcerpt(bytes: Buffer): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes, { stream: true }).replaceAll('\u0000', '');
}

function describeError(err: NodeJS.ErrnoException): string {
  if (err instanceof WebhookAddressRefusedError) return err.message;
  const text = err.message || err.code || 'request failed';
  return text.length > 480 ? `${text.slice(0, 480)}…` : text;
}

/**
 * One HTTP attempt: POSTs the signed body and reports what happened. Never throws and never
 * follows redirects; the connection is made through the SSRF guard's lookup and a fresh socket
 * (`agent: false`), so no pooled socket that bypassed the guard can be reused.
 */
export function sendWebhook({ url, headers, body, timeoutMs = WEBHOOK_TIMEOUT_MS, allowedHosts, now = Date.now, resolve }: SendWebhookInput): Promise<SendWebhookResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const failed = (error: string, refused = false): SendWebhookResult => ({
    ok: false, statusCode: null, durationMs: elapsed(), responseExcerpt: null, error, retryAfterMs: null, gone: false, refused,
  });

  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.resolve(failed(`invalid URL: ${url.slice(0, 200)}`));
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') return Promise.resolve(failed(`unsupported protocol ${target.protocol}`));
  const literal = checkLiteralWebhookHost(target.hostname, allowedHosts);
  if (literal) return Promise.resolve(failed(literal.message, true));

  return new Promise((settle) => {
    let done = false;
    let request: http.ClientRequest | undefined;
    const finish = (result: SendWebhookResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Closing the socket is how the rest of a large or slow body is left unread.
      request?.destroy();
      settle(result);
    };
    // Before the status line a timeout is the failure; after it, the answer stands with whatever excerpt arrived.
    let onTimeout = () => finish(failed(`timed out after ${timeoutMs} ms`));
    const timer = setTimeout(() => onTimeout(), timeoutMs);

    const client = target.protocol === 'https:' ? https : http;
    request = client.request(target, {
      method: 'POST',
      agent: false,
      lookup: createGuardedLookup({ allowedHosts, resolve }),
      headers: {
        'user-agent': WEBHOOK_USER_AGENT,
        'content-type': 'application/json',
        ...headers,
        'content-length': String(Buffer.byteLength(body)),
      },
    });
    request.on('error', (err: NodeJS.ErrnoException) => finish(failed(describeError(err), err instanceof WebhookAddressRefusedError)));
    request.on('response', (response) => {
      const statusCode = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const report = () => {
        const ok = statusCode >= 200 && statusCode < 300;
        let error: string | null = null;
        if (statusCode >= 300 && statusCode < 400) error = `redirect ${statusCode} to ${String(response.headers.location ?? '(no location)').slice(0, 300)} not followed`;
        else if (!ok) error = `receiver answered ${statusCode}`;
        finish({
          ok,
          statusCode,
          durationMs: elapsed(),
          responseExcerpt: decodeExcerpt(Buffer.concat(chunks, size)),
          error,
          retryAfterMs: parseRetryAfter(response.headers['retry-after'], now()),
          gone: statusCode === 410,
          refused: false,
        });
      };
      onTimeout = report;
      response.on('data', (chunk: Buffer) => {
        const room = WEBHOOK_RESPONSE_EXCERPT_BYTES - size;
        if (room > 0) {
          const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
          chunks.push(part);
          size += part.length;
        }
        if (size >= WEBHOOK_RESPONSE_EXCERPT_BYTES) report();
      });
      response.on('end', report);
      // The status line is the answer; a body cut short (we destroyed it, or the receiver did) still counts.
      response.on('error', report);
      response.on('aborted', report);
    });
    request.end(body);
  });
}
