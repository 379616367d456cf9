// Migration20261130091500: emails recorded `sent` although no mail server took them (their only
// attempt went through the log transport, SMTP_URL unset) become `not_sent`; real deliveries stay.
import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { makeUser } from '#test/factories.ts';
import { Migration20261130091500 } from '../../migrations/Migration20261130091500.ts';

const t = useTestOrm();

it('marks emails that only went to the log as not sent, and leaves real deliveries and other rows alone', async () => {
  const { userId } = await makeUser(t);
  const rows = { logged: 'log', delivered: 'smtp' } as const;
  const ids = new Map<string, string>();
  for (const [name, transport] of Object.entries(rows)) {
    const id = randomUUID();
    ids.set(name, id);
    await t.pool.query(
      `insert into notifications (notification_id, user_id, kind, dedupe_key, data, status, send_at, attempt_count, sent_at)
       values ($1, $2, 'password_reset', $3, '{"token":"abc"}', 'sent', now(), 1, now())`, [id, userId, `password_reset-${id}`],
    );
    await t.pool.query(
      `insert into notification_attempts (attempt_id, notification_id, attempted_at, ok, duration_ms, transport) values ($1, $2, now(), true, 3, $3)`,
      [randomUUID(), id, transport],
    );
  }
  const pending = randomUUID();
  await t.pool.query(`insert into notifications (notification_id, user_id, kind, dedupe_key, status, send_at) values ($1, $2, 'lead_hot', $3, 'pending', now())`, [pending, userId, `lead_hot-${pending}`]);

  const migration = new Migration20261130091500(t.orm.em.getDriver(), t.orm.config);
  await migration.up();
  for (const q of migration.getQueries()) await t.pool.query(String(q));

  const after = async (id: string) => (await t.pool.query(
    `select n.status, n.last_error, n.sent_at is not null as has_sent_at, n.data, a.ok, a.error
       from notifications n left join notification_attempts a using (notification_id) where n.notification_id = $1`, [id],
  )).rows[0];
  expect(await after(ids.get('logged')!)).toEqual({ status: 'not_sent', last_error: 'smtp_not_configured', has_sent_at: false, data: null, ok: false, error: 'smtp_not_configured: SMTP_URL is not set' });
  expect(await after(ids.get('delivered')!)).toEqual({ status: 'sent', last_error: null, has_sent_at: true, data: { token: 'abc' }, ok: true, error: null });
  expect(await after(pending)).toMatchObject({ status: 'pending', ok: null });
});
