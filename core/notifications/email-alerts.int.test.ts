// Email alerts end to end: an inquiry through the widget's route reaches a real SMTP server
// through the outbox row and the send worker; failures are retried or failed as the SMTP reply
// says, each attempt logged; quiet hours hold an alert; a lost job is found by the sweeper.
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMailer, SMTP_MAX_CONNECTIONS, SMTP_SEND_DEADLINE_MS } from '#core/email/mailer.ts';
import { updateNotificationPreferences } from '#core/email/notification-preferences.ts';
import { createLogger } from '#core/logger.ts';
import { findDueNotifications, NOTIFICATION_LEASE_MS } from '#core/notifications/claim-notification.ts';
import { recordEmailAlerts } from '#core/notifications/record-email-alerts.ts';
import { fireReminder } from '#core/reminders/fire-reminder.ts';
import { snoozeReminder, updateReminder } from '#core/reminders/reminders.ts';
import { tenantOfUser } from '#core/accounts/tenant.ts';
import { deletePrefixedKeys, startTestServer, type TestServer } from '#test/app.ts';
import { makeInquiry, makeLead, makeRealtor, makeReminder, makeSite, type Realtor } from '#test/factories.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { startSlowSmtpServer } from '#test/slow-smtp.ts';
import { startTestSmtpServer, type TestSmtpServer } from '#test/smtp.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';
import { HANDLERS, QUEUE_CONCURRENCY } from '#worker/handlers/index.ts';
import { sendNotificationHandler } from '#worker/handlers/send-notification.handler.ts';
import { sweepHandler } from '#worker/handlers/sweep.handler.ts';
import type { HandlerContext } from '#worker/handler.ts';
import { createLivePublisherForQueues } from '#core/live/live-events.ts';

const ORIGIN = 'https://homes.example';
const freshIp = ipSource(7);

let smtp: TestSmtpServer;
let server: TestServer;
let worker: TestWorker | undefined;
let realtor: Realtor;
let siteKey: string;

let phoneCounter = 1000;
function submit(overrides: Record<string, unknown> = {}) {
  const n = randomUUID().slice(0, 8);
  const phone = `+1 555 010 ${phoneCounter++}`;
  return sendIngest(`${server.url}/v1/inquiries`, {
    site: siteKey, id: randomUUID(), visitor: `v_${n}`, name: `Buyer ${n}`, email: `buyer-${n}@example.com`, phone,
    message: 'Is 12 Oak St still available?', listing: 'oak-12', url: `${ORIGIN}/listings/oak-12`, consent: true, hp: '', ...overrides,
  }, { defaultOrigin: ORIGIN, nextIp: freshIp });
}

async function notificationOf(leadId: string) {
  const [row] = await server.sql<{ notification_id: string; status: string; attempt_count: number; last_error: string | null; sent_at: Date | null; send_at: Date }>(
    `select notification_id, status, attempt_count, last_error, sent_at, send_at from notifications where lead_id = $1 and kind = 'new_inquiry'`, [leadId],
  );
  return row;
}

async function attemptsOf(notificationId: string) {
  return server.sql<{ ok: boolean; response_code: number | null; error: string | null; duration_ms: number }>(
    'select ok, response_code, error, duration_ms from notification_attempts where notification_id = $1 order by attempted_at', [notificationId],
  );
}

async function leadIdOf(name: string): Promise<string> {
  const [row] = await server.sql<{ lead_id: string }>('select lead_id from leads where name = $1', [name]);
  return row.lead_id;
}

const forLead = (name: string) => (m: { subject: string }) => m.subject.includes(name);

beforeAll(async () => {
  smtp = await startTestSmtpServer();
  server = await startTestServer({ SMTP_URL: smtp.url, TRUST_PROXY: 'true', EMAIL_RETRY_SCHEDULE: '0,1,1' });
  realtor = await makeRealtor(server, { verified: true });
  siteKey = (await makeSite(realtor, { allowedOrigins: [ORIGIN] })).publicKey;
  worker = await startTestWorker(server);
});
afterAll(async () => {
  await worker?.close();
  await server.close();
  await smtp.close();
});

