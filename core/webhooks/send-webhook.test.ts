// Real HTTP receivers on 127.0.0.1 (the only address these tests ever connect to).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookAgents, parseRetryAfter, sendWebhook, WEBHOOK_RESPONSE_EXCERPT_BYTES } from './send-webhook.ts';

interface Receiver {
  url: string;
  port: number;
  /** Requests that reached the handler, with their headers and body. */
  requests: { headers: http.IncomingHttpHeaders; body: string }[];
  /** TCP connections accepted, whether or not a request followed. */
  connections: number;
  server: http.Server;
}

const receivers: Receiver[] = [];
afterEach(async () => {
  for (const r of receivers.splice(0)) {
    r.server.closeAllConnections();
    await new Promise((done) => r.server.close(done));
  }
});

async function startReceiver(handle: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void): Promise<Receiver> {
  const receiver: Receiver = { url: '', port: 0, requests: [], connections: 0, server: http.createServer() };
  receiver.server.on('connection', () => receiver.connections++);
  receiver.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      receiver.requests.push({ headers: req.headers, body });
      handle(req, res, body);
    });
  });
  await new Promise<void>((done) => receiver.server.listen(0, '127.0.0.1', done));
  receiver.port = (receiver.server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
  receivers.push(receiver);
  return receiver;
}

const signed = { 'webhook-id': 'msg_test', 'webhook-timestamp': '1764410000', 'webhook-signature': 'v1,abc=' };
const body = JSON.stringify({ type: 'webhook.test', timestamp: '2026-11-29T10:00:00.000Z', data: {} });
const local = ['127.0.0.1', 'localhost'];

