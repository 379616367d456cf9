// The morning digest: written once per user and local day when the digest hour has come, sent with
// today's reminders and new hot leads, and not written for users who did not ask for it.
import type { EntityManager } from '@mikro-orm/postgresql';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMailer } from '#core/email/mailer.ts';
import { DIGEST_MAX_ITEMS } from '#core/email/templates/alert-emails.ts';
import { updateNotificationPreferences } from '#core/email/notification-preferences.ts';
import { createLogger } from '#core/logger.ts';
import { recordDigests } from '#core/notifications/record-digests.ts';
import { makeLead, makeLeads, makeRealtor, makeReminder, makeUser, type Realtor } from '#test/factories.ts';
import { useMailStack } from '#test/mail-stack.ts';
import type { HandlerContext } from '#worker/handler.ts';
import { HANDLERS } from '#worker/handlers/index.ts';
import { sendDigestsHandler } from '#worker/handlers/send-digest.handler.ts';
import { createLivePublisherForQueues } from '#core/live/live-events.ts';

let clock = new Date('2026-12-03T11:59:00Z'); // 06:59 in New York
let wantsDigest: Realtor;
let noDigest: Realtor;
const stack = useMailStack({}, { worker: { handlers: { sendNotification: HANDLERS.sendNotification }, now: () => clock } });

const context = (): HandlerContext => ({
  em: stack.server.orm.em.fork() as EntityManager, orm: stack.server.orm, config: stack.server.config, queues: stack.server.queues,
  log: createLogger({ level: 'silent', name: 'test' }), job: {} as never, now: () => clock,
  mailer: createMailer({ from: stack.server.config.MAIL_FROM, logger: createLogger({ level: 'silent', name: 'test' }) }),
  live: createLivePublisherForQueues(stack.server.queues, stack.server.config.QUEUE_PREFIX, createLogger({ level: 'silent', name: 'test' })),
});

const digestRows = () => stack.server.sql<{ user_id: string; dedupe_key: string }>(`select user_id, dedupe_key from notifications where kind = 'digest'`);

