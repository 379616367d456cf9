// A webhook receiver for the bench, in the bench's own process (it only receives: the load of
// the webhook scenarios is small next to the ingest load): answers 204 at once and records each
// request's arrival (performance.now()) with its headers and body; `onRequest` lets a scenario
// await the ones it expects without polling.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface BenchWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

export interface BenchReceiver {
  url: string;
  /** Called for every request as it arrives. */
  onRequest: ((w: BenchWebhook) => void) | null;
  count: number;
  /** True when the Standard Webhooks signature of `w` verifies with `secret`. */
  verify(w: BenchWebhook, secret: string): boolean;
  close(): Promise<void>;
}

export async function startBenchReceiver(): Promise<BenchReceiver> {
  const receiver: BenchReceiver = {
    url: '',
    onRequest: null,
    count: 0,
    verify(w, secret) {
      try {
        new Webhook(secret).verify(w.body, { 'webhook-id': String(w.headers['webhook-id']), 'webhook-timestamp': String(w.headers['webhook-timestamp']), 'webhook-signature': String(w.headers['webhook-signature']) });
        return true;
      } catch {
        return false;
      }
    },
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const w = { path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: performance.now() };
      receiver.count++;
      res.statusCode = 204;
      res.end();
      receiver.onRequest?.(w);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return receiver;
}

/** The p-th percentile (0–100) of `values` (nearest rank). */
export function percentile(values: number[], p: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