describe('new-inquiry alert', () => {
  it('reaches the realtor, with the lead-supplied text escaped and one-tap links', async () => {
    const name = `<img src=x onerror=alert(1)> Eve ${randomUUID().slice(0, 6)}`;
    const message = '</a><script>alert("pwn")</script>\nSaturday works & "thanks"';
    const res = await submit({ name, message, phone: '+1 555 010 0199' });
    expect(res.status).toBe(202);
    const mail = await smtp.waitFor(forLead(name.slice(-10)), { timeoutMs: 10_000, description: 'the new-inquiry alert' });
    const leadId = await leadIdOf(name);

    expect(mail.envelope.to).toEqual([realtor.email]);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).not.toContain('<img src=x');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.text).toContain('alert("pwn")');
    expect(mail.html).toContain(`${server.config.PUBLIC_URL}/app/leads/${leadId}`);
    expect(mail.html).toContain('href="tel:+15550100199"');
    expect(mail.html).toMatch(/href="mailto:buyer-[^"]+@example.com/);
    expect(mail.header('list-unsubscribe')).toMatch(new RegExp(`^<${server.config.PUBLIC_URL}/v1/unsubscribe/[^>]+\\?alert=new_inquiry>$`));
    expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');

    await expect.poll(async () => (await notificationOf(leadId)).status).toBe('sent');
    const row = await notificationOf(leadId);
    expect(row.attempt_count).toBe(1);
    expect(await attemptsOf(row.notification_id)).toEqual([expect.objectContaining({ ok: true, response_code: null, error: null })]);
  });

  // How fast an alert arrives is measured by the bench (email p50), not asserted here: this checks
  // that a burst of inquiries gets one alert each, to the right person, sent on the first attempt.
  it('a burst of inquiries sends one alert each, to the realtor, naming its lead, sent on the first attempt', async () => {
    const names = Array.from({ length: 5 }, () => `Burst ${randomUUID().slice(0, 8)}`);
    const responses = await Promise.all(names.map((name) => submit({ name, message: `Viewing for ${name}?` })));
    expect(responses.map((r) => r.status)).toEqual(names.map(() => 202));
    for (const name of names) {
      const mail = await smtp.waitFor(forLead(name), { timeoutMs: 10_000, description: `the alert for ${name}` });
      const leadId = await leadIdOf(name);
      expect(mail.envelope.to).toEqual([realtor.email]);
      expect(mail.text).toContain(`Viewing for ${name}?`);
      expect(mail.html).toContain(`${server.config.PUBLIC_URL}/app/leads/${leadId}`);
      // Sent is recorded just after the SMTP server has the mail: awaited.
      await expect.poll(async () => (await notificationOf(leadId)).status).toBe('sent');
      const rows = await server.sql<{ notification_id: string; attempt_count: number }>(`select notification_id, attempt_count from notifications where lead_id = $1 and kind = 'new_inquiry'`, [leadId]);
      expect(rows).toEqual([{ notification_id: expect.any(String), attempt_count: 1 }]);
      expect(await attemptsOf(rows[0].notification_id)).toEqual([expect.objectContaining({ ok: true, error: null })]);
    }
    // Every row is sent after one attempt, so no second send can still be on its way.
    for (const name of names) expect(smtp.messages.filter(forLead(name)), name).toHaveLength(1);
  });

  it('is retried after a 4xx reply, with each attempt logged', async () => {
    smtp.rejectNext(1, { code: 451, message: 'Greylisted, try again later' });
    const name = `Grey ${randomUUID().slice(0, 8)}`;
    expect((await submit({ name })).status).toBe(202);
    await smtp.waitFor(forLead(name), { timeoutMs: 10_000 });
    const leadId = await leadIdOf(name);
    await expect.poll(async () => (await notificationOf(leadId)).status).toBe('sent');
    const row = await notificationOf(leadId);
    expect(row.attempt_count).toBe(2);
    const attempts = await attemptsOf(row.notification_id);
    expect(attempts.map((a) => [a.ok, a.response_code])).toEqual([[false, 451], [true, null]]);
    expect(attempts[0].error).toContain('Greylisted');
  });

  it('fails for good after a 5xx reply, logged, without retrying', async () => {
    smtp.rejectNext(1, { code: 550, message: 'No such mailbox' });
    const before = smtp.messages.length;
    const name = `Bounce ${randomUUID().slice(0, 8)}`;
    expect((await submit({ name })).status).toBe(202);
    const leadId = await leadIdOf(name);
    await expect.poll(async () => (await notificationOf(leadId))?.status, { timeout: 10_000 }).toBe('failed');
    const row = await notificationOf(leadId);
    expect(row.attempt_count).toBe(1);
    expect(row.last_error).toContain('No such mailbox');
    expect((await attemptsOf(row.notification_id)).map((a) => [a.ok, a.response_code])).toEqual([[false, 550]]);
    expect(smtp.messages.slice(before).some(forLead(name))).toBe(false);
  });
});

