// Alerts held by quiet hours follow the settings that hold them. A realtor who switches quiet
// hours off (or shortens them) at night expects the alerts they are waiting for now; each held
// alert kept the send time computed when it was recorded, so a new inquiry at 22:00 still
// arrived at 07:00.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeRealtor, type Realtor } from '#test/factories.ts';
import { runMaintenanceJob } from '#test/worker.ts';
import { WAIT } from '#test/env.ts';
import { useMailStack } from '#test/mail-stack.ts';

const stack = useMailStack();
let realtor: Realtor;

beforeAll(async () => {
  realtor = await makeRealtor(stack.server, { verified: true });
});

/** HH:MM in UTC, `hours` from now. */
function utcClock(hours: number): string {
  return new Date(Date.now() + hours * 3_600_000).toISOString().slice(11, 16);
}

async function alertOf(inquiryId: string) {
  const [row] = await stack.server.sql<{ status: string; next_attempt_at: Date; send_at: Date }>(
    "select status, next_attempt_at, send_at from notifications where inquiry_id = $1 and kind = 'new_inquiry'", [inquiryId],
  );
  return row;
}

/** A lead with a manual inquiry: a new-inquiry alert, held if quiet hours are on. */
async function inquire(name: string): Promise<string> {
  const lead = await realtor.client.post('/v1/leads', { name, email: `${randomUUID().slice(0, 8)}@example.com` });
  expect(lead.status).toBe(201);
  const inquiry = await realtor.client.post(`/v1/leads/${lead.body.leadId}/inquiries`, { message: 'Can we see it tonight?' });
  expect(inquiry.status).toBe(201);
  return inquiry.body.inquiryId;
}

describe('changing quiet hours', () => {
  it('switching them off sends the alerts they were holding, not when they would have ended', async () => {
    // Quiet hours from an hour ago to three hours from now, in UTC: an alert now is held.
    const quiet = await realtor.client.patch('/v1/notification-preferences', { quietHoursEnabled: true, quietStart: utcClock(-1), quietEnd: utcClock(3), timeZone: 'UTC' });
    expect(quiet.status).toBe(200);
    const name = `Night ${randomUUID().slice(0, 8)}`;
    const inquiryId = await inquire(name);
    const held = await alertOf(inquiryId);
    expect(held.status).toBe('pending');
    expect(new Date(held.next_attempt_at).getTime()).toBeGreaterThan(Date.now() + 2 * 3_600_000);

    const before = Date.now();
    expect((await realtor.client.patch('/v1/notification-preferences', { quietHoursEnabled: false })).status).toBe(200);
    const released = await alertOf(inquiryId);
    expect(new Date(released.next_attempt_at).getTime()).toBeLessThanOrEqual(Date.now());
    expect(new Date(released.send_at).getTime()).toBeGreaterThanOrEqual(before - 1000);

    // The sweeper wakes it as it wakes any due alert; it is sent at once.
    await runMaintenanceJob(stack.server, 'sweep', `sweep-${randomUUID()}`);
    const mail = await stack.smtp.waitFor((m) => m.subject.includes(name), { timeoutMs: WAIT.timeout, description: 'the released alert' });
    expect(mail.envelope.to).toContain(realtor.email);
  });

  it('moving the end of quiet hours earlier moves the held alerts with it', async () => {
    await realtor.client.patch('/v1/notification-preferences', { quietHoursEnabled: true, quietStart: utcClock(-1), quietEnd: utcClock(5), timeZone: 'UTC' });
    const inquiryId = await inquire(`Late ${randomUUID().slice(0, 8)}`);
    const end = new Date((await alertOf(inquiryId)).next_attempt_at).getTime();
    expect(end).toBeGreaterThan(Date.now() + 4 * 3_600_000);

    await realtor.client.patch('/v1/notification-preferences', { quietEnd: utcClock(2) });
    const moved = new Date((await alertOf(inquiryId)).next_attempt_at).getTime();
    expect(moved).toBeLessThan(end - 2 * 3_600_000);
    expect(moved).toBeGreaterThan(Date.now() + 3_600_000);
    await realtor.client.patch('/v1/notification-preferences', { quietHoursEnabled: false });
  });
});
