// A webhook receiver a CRM developer can copy: verifies Porchlight's Standard Webhooks signature
// with the official `standardwebhooks` package, rejects stale timestamps, processes each
// `webhook-id` once, and answers fast. Run it: `npm run example:crm-receiver` (see README.md).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

/** Larger bodies are refused (Porchlight's payloads are a few hundred bytes, always under 20 KB). */
const MAX_BODY_BYTES = 256 * 1024;
/** How long a processed webhook-id is remembered. Porchlight retries for about 28 hours; keep ids longer. */
const DEDUPE_TTL_MS = 48 * 60 * 60 * 1000;

export interface WebhookEvent {
  /** The `webhook-id`: the same on every retry of one message. */
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

export interface CrmReceiverOptions {
  /** The endpoint's `whsec_…` secret, from Porchlight's admin (Webhooks → Reveal secret). */
  secret: string;
  /** Your business logic. Throwing answers 500, so Porchlight retries later. */
  onEvent: (event: WebhookEvent) => void | Promise<void>;
  /** Clock for the dedupe store (tests). The signature library checks timestamps against the real clock. */
  now?: () => number;
}

/** Reads the body, or resolves null as soon as it passes MAX_BODY_BYTES (the rest is left unread). */
function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Stop collecting, but do not destroy the request here: a reset socket would reach the
        // sender as ECONNRESET instead of the 413 (see the reply below).
        req.off('data', onData);
        req.pause();
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/**
 * Creates the receiver (not yet listening). Deduplication is in memory here to keep the example
 * small; in production store processed ids in your database with a unique constraint, in the same
 * transaction as the work they trigger.
 */
export function createCrmReceiver({ secret, onEvent, now = Date.now }: CrmReceiverOptions): Server {
  const verifier = new Webhook(secret);
  /** webhook-id → when it was processed (or 0 while in progress). */
  const seen = new Map<string, number>();

  return createServer(async (req, res) => {
    const reply = (status: number, body?: object, headers: Record<string, string> = {}) => {
      res.writeHead(status, body ? { 'content-type': 'application/json', ...headers } : headers).end(body ? JSON.stringify(body) : undefined);
    };
    if (req.method !== 'POST') return reply(405, { error: 'POST only' });
    const body = await readBody(req);
    if (body === null) {
      // Answer first, then discard what is still arriving so the sender finishes writing and reads
      // the 413; `connection: close` makes Node close the socket once the answer is sent, which
      // bounds how much of an endless body is drained.
      reply(413, { error: 'body too large' }, { connection: 'close' });
      req.resume();
      return;
    }

    // 1. Verify before trusting anything, including the id. verify() also rejects timestamps more
    //    than 5 minutes off (replayed or stale requests) and accepts any of several signatures
    //    (Porchlight sends two while a secret is being rotated).
    let payload: { type: string; timestamp: string; data: Record<string, unknown> };
    try {
      payload = verifier.verify(body, req.headers as Record<string, string>) as typeof payload;
    } catch (err) {
      if (err instanceof WebhookVerificationError) return reply(401, { error: err.message });
      return reply(400, { error: 'body is not JSON' });
    }

    // 2. At-least-once delivery: the same message can arrive twice. Answer 2xx, do the work once.
    const id = String(req.headers['webhook-id']);
    for (const [key, at] of seen) if (at !== 0 && now() - at > DEDUPE_TTL_MS) seen.delete(key);
    if (seen.has(id)) return reply(200, { duplicate: true });
    seen.set(id, 0);

    // 3. Do the work (quickly: Porchlight waits at most 15 s; queue anything slow).
    try {
      await onEvent({ id, type: payload.type, timestamp: payload.timestamp, data: payload.data });
      seen.set(id, now());
      reply(204);
    } catch {
      seen.delete(id); // let the retry process it
      reply(500, { error: 'processing failed; please retry' });
    }
  });
}

// `node examples/crm-receiver/receiver.ts`: listen and log each event.
if (import.meta.main) {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret?.startsWith('whsec_')) {
    console.error('Set WEBHOOK_SECRET to the endpoint secret (whsec_…) shown in the Porchlight admin.');
    process.exit(1);
  }
  const port = Number(process.env.RECEIVER_PORT ?? 4010);
  const server = createCrmReceiver({
    secret,
    onEvent: (event) => console.log(`${event.type} ${event.id}`, JSON.stringify(event.data)),
  });
  server.listen(port, '127.0.0.1', () => {
    console.log(`CRM receiver on http://127.0.0.1:${(server.address() as AddressInfo).port}/ — add it as a webhook endpoint in Porchlight`);
  });
  process.on('SIGINT', () => server.close(() => process.exit(0)));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}