beforeAll(async () => {
  wantsDigest = await makeRealtor(stack.server, { verified: true });
  noDigest = await makeRealtor(stack.server, { verified: true });
  const em = stack.server.orm.em.fork() as EntityManager;
  await updateNotificationPreferences({ em, userId: wantsDigest.userId, patch: { alertDigest: true, digestHour: 7, timeZone: 'America/New_York' } });
  await updateNotificationPreferences({ em: stack.server.orm.em.fork() as EntityManager, userId: noDigest.userId, patch: { digestHour: 7 } });
  const { leadId } = await makeLead(stack.server, { userId: wantsDigest.userId, name: 'Priya Hot', scoreBand: 'hot', score: 81, createdAt: new Date('2026-12-03T02:00:00Z') });
  await makeReminder(stack.server, { leadId, userId: wantsDigest.userId, reminderDate: new Date('2026-12-03T15:30:00Z'), message: 'Call about the Oak St viewing' });
  await makeReminder(stack.server, { leadId, userId: wantsDigest.userId, reminderDate: new Date('2026-12-04T15:30:00Z'), message: 'Tomorrow, not today' });
});
describe('morning digest', () => {
  it('waits for the local digest hour, then is written once a day and sent with today’s items', async () => {
    expect(await sendDigestsHandler.run(context(), {})).toEqual({ digests: 0 });
    expect(await digestRows()).toEqual([]);

    clock = new Date('2026-12-03T12:05:00Z'); // 07:05 in New York
    expect(await sendDigestsHandler.run(context(), {})).toEqual({ digests: 1 });
    const mail = await stack.smtp.waitFor((m) => m.subject.startsWith('Your Porchlight morning'), { timeoutMs: 10_000 });
    expect(mail.envelope.to).toEqual([wantsDigest.email]);
    expect(mail.text).toContain('Call about the Oak St viewing');
    expect(mail.text).not.toContain('Tomorrow, not today');
    expect(mail.text).toContain('Priya Hot');
    expect(mail.header('list-unsubscribe')).toContain('alert=digest');

    clock = new Date('2026-12-03T12:20:00Z');
    expect(await sendDigestsHandler.run(context(), {})).toEqual({ digests: 0 });
    expect(await digestRows()).toEqual([{ user_id: wantsDigest.userId, dedupe_key: `digest-${wantsDigest.userId}-2026-12-03` }]);
    expect(stack.smtp.messages.filter((m) => m.subject.startsWith('Your Porchlight morning'))).toHaveLength(1);
  });

  it('the batch limit counts only users who are due and not yet served today: two runs of 2 serve 3 due users', async () => {
    const at = new Date('2026-12-10T10:00:00Z'); // 10:00 in Lisbon, 05:00 in New York
    const ids = (await Promise.all([1, 2, 3, 4, 5].map(() => makeUser(stack.server)))).map((u) => u.userId).sort();
    // The first two by id are the ones whose hour has not come: a limit over all digest users would take them first.
    const due = ids.slice(2);
    for (const userId of ids) {
      await updateNotificationPreferences({
        em: stack.server.orm.em.fork() as EntityManager, userId, patch: { alertDigest: true, digestHour: due.includes(userId) ? 9 : 11, timeZone: 'Europe/Lisbon' },
      });
    }
    const run = async () => (await stack.server.orm.em.fork().transactional((tem) => recordDigests({ em: tem as EntityManager, now: at, limit: 2 }))).length;
    const servedOn = async (date: string) => (await digestRows()).filter((r) => r.dedupe_key.endsWith(date)).map((r) => r.user_id).sort();

    expect(await run()).toBe(2);
    expect(await run()).toBe(1);
    expect(await run()).toBe(0);
    expect(await servedOn('2026-12-10')).toEqual(due);
  });

  it('with more than 20 reminders and hot leads, the subject and summary state the real totals', async () => {
    clock = new Date('2026-12-12T09:00:00Z'); // 09:00 in London
    const { userId } = await makeUser(stack.server, { emailVerifiedAt: new Date() });
    await updateNotificationPreferences({ em: stack.server.orm.em.fork() as EntityManager, userId, patch: { alertDigest: true, digestHour: 8, timeZone: 'Europe/London' } });
    const leadIds = await makeLeads(stack.server, Array.from({ length: DIGEST_MAX_ITEMS + 5 }, (_, i) => ({
      userId, name: `Busy ${i}`, scoreBand: 'hot' as const, score: 90, createdAt: new Date('2026-12-12T06:00:00Z'),
    })));
    for (let i = 0; i < 60; i++) {
      await makeReminder(stack.server, { leadId: leadIds[i % leadIds.length], userId, reminderDate: new Date(Date.UTC(2026, 11, 12, 10, i)), message: `Busy call ${i}` });
    }
    await sendDigestsHandler.run(context(), {});
    const mail = await stack.smtp.waitFor((m) => m.envelope.to.includes(`r${userId}@example.com`), { timeoutMs: 10_000, description: 'the busy digest' });
    expect(mail.subject).toContain('60 reminders today, 25 new hot leads');
    expect(mail.text).toContain('60 reminders today, 25 new hot leads.');
    expect(mail.text).toContain('and 40 more');
    expect(mail.text).toContain('and 5 more');
    expect(mail.text).toContain('Busy call 19');
    expect(mail.text).not.toContain('Busy call 20');
  });

  it('lists a reminder of an earlier day that is still open first, with its date, and counts it as overdue', async () => {
    clock = new Date('2026-12-15T09:00:00Z'); // 09:00 in London
    const { userId } = await makeUser(stack.server, { emailVerifiedAt: new Date() });
    await updateNotificationPreferences({ em: stack.server.orm.em.fork() as EntityManager, userId, patch: { alertDigest: true, digestHour: 8, timeZone: 'Europe/London' } });
    const { leadId } = await makeLead(stack.server, { userId, name: 'Mira Late' });
    await makeReminder(stack.server, { leadId, userId, reminderDate: new Date('2026-12-13T16:00:00Z'), message: 'Send the comps', status: 'due', firedAt: new Date('2026-12-13T16:00:00Z') });
    await makeReminder(stack.server, { leadId, userId, reminderDate: new Date('2026-12-15T14:00:00Z'), message: 'Call back at two' });
    await makeReminder(stack.server, { leadId, userId, reminderDate: new Date('2026-12-14T10:00:00Z'), message: 'Done yesterday', status: 'done', completedAt: new Date('2026-12-14T11:00:00Z') });
    await sendDigestsHandler.run(context(), {});
    const mail = await stack.smtp.waitFor((m) => m.envelope.to.includes(`r${userId}@example.com`), { timeoutMs: 10_000, description: 'the digest with an overdue reminder' });
    expect(mail.subject).toContain('2 reminders today (1 overdue), 0 new hot leads');
    expect(mail.text).toMatch(/- overdue since Sunday, December 13 · Mira Late — Send the comps\n[^\n]*\n- 2:00 PM · Mira Late — Call back at two/);
    expect(mail.text).not.toContain('Done yesterday');
  });
});

