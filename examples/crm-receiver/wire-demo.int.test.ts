// `EXAMPLE_CRM_RECEIVER=1 npm run example`: the demo account gets an endpoint at the example
// receiver, and an inquiry sent with the demo site's key arrives there verified — the path a CRM
// developer follows. Also: the wiring is idempotent and refuses clearly without the allow-list.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { closeAll } from '#test/cleanup.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';
import { seedDemoAccount } from '../listing-site/serve.ts';
import { seedDemoWebhookEndpoint, startDemoCrmReceiver } from './wire-demo.ts';

let server: TestServer;
let worker: TestWorker;

beforeAll(async () => {
  server = await startTestServer();
  worker = await startTestWorker(server);
});
afterAll(() => closeAll(worker, server));

describe('example wiring', () => {
  it('subscribes the demo account to the receiver; the demo form’s inquiry arrives verified', async () => {
    const origin = 'http://127.0.0.1:4000';
    const { siteKey, userId } = await seedDemoAccount(server.orm, [origin]);
    const lines: string[] = [];
    const crm = await startDemoCrmReceiver({ orm: server.orm, config: server.config, userId, port: 0, log: (l) => lines.push(l) });
    try {
      const res = await sendIngest(`${server.url}/v1/inquiries`, {
        site: siteKey, id: randomUUID(), name: 'Dana Whitaker', email: 'dana@example.com', message: 'Is it still available?', consent: true, hp: '',
      }, { defaultOrigin: origin, nextIp: ipSource(9) });
      expect(res.status).toBe(202);
      await vi.waitFor(() => {
        expect(lines.some((l) => l.startsWith('[crm-receiver] verified inquiry.created msg_'))).toBe(true);
        expect(lines.some((l) => l.startsWith('[crm-receiver] verified lead.created msg_'))).toBe(true);
      }, { timeout: 15_000, interval: 50 });
      // Idempotent: a second run reuses the endpoint and its secret.
      const again = await seedDemoWebhookEndpoint(server.orm, server.config, userId, `http://127.0.0.1:${new URL(crm.url).port}/`);
      expect(again.endpointId).toBe(crm.endpointId);
    } finally {
      await crm.close();
    }
  });

  it('refuses with a clear message when the API would not send to 127.0.0.1', async () => {
    const { userId } = await seedDemoAccount(server.orm, []);
    await expect(seedDemoWebhookEndpoint(server.orm, { ...server.config, WEBHOOK_ALLOWED_HOSTS: [] }, userId, 'http://127.0.0.1:4010/')).rejects.toThrow(/WEBHOOK_ALLOWED_HOSTS must include 127\.0\.0\.1/);
  });
});