describe('sending one webhook attempt', () => {
  it('POSTs the signed JSON body and reports any 2xx as success with the response excerpt', async () => {
    const r = await startReceiver((_req, res) => res.writeHead(202, { 'content-type': 'text/plain' }).end('accepted'));
    const result = await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: local });
    expect(result).toMatchObject({ ok: true, statusCode: 202, responseExcerpt: 'accepted', error: null, retryAfterMs: null, gone: false, refused: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0].body).toBe(body);
    expect(r.requests[0].headers).toMatchObject({ ...signed, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
    expect(r.requests[0].headers['user-agent']).toMatch(/^Porchlight-Webhooks/);
  });

  it('reports a 500 as a failure with the status and body', async () => {
    const r = await startReceiver((_req, res) => res.writeHead(500).end('{"error":"database down"}'));
    const result = await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: local });
    expect(result).toMatchObject({ ok: false, statusCode: 500, responseExcerpt: '{"error":"database down"}', error: 'receiver answered 500', gone: false });
  });

  it('marks 410 Gone so the endpoint can be disabled', async () => {
    const r = await startReceiver((_req, res) => res.writeHead(410).end('unsubscribed'));
    expect(await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: local })).toMatchObject({ ok: false, statusCode: 410, gone: true });
  });

  it('never follows a redirect', async () => {
    const target = await startReceiver((_req, res) => res.writeHead(200).end('should not be reached'));
    const r = await startReceiver((_req, res) => res.writeHead(307, { location: target.url }).end());
    const result = await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: local });
    expect(result).toMatchObject({ ok: false, statusCode: 307, error: `redirect 307 to ${target.url} not followed` });
    expect(target.connections).toBe(0);
  });

  it('reads Retry-After as seconds or as an HTTP date', async () => {
    const seconds = await startReceiver((_req, res) => res.writeHead(429, { 'retry-after': '120' }).end());
    expect(await sendWebhook({ url: seconds.url, headers: signed, body, allowedHosts: local })).toMatchObject({ ok: false, statusCode: 429, retryAfterMs: 120_000 });
    const at = Date.parse('2030-01-01T00:00:30Z');
    const dated = await startReceiver((_req, res) => res.writeHead(503, { 'retry-after': new Date(at).toUTCString() }).end());
    const result = await sendWebhook({ url: dated.url, headers: signed, body, allowedHosts: local, now: () => Date.parse('2030-01-01T00:00:00Z') });
    expect(result).toMatchObject({ statusCode: 503, retryAfterMs: 30_000 });
  });

  it('gives up on a receiver that does not answer in time', async () => {
    let closed = false;
    const r = await startReceiver((req) => req.socket.on('close', () => (closed = true))); // never answers
    const result = await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: local, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: false, statusCode: null, error: 'timed out after 300 ms', responseExcerpt: null });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(5000);
    await expect.poll(() => closed).toBe(true); // the socket is closed, not left hanging
  });

  it('keeps the status when the body is slow to arrive', async () => {
    const r = await startReceiver((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial'); // …and never ends
    });
    const result = await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: local, timeoutMs: 300 });
    expect(result).toMatchObject({ ok: true, statusCode: 200, responseExcerpt: 'partial', error: null });
  });

  it('reports a refused connection', async () => {
    const r = await startReceiver(() => {});
    const url = r.url;
    r.server.close();
    await new Promise((done) => r.server.once('close', done));
    const result = await sendWebhook({ url, headers: signed, body, allowedHosts: local });
    expect(result).toMatchObject({ ok: false, statusCode: null, refused: false });
    expect(result.error).toMatch(/ECONNREFUSED/);
  });

  it('reads only the first 1 KB of a huge response and hangs up on the rest', async () => {
    const HUGE_BYTES = 512 * 1024 * 1024;
    let written = 0;
    let closed = false;
    const r = await startReceiver((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.on('close', () => (closed = true));
      const chunk = Buffer.alloc(64 * 1024, 'é'); // two-byte characters: the 1 KB cut lands between bytes of a character
      const pump = () => {
        while (!closed && written < HUGE_BYTES) {
          written += chunk.length;
          if (!res.write(chunk)) return res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const heapBefore = process.memoryUsage().heapUsed;
    const result = await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: local });
    expect(result).toMatchObject({ ok: false, statusCode: 500 });
    expect(Buffer.byteLength(result.responseExcerpt!)).toBeLessThanOrEqual(WEBHOOK_RESPONSE_EXCERPT_BYTES);
    expect(result.responseExcerpt).toMatch(/^(é)+$/); // no half character, no replacement character
    await expect.poll(() => closed).toBe(true);
    expect(written).toBeLessThan(64 * 1024 * 1024); // the sender stopped reading long before 512 MB
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(64 * 1024 * 1024);
  });

  it('stores invalid UTF-8 and NUL bytes safely', async () => {
    const r = await startReceiver((_req, res) => res.writeHead(400).end(Buffer.from([0x6f, 0x6b, 0x00, 0xff, 0xfe, 0x21])));
    const result = await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: local });
    expect(result.responseExcerpt).toBe('ok\uFFFD\uFFFD!');
  });
});

describe('the SSRF guard on the wire (loopback receiver)', () => {
  it('refuses 127.0.0.1 when it is not allow-listed, and nothing reaches the receiver', async () => {
    const r = await startReceiver((_req, res) => res.writeHead(200).end());
    const result = await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: [] });
    expect(result).toMatchObject({ ok: false, statusCode: null, refused: true });
    expect(result.error).toBe('refused to connect to 127.0.0.1: a loopback address; add the host to WEBHOOK_ALLOWED_HOSTS to allow it');
    expect(r.connections).toBe(0);
    expect(r.requests).toHaveLength(0);
  });

  it('refuses localhost, a name that resolves to loopback, when it is not allow-listed', async () => {
    const r = await startReceiver((_req, res) => res.writeHead(200).end());
    const result = await sendWebhook({ url: `http://localhost:${r.port}/hooks`, headers: signed, body, allowedHosts: ['127.0.0.1'] });
    expect(result).toMatchObject({ ok: false, statusCode: null, refused: true });
    expect(result.error).toMatch(/^refused to connect to localhost \((127\.0\.0\.1|::1)\): a loopback address; add the host to WEBHOOK_ALLOWED_HOSTS/);
    expect(r.connections).toBe(0);
  });

  it('refuses a name the resolver points at a private address before any socket connects', async () => {
    const r = await startReceiver((_req, res) => res.writeHead(200).end());
    const resolve = ((_host: string, _o: unknown, cb: (e: null, a: { address: string; family: number }[]) => void) => cb(null, [{ address: '10.0.0.1', family: 4 }]));
    const result = await sendWebhook({ url: `http://crm.example.test:${r.port}/`, headers: signed, body, allowedHosts: ['127.0.0.1'], resolve, timeoutMs: 2000 });
    expect(result).toMatchObject({ refused: true, statusCode: null });
    expect(result.error).toMatch(/crm\.example\.test \(10\.0\.0\.1\): a private address/);
    expect(r.connections).toBe(0);
  });

  it('delivers to allow-listed loopback hosts, by address and by name', async () => {
    const r = await startReceiver((_req, res) => res.writeHead(204).end());
    expect(await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: ['127.0.0.1'] })).toMatchObject({ ok: true, statusCode: 204 });
    expect(await sendWebhook({ url: `http://LOCALHOST:${r.port}/hooks`, headers: signed, body, allowedHosts: ['localhost'] })).toMatchObject({ ok: true, statusCode: 204 });
    expect(r.requests).toHaveLength(2);
  });
});

