// Migration20261130041000: reasons of endpoints disabled before the reason stopped embedding raw
// ISO times are rewritten to today's wording; any other reason is left as it is.
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { makeUser, makeWebhookEndpoint } from '#test/factories.ts';
import { Migration20261130041000 } from '../../migrations/Migration20261130041000.ts';

const t = useTestOrm();

it('rewrites the old reasons with an ISO time to the wording written now, and leaves others alone', async () => {
  const { userId } = await makeUser(t);
  const reasons = {
    gone: ['The receiver answered 410 Gone on 2026-11-30T00:11:26.242Z, asking not to be called again.', 'The receiver answered 410 Gone, asking not to be called again.'],
    failing: [
      'Every delivery has failed since 2026-11-24T18:02:11.003Z (5 days or more); the last answer was: receiver answered 500 (since 2026-11-20).',
      'Every delivery failed for 5 days or more; the last answer was: receiver answered 500 (since 2026-11-20).',
    ],
    byRealtor: ['Disabled by you on 2026-11-30T00:11:26.242Z.', 'Disabled by you.'],
    byRealtorNow: ['Disabled by you.', 'Disabled by you.'],
    byRealtorNoTime: ['Disabled by you on purpose: moving CRMs.', 'Disabled by you on purpose: moving CRMs.'],
    current: ['Every delivery failed for 5 days or more; the last answer was: timed out after 10 s.', 'Every delivery failed for 5 days or more; the last answer was: timed out after 10 s.'],
    handWritten: ['Paused by hand on 2026-11-29T10:00:00Z', 'Paused by hand on 2026-11-29T10:00:00Z'],
  };
  const ids = new Map<string, string>();
  for (const [name, [before]] of Object.entries(reasons)) {
    ids.set(name, (await makeWebhookEndpoint(t, { userId, url: `https://crm.example.com/${name}`, enabled: false, disabledReason: before })).endpointId);
  }
  const migration = new Migration20261130041000(t.orm.em.getDriver(), t.orm.config);
  await migration.up();
  for (const q of migration.getQueries()) await t.pool.query(String(q));
  const { rows } = await sql<{ endpoint_id: string; disabled_reason: string }>`select endpoint_id, disabled_reason from webhook_endpoints where user_id = ${userId}`.execute(t.orm.em.fork().getKysely());
  const after = new Map(rows.map((r) => [r.endpoint_id, r.disabled_reason]));
  for (const [name, [, expected]] of Object.entries(reasons)) expect(after.get(ids.get(name)!), name).toBe(expected);
});
