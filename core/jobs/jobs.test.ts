// The job definitions: ids BullMQ accepts, options that come from the definition, and wake-ups
// built through it. (Sending them, against real Redis: wakeup.int.test.ts.)
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertValidJobId, DEFAULT_JOB_OPTIONS, defineJob, jobOptionsOf } from './define-job.ts';
import { JOBS, type KeyedJobKey, RESCORE_DEBOUNCE_MS } from './jobs.ts';
import { addOptionsOf } from './queues.ts';
import { createWakeup } from './wakeup.ts';

const uuid = randomUUID();
/** The widest payloads each keyed job can get: every character a visitor id may carry. */
const SAMPLES: { [K in KeyedJobKey]: Parameters<(typeof JOBS)[K]['jobId']>[0] } = {
  scoreLead: { leadId: uuid },
  scoreFlaggedLeads: { userId: uuid },
  stitchVisitor: { siteId: uuid, visitorId: `${'_-aZ09'.repeat(10)}abcd` },
  rescoreUser: { userId: uuid, version: 2_147_483_647 },
  sendNotification: { notificationId: uuid, dueAt: 8_640_000_000_000_000 },
  fireReminder: { reminderId: uuid, dueAt: 8_640_000_000_000_000 },
  deliverWebhook: { deliveryId: uuid, dueAt: 8_640_000_000_000_000 },
  purgeAccount: { userId: uuid },
};

describe('job definitions', () => {
  it('build ids without ":" (BullMQ refuses it in custom ids), one per piece of work', () => {
    for (const [key, payload] of Object.entries(SAMPLES) as Array<[KeyedJobKey, never]>) {
      const id = JOBS[key].jobId(payload);
      expect(id, key).not.toContain(':');
      expect(assertValidJobId(id)).toBe(id);
    }
    expect(JOBS.scoreLead.jobId({ leadId: uuid })).toBe(`score-${uuid}`);
    expect(JOBS.scoreFlaggedLeads.jobId({ userId: uuid })).toBe(`score-flagged-${uuid}`);
    expect(JOBS.stitchVisitor.jobId({ siteId: uuid, visitorId: 'v_1' })).toBe(`stitch-${uuid}-v_1`);
    expect(JOBS.rescoreUser.jobId({ userId: uuid, version: 3 })).toBe(`rescore-${uuid}-3`);
    // A reminder's job names its scheduled time too: a rescheduled reminder gets a new job.
    expect(JOBS.fireReminder.jobId({ reminderId: uuid, dueAt: 1_796_000_000_000 })).toBe(`reminder-${uuid}-1796000000000`);
    expect(JOBS.deliverWebhook.jobId({ deliveryId: uuid, dueAt: 1_700_000_000_000 })).toBe(`deliver-${uuid}-1700000000000`);
    expect(JOBS.purgeAccount.jobId({ userId: uuid })).toBe(`purge-${uuid}`);
  });

  it('refuse a visitor id that could smuggle a ":" into a stitch job id', () => {
    expect(() => createWakeup('stitchVisitor', { siteId: uuid, visitorId: 'a:b' })).toThrow();
    expect(() => assertValidJobId('stitch-x-a:b')).toThrow(/contains ':'/);
  });

  it('carry their options: the scoring debounce and removal, the defaults elsewhere', () => {
    expect(addOptionsOf('scoreLead', { leadId: uuid })).toMatchObject({
      jobId: `score-${uuid}`, delay: RESCORE_DEBOUNCE_MS, removeOnComplete: true, removeOnFail: true, attempts: 5,
    });
    expect(addOptionsOf('stitchVisitor', SAMPLES.stitchVisitor)).toMatchObject({ removeOnComplete: true, removeOnFail: true });
    expect(addOptionsOf('stitchVisitor', SAMPLES.stitchVisitor).delay).toBeUndefined();
    expect(addOptionsOf('rescoreUser', SAMPLES.rescoreUser)).toEqual({ ...DEFAULT_JOB_OPTIONS, jobId: JOBS.rescoreUser.jobId(SAMPLES.rescoreUser) });
    // Scheduled jobs have no id builder; a one-off run names its own.
    expect(addOptionsOf('sweep', {})).not.toHaveProperty('jobId');
    expect(addOptionsOf('sweep', {}, { jobId: 'sweep-now' }).jobId).toBe('sweep-now');
    expect(() => addOptionsOf('sweep', {}, { jobId: 'sweep:now' })).toThrow(/contains ':'/);
  });

  it('let a job whose retries Postgres governs opt out of BullMQ retries', () => {
    const delivery = defineJob({ queue: 'webhooks', name: 'test.deliver', payload: z.object({ id: z.uuid() }), jobId: ({ id }) => `d-${id}`, retries: 'postgres' });
    expect(jobOptionsOf(delivery)).toMatchObject({ attempts: 1, removeOnComplete: DEFAULT_JOB_OPTIONS.removeOnComplete });
    expect(jobOptionsOf(delivery)).not.toHaveProperty('backoff');
    const plain = defineJob({ queue: 'webhooks', name: 'test.plain', payload: z.object({}) });
    expect(jobOptionsOf(plain)).toMatchObject({ attempts: 5, backoff: { type: 'exponential', delay: 1000 } });
  });

  it('give webhook deliveries and notification emails one BullMQ attempt: their retry schedules live in Postgres', () => {
    // A BullMQ retry would resend outside the attempt table's schedule (and past its backoff).
    for (const key of ['deliverWebhook', 'sendNotification'] as const) {
      const options = addOptionsOf(key, SAMPLES[key]);
      expect(options.attempts, key).toBe(1);
      expect(options, key).not.toHaveProperty('backoff');
    }
  });
});

describe('createWakeup', () => {
  it('takes its id from the job definition and checks the payload', () => {
    expect(createWakeup('scoreLead', { leadId: uuid })).toEqual({ job: 'scoreLead', payload: { leadId: uuid }, jobId: `score-${uuid}` });
    const at = new Date('2030-01-01T10:00:00Z');
    expect(createWakeup('rescoreUser', { userId: uuid, version: 1 }, { runAt: at })).toMatchObject({ jobId: `rescore-${uuid}-1`, runAt: at });
    expect(() => createWakeup('scoreLead', { leadId: 'not-a-uuid' })).toThrow();
    // @ts-expect-error scheduled jobs have no deterministic id: they cannot be woken up
    expect(() => createWakeup('sweep', {})).toThrow(/no deterministic job id/);
  });
});