describe('keep-alive connections (the worker\'s dispatcher)', () => {
  it('reuses one connection for consecutive attempts to a receiver', async () => {
    const agents = createWebhookAgents();
    try {
      const r = await startReceiver((_req, res) => res.writeHead(204).end());
      for (let i = 0; i < 5; i++) expect(await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: local, agents })).toMatchObject({ ok: true, statusCode: 204 });
      expect(r.requests).toHaveLength(5);
      expect(r.connections).toBe(1);
    } finally {
      agents.destroy();
    }
  });

  it('still refuses a loopback name or address that is not allow-listed, even with a pooled connection to it open', async () => {
    const agents = createWebhookAgents();
    try {
      const r = await startReceiver((_req, res) => res.writeHead(204).end());
      // A connection to 127.0.0.1 sits in the pool (allowed for that host name)…
      expect(await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: ['127.0.0.1'], agents })).toMatchObject({ ok: true });
      // …and is not reused for an attempt whose host the guard refuses.
      expect(await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: [], agents })).toMatchObject({ ok: false, refused: true, statusCode: null });
      expect(await sendWebhook({ url: `http://localhost:${r.port}/hooks`, headers: signed, body, allowedHosts: ['127.0.0.1'], agents })).toMatchObject({ ok: false, refused: true });
      expect(r.requests).toHaveLength(1);
    } finally {
      agents.destroy();
    }
  });

  it('sends again on a fresh connection when the receiver closed the pooled one while it was idle', async () => {
    const agents = createWebhookAgents();
    try {
      // Answers, then closes the connection without telling the client (no Connection: close).
      const r = await startReceiver((req, res) => {
        res.writeHead(204).end();
        res.on('finish', () => setImmediate(() => req.socket.destroy()));
      });
      expect(await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: local, agents })).toMatchObject({ ok: true });
      expect(await sendWebhook({ url: r.url, headers: signed, body, allowedHosts: local, agents })).toMatchObject({ ok: true, statusCode: 204 });
      expect(r.requests).toHaveLength(2);
    } finally {
      agents.destroy();
    }
  });
});

describe('Retry-After parsing', () => {
  const now = Date.parse('2026-11-29T10:00:00Z');
  it.each([
    ['0', 0],
    ['5', 5000],
    [' 3600 ', 3_600_000],
    ['Sun, 29 Nov 2026 10:01:00 GMT', 60_000],
    ['Sun, 29 Nov 2026 09:00:00 GMT', 0],
    [['7', '9'], 7000],
    [undefined, null],
    ['', null],
    ['-5', null],
    ['1.5', null],
    ['soon', null],
    ['12345678901234567890abc', null],
  ])('reads %j as %j ms', (value, expected) => {
    expect(parseRetryAfter(value as string | string[] | undefined, now)).toBe(expected);
  });
});