describe('an account whose address is not confirmed', () => {
  // Without SIGNUP_VERIFY_FIRST anyone can sign up with someone else's address and post
  // inquiries to their own site: the alert would relay that text to the address's owner.
  it('gets no alert, cancelled as address_unconfirmed and never sent; once confirmed, the next alert arrives', async () => {
    const stranger = await makeRealtor(server);
    const site = (await makeSite(stranger, { allowedOrigins: [ORIGIN] })).publicKey;
    const spam = `Spam ${randomUUID().slice(0, 8)}`;
    expect((await submit({ site, name: spam, message: 'Cheap pills at spam.example' })).status).toBe(202);
    const spamLeadId = await leadIdOf(spam);
    await expect.poll(async () => (await notificationOf(spamLeadId))?.status, { timeout: 10_000 }).toBe('cancelled');
    const row = await notificationOf(spamLeadId);
    expect(row.last_error).toBe('address_unconfirmed');
    expect(row.sent_at).toBeNull();
    expect(await attemptsOf(row.notification_id)).toEqual([]);
    expect(smtp.messages.some(forLead(spam))).toBe(false);

    await server.sql('update users set email_verified_at = now() where user_id = $1', [stranger.userId]);
    const name = `Confirmed ${randomUUID().slice(0, 8)}`;
    expect((await submit({ site, name })).status).toBe(202);
    const mail = await smtp.waitFor(forLead(name), { timeoutMs: 10_000, description: 'the alert once the address is confirmed' });
    expect(mail.envelope.to).toEqual([stranger.email]);
    await expect.poll(async () => (await notificationOf(await leadIdOf(name))).status).toBe('sent');
    // The skipped alert stays skipped: confirming does not send it after all.
    expect((await notificationOf(spamLeadId)).status).toBe('cancelled');
    expect(smtp.messages.some(forLead(spam))).toBe(false);
  });
});