describe('a digest sent after local midnight', () => {
  const sendDigestOf = async (userId: string, at: Date) => {
    const [row] = await stack.server.sql<{ notification_id: string }>(`select notification_id from notifications where kind = 'digest' and user_id = $1`, [userId]);
    const mailer = createMailer({ smtpUrl: stack.smtp.url, from: stack.server.config.MAIL_FROM, logger: createLogger({ level: 'silent', name: 'test' }) });
    try {
      const result = await HANDLERS.sendNotification.run({ ...context(), mailer, now: () => at }, { notificationId: row.notification_id, dueAt: at.getTime() });
      return { notificationId: row.notification_id, result };
    } finally {
      await mailer.close();
    }
  };
  // Recorded by the digest run at 23:50 on Sunday in New York (digest hour 23); the wake-up is
  // dropped so the test sends it when it chooses.
  const recordSundayDigestFor = async () => {
    const { userId } = await makeUser(stack.server, { emailVerifiedAt: new Date() });
    await updateNotificationPreferences({ em: stack.server.orm.em.fork() as EntityManager, userId, patch: { alertDigest: true, digestHour: 23, timeZone: 'America/New_York' } });
    await stack.server.orm.em.fork().transactional((tem) => recordDigests({ em: tem as EntityManager, now: new Date('2026-11-30T04:50:00Z') }));
    return userId;
  };

  it('reports the day it was recorded for: its date, and that day’s reminders, none of the next day’s', async () => {
    const userId = await recordSundayDigestFor();
    const { leadId } = await makeLead(stack.server, { userId, name: 'Nora Night' });
    await makeReminder(stack.server, { leadId, userId, reminderDate: new Date('2026-11-30T02:00:00Z'), message: 'Sunday evening call', status: 'due', firedAt: new Date('2026-11-30T02:00:00Z') });
    await makeReminder(stack.server, { leadId, userId, reminderDate: new Date('2026-11-30T15:00:00Z'), message: 'Monday morning call' });

    const { result } = await sendDigestOf(userId, new Date('2026-11-30T05:10:00Z')); // 00:10 on Monday in New York
    expect(result).toEqual({ status: 'sent' });
    const mail = await stack.smtp.waitFor((m) => m.envelope.to.includes(`r${userId}@example.com`), { timeoutMs: 10_000, description: 'the late digest' });
    expect(mail.subject).toBe('Your Porchlight morning, Sunday, November 29: 1 reminder today, 0 new hot leads');
    expect(mail.text).toContain('- 9:00 PM · Nora Night — Sunday evening call');
    expect(mail.text).not.toContain('Monday morning call');
    expect(mail.text).not.toContain('overdue');
  });

  it('is cancelled, not sent, once the day after its own is over too', async () => {
    const userId = await recordSundayDigestFor();
    const { leadId } = await makeLead(stack.server, { userId, name: 'Olga Overdue' });
    await makeReminder(stack.server, { leadId, userId, reminderDate: new Date('2026-11-30T02:00:00Z'), message: 'Still open' });

    const { notificationId, result } = await sendDigestOf(userId, new Date('2026-12-01T05:10:00Z')); // 00:10 on Tuesday
    expect(result).toEqual({ cancelled: 'digest more than a day late' });
    const [row] = await stack.server.sql<{ status: string; last_error: string; sent_at: Date | null }>('select status, last_error, sent_at from notifications where notification_id = $1', [notificationId]);
    expect(row).toEqual({ status: 'cancelled', last_error: 'digest more than a day late', sent_at: null });
    expect(stack.smtp.messages.filter((m) => m.envelope.to.includes(`r${userId}@example.com`))).toEqual([]);
  });
});

describe('a digest for an address not confirmed yet', () => {
  it('is cancelled as address_unconfirmed, never sent: it would carry lead text to whoever owns the address', async () => {
    clock = new Date('2026-12-21T09:00:00Z'); // 09:00 in London
    const { userId } = await makeUser(stack.server);
    await updateNotificationPreferences({ em: stack.server.orm.em.fork() as EntityManager, userId, patch: { alertDigest: true, digestHour: 8, timeZone: 'Europe/London' } });
    const { leadId } = await makeLead(stack.server, { userId, name: 'Ursula Unconfirmed', scoreBand: 'hot', score: 90, createdAt: new Date('2026-12-21T06:00:00Z') });
    await makeReminder(stack.server, { leadId, userId, reminderDate: new Date('2026-12-21T14:00:00Z'), message: 'Text a stranger wrote' });
    await sendDigestsHandler.run(context(), {});
    const rowOf = async () => (await stack.server.sql<{ status: string; last_error: string | null; sent_at: Date | null }>(
      `select status, last_error, sent_at from notifications where kind = 'digest' and user_id = $1`, [userId],
    ))[0];
    await expect.poll(rowOf, { timeout: 10_000 }).toEqual({ status: 'cancelled', last_error: 'address_unconfirmed', sent_at: null });
    expect(stack.smtp.messages.filter((m) => m.envelope.to.includes(`r${userId}@example.com`))).toEqual([]);
  });
});
