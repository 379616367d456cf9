// Live updates when Redis goes away (a throwaway redis-server, stopped mid-test): a change that
// would publish still succeeds (publishing is best-effort), a new stream answers 503 instead of
// hanging, and once Redis is back streams open and events flow again.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { WAIT } from '#test/env.ts';
import { makeLead, makeRealtor, type Realtor } from '#test/factories.ts';
import { openLiveStream } from '#test/live-client.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '#test/redis-server.ts';

let redis: ThrowawayRedis;
let server: TestServer;
let realtor: Realtor;

beforeAll(async () => {
  redis = await startThrowawayRedis();
  server = await startTestServer({ REDIS_URL: redis.url });
  realtor = await makeRealtor(server);
});

afterAll(async () => {
  await server?.close();
  await redis?.stop();
});

describe('live updates during a Redis outage', () => {
  it('writes still succeed, new streams answer 503, and it all works again when Redis is back', { timeout: 60_000 }, async () => {
    const stages = (await realtor.client.get('/v1/pipeline-stages')).body.items;
    const { leadId } = await makeLead(server, { userId: realtor.userId, name: 'Outage Lead' });
    await redis.stop();

    const moved = await realtor.client.put(`/v1/leads/${leadId}/stage`, { stageId: stages[1].stageId });
    expect(moved.status).toBe(200);
    expect(moved.body.stage.key).toBe('attempted_contact');
    const created = await realtor.client.post('/v1/leads', { name: 'Made during the outage' });
    expect(created.status).toBe(201);
    const refused = await openLiveStream(server.url, { cookie: realtor.client.cookie });
    expect(refused.status).toBe(503);

    await redis.start();
    const stream = await vi.waitFor(async () => {
      const s = await openLiveStream(server.url, { cookie: realtor.client.cookie });
      if (s.status !== 200) throw new Error(`status ${s.status}`);
      return s;
    }, { ...WAIT, timeout: 20_000 });
    try {
      await stream.waitForEvent((e) => e.event === 'ready');
      expect((await realtor.client.put(`/v1/leads/${leadId}/stage`, { stageId: stages[2].stageId })).status).toBe(200);
      const event = await stream.waitForEvent((e) => e.event === 'lead.updated' && e.data.leadId === leadId);
      expect(event.data.stage.key).toBe('nurturing');
    } finally {
      stream.close();
    }
  });
});