describe('outbox recovery and quiet hours', () => {
  const fakeContext = (now: () => Date): HandlerContext => ({
    em: server.orm.em.fork() as EntityManager, orm: server.orm, config: server.config, queues: server.queues,
    log: createLogger({ level: 'silent', name: 'test' }), job: {} as never, now,
    mailer: createMailer({ from: server.config.MAIL_FROM, logger: createLogger({ level: 'silent', name: 'test' }) }),
    live: createLivePublisherForQueues(server.queues, server.config.QUEUE_PREFIX, createLogger({ level: 'silent', name: 'test' })),
  });

  it('with Redis flushed while an alert is pending, the sweeper sends it exactly once', async () => {
    await worker?.close();
    worker = undefined;
    const name = `Flushed ${randomUUID().slice(0, 8)}`;
    expect((await submit({ name })).status).toBe(202);
    const leadId = await leadIdOf(name);
    await deletePrefixedKeys(server.redis, server.config.QUEUE_PREFIX);
    worker = await startTestWorker(server);
    const result = await sweepHandler.run(fakeContext(() => new Date()), {});
    expect(result).toMatchObject({ notifications: 1 });
    await smtp.waitFor(forLead(name), { timeoutMs: 10_000 });
    await expect.poll(async () => (await notificationOf(leadId)).status).toBe('sent');
    await sweepHandler.run(fakeContext(() => new Date()), {});
    const row = await notificationOf(leadId);
    expect(row.attempt_count).toBe(1);
    expect(await attemptsOf(row.notification_id)).toHaveLength(1);
    expect(smtp.messages.filter(forLead(name))).toHaveLength(1);
  });

  it('holds an alert during quiet hours and sends it when they end', async () => {
    await worker?.close();
    let clock = new Date('2026-12-02T03:00:00Z'); // 22:00 in New York
    worker = await startTestWorker(server, { handlers: { sendNotification: HANDLERS.sendNotification }, now: () => clock });
    const em = server.orm.em.fork() as EntityManager;
    await updateNotificationPreferences({ em, userId: realtor.userId, patch: { quietHoursEnabled: true, quietStart: '21:00', quietEnd: '07:00', timeZone: 'America/New_York' } });
    const name = `Night ${randomUUID().slice(0, 8)}`;
    const { leadId } = await makeLead(server, { userId: realtor.userId, name });
    const { inquiryId } = await makeInquiry(server, { leadId, message: 'Late question' });
    // The wake-up is dropped here on purpose: the sweeper alone must find the row when it is due.
    await em.transactional((tem) => recordEmailAlerts({ em: tem, userId: realtor.userId, leadId, type: 'inquiry.created', data: { inquiryId, leadId }, now: clock, config: server.config }));
    expect((await notificationOf(leadId)).send_at).toEqual(new Date('2026-12-02T12:00:00Z'));

    clock = new Date('2026-12-02T11:59:00Z'); // 06:59: still quiet
    await sweepHandler.run(fakeContext(() => clock), {});
    expect((await notificationOf(leadId)).status).toBe('pending');

    clock = new Date('2026-12-02T12:00:00Z'); // 07:00: quiet hours are over
    expect(await sweepHandler.run(fakeContext(() => clock), {})).toMatchObject({ notifications: expect.any(Number) });
    await smtp.waitFor(forLead(name), { timeoutMs: 10_000 });
    await expect.poll(async () => (await notificationOf(leadId)).status).toBe('sent');
    expect(await notificationOf(leadId)).toMatchObject({ status: 'sent', sent_at: new Date('2026-12-02T12:00:00Z') });
    await updateNotificationPreferences({ em: server.orm.em.fork() as EntityManager, userId: realtor.userId, patch: { quietHoursEnabled: false } });
  });

  it('a reminder alert held by quiet hours goes at 07:00 only if the reminder is still due at the time that fired it', async () => {
    await worker?.close();
    let clock = new Date('2026-12-03T03:55:00Z'); // 22:55 in New York
    worker = await startTestWorker(server, { handlers: { sendNotification: HANDLERS.sendNotification }, now: () => clock });
    await updateNotificationPreferences({ em: server.orm.em.fork() as EntityManager, userId: realtor.userId, patch: { quietHoursEnabled: true, quietStart: '21:00', quietEnd: '07:00', timeZone: 'America/New_York' } });
    const tag = randomUUID().slice(0, 6);
    const reminderFor = async (name: string) => {
      const { leadId } = await makeLead(server, { userId: realtor.userId, name });
      return (await makeReminder(server, { leadId, userId: realtor.userId, reminderDate: clock, message: `Call back ${tag}` })).reminderId;
    };
    // Each fire's wake-up is dropped: the sweeper finds the rows when quiet hours end.
    const fire = async (reminderId: string) => (await fireReminder({ em: server.orm.em.fork() as EntityManager, reminderId, now: clock, config: server.config })).outcome;
    const change = { em: server.orm.em.fork() as EntityManager, queues: server.queues, log: createLogger({ level: 'silent', name: 'test' }), tenant: tenantOfUser(realtor.userId) };
    const alertsOf = (reminderId: string) =>
      server.sql<{ status: string; last_error: string | null }>(`select status, last_error from notifications where kind = 'reminder_due' and reminder_id = $1 order by created_at`, [reminderId]);

    const stillDue = await reminderFor(`Still due ${tag}`);
    const snoozed = await reminderFor(`Snoozed ${tag}`);
    const dueAgain = await reminderFor(`Due again ${tag}`);
    const legacy = await reminderFor(`Legacy ${tag}`);
    const moved = await reminderFor(`Moved back ${tag}`);
    const movedLegacy = await reminderFor(`Moved, dated row ${tag}`);
    const backAgain = await reminderFor(`Back again ${tag}`);
    for (const id of [stillDue, snoozed, dueAgain, legacy, moved, movedLegacy, backAgain]) expect(await fire(id)).toBe('fired');
    // A row recorded before alerts kept the date that fired them: the reminder's status alone decides.
    await server.sql(`update notifications set data = null where reminder_id = $1`, [legacy]);
    // A row recorded before alerts kept the moment that fired them (`firedAt`): the due date decides.
    await server.sql(`update notifications set data = data - 'firedAt' where reminder_id = $1`, [movedLegacy]);

    clock = new Date('2026-12-03T04:05:00Z'); // 23:05: two of them are snoozed, one until tomorrow 9:00, one for five minutes
    await snoozeReminder({ ...change, reminderId: snoozed, input: { for: 'tomorrow' }, now: clock });
    await snoozeReminder({ ...change, reminderId: dueAgain, input: { until: '2026-12-03T04:10:00Z' }, now: clock });
    // Two are moved back to 22:30, already past: they stay due from the same firing and fire no more.
    for (const id of [moved, movedLegacy]) await updateReminder({ ...change, reminderId: id, input: { reminderDate: '2026-12-03T03:30:00Z' }, now: clock });
    // One snoozed, then moved back to the very time that fired it: pending at a past time, it fires again at that same date.
    await snoozeReminder({ ...change, reminderId: backAgain, input: { for: 'tomorrow' }, now: clock });
    await updateReminder({ ...change, reminderId: backAgain, input: { reminderDate: '2026-12-03T03:55:00Z' }, now: clock });
    expect(await fire(backAgain)).toBe('fired');
    clock = new Date('2026-12-03T04:10:00Z');
    expect(await fire(dueAgain)).toBe('fired'); // due again at 23:10: a second alert, also held until 07:00
    expect(await fire(moved)).toBe('skipped');

    clock = new Date('2026-12-03T12:00:00Z'); // 07:00: quiet hours are over
    await sweepHandler.run(fakeContext(() => clock), {});
    await smtp.waitFor(forLead(`Still due ${tag}`), { timeoutMs: 10_000 });
    await smtp.waitFor(forLead(`Due again ${tag}`), { timeoutMs: 10_000 });
    await smtp.waitFor(forLead(`Legacy ${tag}`), { timeoutMs: 10_000 });
    // Moved to another past time, the reminder is still due from the firing its alert was written for: the alert goes.
    await smtp.waitFor(forLead(`Moved back ${tag}`), { timeoutMs: 10_000 });
    // Fired twice at the same date: the second firing's alert goes, the first's is cancelled.
    await smtp.waitFor(forLead(`Back again ${tag}`), { timeoutMs: 10_000 });
    await expect.poll(async () => (await alertsOf(backAgain)).map((a) => a.status)).toEqual(['cancelled', 'sent']);
    await expect.poll(async () => (await alertsOf(snoozed)).map((a) => a.status)).toEqual(['cancelled']);
    await expect.poll(async () => (await alertsOf(dueAgain)).map((a) => a.status)).toEqual(['cancelled', 'sent']);
    await expect.poll(async () => (await alertsOf(stillDue)).map((a) => a.status)).toEqual(['sent']);
    expect((await alertsOf(snoozed))[0].last_error).toContain('snoozed');
    expect(smtp.messages.filter(forLead(`Snoozed ${tag}`))).toHaveLength(0);
    expect(smtp.messages.filter(forLead(`Due again ${tag}`))).toHaveLength(1);
    // Marked sent just after the SMTP server has the mail: awaited.
    await expect.poll(() => alertsOf(moved)).toEqual([{ status: 'sent', last_error: null }]);
    // Without `firedAt` the moved date cannot be told from a new firing: cancelled, as before.
    await expect.poll(async () => (await alertsOf(movedLegacy)).map((a) => a.status)).toEqual(['cancelled']);
    await updateNotificationPreferences({ em: server.orm.em.fork() as EntityManager, userId: realtor.userId, patch: { quietHoursEnabled: false } });
  });

  it('a failed alert retries outside quiet hours: refused at 20:58, it is tried again at 07:00', async () => {
    await updateNotificationPreferences({ em: server.orm.em.fork() as EntityManager, userId: realtor.userId, patch: { quietHoursEnabled: true, quietStart: '21:00', quietEnd: '07:00', timeZone: 'America/New_York' } });
    let clock = new Date('2026-12-04T01:58:00Z'); // 20:58 in New York: not quiet yet
    const name = `Greylisted evening ${randomUUID().slice(0, 8)}`;
    const { leadId } = await makeLead(server, { userId: realtor.userId, name });
    const { inquiryId } = await makeInquiry(server, { leadId, message: 'Evening question' });
    // The wake-up is dropped: the test runs the handler itself, with a 5-minute retry.
    await server.orm.em.fork().transactional((tem) => recordEmailAlerts({ em: tem as EntityManager, userId: realtor.userId, leadId, type: 'inquiry.created', data: { inquiryId, leadId }, now: clock, config: server.config }));
    const { notification_id: notificationId, send_at } = await notificationOf(leadId);
    expect(send_at).toEqual(clock);

    const logger = createLogger({ level: 'silent', name: 'test' });
    const mailer = createMailer({ smtpUrl: smtp.url, from: server.config.MAIL_FROM, logger });
    const context = () => ({ ...fakeContext(() => clock), mailer, config: { ...server.config, EMAIL_RETRY_SCHEDULE: [0, 300] } });
    try {
      smtp.rejectNext(1, { code: 451, message: 'Greylisted, try again later' });
      expect(await sendNotificationHandler.run(context(), { notificationId, dueAt: clock.getTime() })).toEqual({ status: 'pending' });
      const [row] = await server.sql<{ next_attempt_at: Date }>('select next_attempt_at from notifications where notification_id = $1', [notificationId]);
      expect(row.next_attempt_at).toEqual(new Date('2026-12-04T12:00:00Z'));

      clock = new Date('2026-12-04T12:00:00Z'); // 07:00
      expect(await sendNotificationHandler.run(context(), { notificationId, dueAt: clock.getTime() })).toEqual({ status: 'sent' });
      await smtp.waitFor(forLead(name), { timeoutMs: 10_000 });
      expect((await attemptsOf(notificationId)).map((a) => [a.ok, a.response_code])).toEqual([[false, 451], [true, null]]);
    } finally {
      await mailer.close();
      await updateNotificationPreferences({ em: server.orm.em.fork() as EntityManager, userId: realtor.userId, patch: { quietHoursEnabled: false } });
    }
  });

  it('a send a slow mail server stretches past its deadline ends before its claim does: retried later, accepted once', async () => {
    // The handler's clock runs SCALE times faster than real time and the mailer's deadline is
    // shortened by the same factor, so the production deadline and claim (SMTP_SEND_DEADLINE_MS,
    // NOTIFICATION_LEASE_MS) keep their proportions in a test of a second.
    const SCALE = 50;
    const slow = await startSlowSmtpServer({ rcptDelayMs: 4_000 }); // every answer in time, the whole send far too long
    const start = new Date('2026-12-05T15:00:00Z');
    const t0 = performance.now();
    const scaledClock = () => new Date(start.getTime() + (performance.now() - t0) * SCALE);
    const name = `Slow server ${randomUUID().slice(0, 8)}`;
    const { leadId } = await makeLead(server, { userId: realtor.userId, name });
    const { inquiryId } = await makeInquiry(server, { leadId, message: 'Slow question' });
    // The wake-up is dropped: the test runs the handler itself.
    await server.orm.em.fork().transactional((tem) => recordEmailAlerts({ em: tem as EntityManager, userId: realtor.userId, leadId, type: 'inquiry.created', data: { inquiryId, leadId }, now: start, config: server.config }));
    const { notification_id: notificationId } = await notificationOf(leadId);

    const mailer = createMailer({ smtpUrl: slow.url, from: server.config.MAIL_FROM, logger: createLogger({ level: 'silent', name: 'test' }), timeouts: { sendMs: SMTP_SEND_DEADLINE_MS / SCALE } });
    const context = (now: () => Date) => ({ ...fakeContext(now), mailer, config: { ...server.config, EMAIL_RETRY_SCHEDULE: [0, 600] } });
    try {
      const first = sendNotificationHandler.run(context(scaledClock), { notificationId, dueAt: start.getTime() });
      // Until the claim has run out on the scaled clock: the passage of time is what is tested.
      await new Promise((r) => setTimeout(r, (NOTIFICATION_LEASE_MS + 5_000) / SCALE));
      // The sweeper would wake the row now if it were due (the old claim's end); it is not: the
      // slow send was ended and its retry is 600 s away. A wake-up anyway claims nothing.
      const due = await findDueNotifications(server.orm.em.fork() as EntityManager, { now: scaledClock(), limit: 1_000 });
      expect(due.map((d) => d.notificationId)).not.toContain(notificationId);
      expect(await sendNotificationHandler.run(context(scaledClock), { notificationId, dueAt: scaledClock().getTime() })).toEqual({ skipped: true });
      expect(await first).toEqual({ status: 'pending' });
      await slow.sessionsClosed(1);
      expect(slow.subjects.filter((s) => s.includes(name))).toEqual([]);

      // The retry, with the server answering at once, is the one delivery.
      slow.rcptDelayMs = 0;
      const later = new Date(start.getTime() + 1_000_000);
      expect(await sendNotificationHandler.run(context(() => later), { notificationId, dueAt: later.getTime() })).toEqual({ status: 'sent' });
      expect(slow.subjects.filter((s) => s.includes(name))).toHaveLength(1);
      const attempts = await attemptsOf(notificationId);
      expect(attempts.map((a) => a.ok)).toEqual([false, true]);
      expect(attempts[0].error).toMatch(/^ETIMEDOUT: send not finished within/);
      expect(await notificationOf(leadId)).toMatchObject({ status: 'sent', attempt_count: 2 });
    } finally {
      await mailer.close();
      await slow.close();
    }
  });

  it('a worker runs no more sends at once than the mailer has connections, so no send spends its deadline waiting for one', () => {
    expect(QUEUE_CONCURRENCY.notifications).toBeLessThanOrEqual(SMTP_MAX_CONNECTIONS);
    expect(NOTIFICATION_LEASE_MS).toBeGreaterThan(SMTP_SEND_DEADLINE_MS);
  });

  it('erasing a lead erases its alerts and their attempt log', async () => {
    const name = `Erased ${randomUUID().slice(0, 8)}`;
    expect((await submit({ name })).status).toBe(202);
    const leadId = await leadIdOf(name);
    const [{ notification_id: id }] = await server.sql<{ notification_id: string }>('select notification_id from notifications where lead_id = $1', [leadId]);
    expect((await realtor.client.delete(`/v1/leads/${leadId}`)).status).toBeLessThan(300);
    expect(await server.sql('select 1 from notifications where notification_id = $1', [id])).toEqual([]);
    expect(await server.sql('select 1 from notification_attempts where notification_id = $1', [id])).toEqual([]);
  });
});
