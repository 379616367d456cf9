// A real HTTP receiver for webhook tests, on 127.0.0.1: records every request (headers, raw body,
// arrival time), verifies it with the official `standardwebhooks` package, and answers as the test
// scripts it (a status with headers, a hang past the timeout). It can stop and start again on the
// same port, to play a receiver that is down and comes back.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { vi } from 'vitest';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  payload: any;
  path: string;
  receivedAt: number;
  headers: IncomingMessage['headers'];
}

/** How to answer one request: a status (default 204) with headers and body, or never answer. */
export type ReceiverAnswer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

export interface TestReceiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  /** Answers for the next requests, in order; afterwards `defaultAnswer`. */
  answers: ReceiverAnswer[];
  defaultAnswer: ReceiverAnswer;
  /** Verifies one received webhook with the official library (throws if the signature is wrong or stale). */
  verify(w: ReceivedWebhook, secret: string): unknown;
  waitFor(predicate: (all: ReceivedWebhook[]) => boolean, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  /**
   * Resolves with the next request answered 'hang' (the oldest one not taken yet), from the request
   * handler itself (no polling): its sender is mid-request until `release()` — the moment to kill
   * it mid-delivery.
   */
  nextHeld(): Promise<ReceivedWebhook>;
  /** Answers every held ('hang') request with `defaultAnswer` (a no-op towards a sender that is gone). */
  release(): void;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestReceiver(): Promise<TestReceiver> {
  const hanging = new Set<ServerResponse>();
  const heldWaiters: Array<(w: ReceivedWebhook) => void> = [];
  /** Held requests no `nextHeld()` has taken yet. */
  const heldUnclaimed: ReceivedWebhook[] = [];
  let server: Server | null = null;
  const receiver: TestReceiver = {
    url: '',
    port: 0,
    received: [],
    answers: [],
    defaultAnswer: { status: 204 },
    verify(w, secret) {
      return new Webhook(secret).verify(w.body, { 'webhook-id': w.id, 'webhook-timestamp': w.timestamp, 'webhook-signature': w.signature });
    },
    async waitFor(predicate, timeoutMs = 15_000) {
      await vi.waitFor(() => {
        if (!predicate(receiver.received)) throw new Error(`receiver has ${receiver.received.length} webhooks, condition not met`);
      }, { timeout: timeoutMs, interval: 20 });
      return receiver.received;
    },
    nextHeld() {
      const already = heldUnclaimed.shift();
      return already ? Promise.resolve(already) : new Promise((resolve) => heldWaiters.push(resolve));
    },
    release() {
      for (const res of hanging) {
        const answer = receiver.defaultAnswer === 'hang' ? { status: 204 } : receiver.defaultAnswer;
        if (!res.destroyed) res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? '');
      }
      hanging.clear();
    },
    async start() {
      server = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          let payload: unknown = null;
          try {
            payload = JSON.parse(body);
          } catch {
            // keep null
          }
          const webhook: ReceivedWebhook = {
            id: String(req.headers['webhook-id']), timestamp: String(req.headers['webhook-timestamp']), signature: String(req.headers['webhook-signature']),
            body, payload, path: req.url ?? '/', receivedAt: performance.now(), headers: req.headers,
          };
          receiver.received.push(webhook);
          const answer = receiver.answers.shift() ?? receiver.defaultAnswer;
          if (answer === 'hang') {
            hanging.add(res);
            const waiter = heldWaiters.shift();
            if (waiter) waiter(webhook);
            else heldUnclaimed.push(webhook);
            return;
          }
          res.writeHead(answer.status, answer.headers ?? {});
          res.end(answer.body ?? '');
        });
      });
      await new Promise<void>((resolve) => server!.listen(receiver.port, '127.0.0.1', resolve));
      receiver.port = (server.address() as AddressInfo).port;
      receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
    },
    async stop() {
      for (const res of hanging) res.destroy();
      hanging.clear();
      const s = server;
      server = null;
      if (!s) return;
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    },
    async close() {
      await receiver.stop();
    },
  };
  await receiver.start();
  return receiver;
}
