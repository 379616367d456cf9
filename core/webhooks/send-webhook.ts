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
  /**
   * Keep-alive agents to reuse connections (`createWebhookAgents`); default none: a fresh socket
   * per attempt. Every socket such an agent opens was made through the guarded lookup.
   */
  agents?: WebhookAgents;
}

export interface WebhookAgents {
  http: http.Agent;
  https: https.Agent;
  destroy(): void;
}

/** How long an idle keep-alive connection is kept: below the 5 s at which Node servers close theirs. */
export const WEBHOOK_KEEP_ALIVE_MS = 4000;

/**
 * Keep-alive agents for one worker process: connections to a receiver's origin are reused across
 * attempts (no TCP/TLS handshake per delivery). The SSRF guard still holds: a socket is only ever
 * opened through the guarded `lookup` each request passes (IP literals are checked before every
 * request), so the address a pooled socket is connected to was checked when it was opened; the
 * pool is keyed by host and port, so a socket is only reused for the origin it was opened for.
 * Concurrency is bounded by the claims (per endpoint in Postgres), not by the agent.
 */
export function createWebhookAgents(): WebhookAgents {
  const options = { keepAlive: true, keepAliveMsecs: 1000, maxSockets: Number.POSITIVE_INFINITY, maxFreeSockets: 256, timeout: WEBHOOK_KEEP_ALIVE_MS, scheduling: 'lifo' as const };
  const agents = { http: new http.Agent(options), https: new https.Agent(options) };
  return { ...agents, destroy: () => { agents.http.destroy(); agents.https.destroy(); } };
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
 * follows redirects; the connection is made through the SSRF guard's lookup — a fresh socket
 * (`agent: false`), or one of `agents`' pooled sockets, each of which was opened through it.
 */
export function sendWebhook({ url, headers, body, timeoutMs = WEBHOOK_TIMEOUT_MS, allowedHosts, now = Date.now, resolve, agents }: SendWebhookInput): Promise<SendWebhookResult> {
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
    let retriedStaleSocket = false;
    const finish = (result: SendWebhookResult, { complete = false } = {}) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // Closing the socket is how the rest of a large or slow body is left unread; a response read
      // to its end leaves the socket to the keep-alive pool (if any).
      if (!complete) request?.destroy();
      settle(result);
    };
    // Before the status line a timeout is the failure; after it, the answer stands with whatever excerpt arrived.
    let onTimeout = () => finish(failed(`timed out after ${timeoutMs} ms`));
    const timer = setTimeout(() => onTimeout(), timeoutMs);

    const client = target.protocol === 'https:' ? https : http;
    const agent = agents ? (target.protocol === 'https:' ? agents.https : agents.http) : false;
    const lookup = createGuardedLookup({ allowedHosts, resolve });
    const send = () => {
      const req = client.request(target, {
        method: 'POST',
        agent,
        lookup,
        headers: {
          'user-agent': WEBHOOK_USER_AGENT,
          'content-type': 'application/json',
          ...headers,
          'content-length': String(Buffer.byteLength(body)),
        },
      });
      request = req;
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A pooled connection the receiver closed while idle fails at once with ECONNRESET: that is
        // the pool's race, not the receiver's answer — try once more on a fresh connection (Node's
        // documented pattern for `reusedSocket`).
        if (req.reusedSocket && err.code === 'ECONNRESET' && !retriedStaleSocket && !done) {
          retriedStaleSocket = true;
          send();
          return;
        }
        finish(failed(describeError(err), err instanceof WebhookAddressRefusedError));
      });
      req.on('response', (response) => onResponse(response));
      req.end(body);
    };
    const onResponse = (response: http.IncomingMessage) => {
      const statusCode = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      const report = (complete = false) => {
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
        }, { complete });
      };
      onTimeout = () => report();
      response.on('data', (chunk: Buffer) => {
        const room = WEBHOOK_RESPONSE_EXCERPT_BYTES - size;
        if (room > 0) {
          const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
          chunks.push(part);
          size += part.length;
        }
        if (size >= WEBHOOK_RESPONSE_EXCERPT_BYTES) report();
      });
      response.on('end', () => report(true));
      // The status line is the answer; a body cut short (we destroyed it, or the receiver did) still counts.
      response.on('error', () => report());
      response.on('aborted', () => report());
    };
    send();
  });
}
