// The example receiver against Porchlight's own signer and sender, on 127.0.0.1.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendWebhook } from '../../core/webhooks/send-webhook.ts';
import { createWebhookHeaders, createWebhookSecret } from '../../core/webhooks/sign-webhook.ts';
import { createCrmReceiver, type WebhookEvent } from './receiver.ts';

const secret = createWebhookSecret();
const processed: WebhookEvent[] = [];
let failNext = false;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createCrmReceiver({
    secret,
    onEvent: (event) => {
      if (failNext) {
        failNext = false;
        throw new Error('CRM database unavailable');
      }
      processed.push(event);
    },
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/porchlight`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});
beforeEach(() => {
  processed.length = 0;
});

let counter = 0;
function message(type = 'lead.hot') {
  counter++;
  return {
    id: `msg_example${counter}`,
    body: JSON.stringify({ type, version: 1, timestamp: new Date().toISOString(), data: { leadId: `lead-${counter}`, score: 72, previousBand: 'warm' } }),
  };
}

function post(body: string, headers: Record<string, string>) {
  return sendWebhook({ url, headers, body, allowedHosts: ['127.0.0.1'], timeoutMs: 5000 });
}

describe('the example CRM receiver', () => {
  it('accepts a correctly signed webhook and processes it once', async () => {
    const { id, body } = message();
    const result = await post(body, { ...createWebhookHeaders({ id, timestamp: new Date(), body, secrets: [secret] }) });
    expect(result).toMatchObject({ ok: true, statusCode: 204 });
    expect(processed).toEqual([{ id, type: 'lead.hot', timestamp: JSON.parse(body).timestamp, data: JSON.parse(body).data }]);
  });

  it('answers 2xx to a retry of the same webhook-id without processing it again', async () => {
    const { id, body } = message();
    const first = await post(body, { ...createWebhookHeaders({ id, timestamp: new Date(), body, secrets: [secret] }) });
    // A retry is signed afresh (new timestamp) but keeps the id.
    const retry = await post(body, { ...createWebhookHeaders({ id, timestamp: new Date(Date.now() + 1000), body, secrets: [secret] }) });
    expect(first.statusCode).toBe(204);
    expect(retry).toMatchObject({ ok: true, statusCode: 200, responseExcerpt: '{"duplicate":true}' });
    expect(processed).toHaveLength(1);
  });

  it('rejects a bad signature with 401 and processes nothing', async () => {
    const { id, body } = message();
    const wrong = createWebhookHeaders({ id, timestamp: new Date(), body, secrets: [createWebhookSecret()] });
    expect(await post(body, { ...wrong })).toMatchObject({ ok: false, statusCode: 401, responseExcerpt: '{"error":"No matching signature found"}' });
    const tampered = createWebhookHeaders({ id, timestamp: new Date(), body, secrets: [secret] });
    expect(await post(body.replace('72', '99'), { ...tampered })).toMatchObject({ statusCode: 401 });
    expect(await post(body, {})).toMatchObject({ statusCode: 401, responseExcerpt: '{"error":"Missing required headers"}' });
    expect(processed).toHaveLength(0);
  });

  it('rejects a stale timestamp with 401, even when correctly signed', async () => {
    const { id, body } = message();
    const tenMinutesAgo = new Date(Date.now() - 10 * 60 * 1000);
    const result = await post(body, { ...createWebhookHeaders({ id, timestamp: tenMinutesAgo, body, secrets: [secret] }) });
    expect(result).toMatchObject({ statusCode: 401, responseExcerpt: '{"error":"Message timestamp too old"}' });
    expect(processed).toHaveLength(0);
  });

  it('keeps verifying during a secret rotation (Porchlight signs with both)', async () => {
    const { id, body } = message();
    const result = await post(body, { ...createWebhookHeaders({ id, timestamp: new Date(), body, secrets: [createWebhookSecret(), secret] }) });
    expect(result.statusCode).toBe(204);
    expect(processed).toHaveLength(1);
  });

  it('answers an oversized body with 413 (the client reads the answer, not a reset) and processes nothing', async () => {
    const { id } = message();
    const body = JSON.stringify({ type: 'lead.hot', timestamp: new Date().toISOString(), data: { note: 'x'.repeat(300 * 1024) } });
    const result = await post(body, { ...createWebhookHeaders({ id, timestamp: new Date(), body, secrets: [secret] }) });
    expect(result).toMatchObject({ ok: false, statusCode: 413, responseExcerpt: '{"error":"body too large"}', error: 'receiver answered 413' });
    expect(processed).toHaveLength(0);
  });

  it('answers 500 when processing fails, so the retry is processed', async () => {
    const { id, body } = message();
    failNext = true;
    expect(await post(body, { ...createWebhookHeaders({ id, timestamp: new Date(), body, secrets: [secret] }) })).toMatchObject({ statusCode: 500 });
    expect(await post(body, { ...createWebhookHeaders({ id, timestamp: new Date(), body, secrets: [secret] }) })).toMatchObject({ statusCode: 204 });
    expect(processed.map((e) => e.id)).toEqual([id]);
  });
});
