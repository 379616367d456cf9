/**
 * # Sending a notification: claim, lease, attempt
 *
 * A `notifications` row is the outbox entry; a BullMQ job only wakes the worker with its id.
 *
 * ```
 *            claim (lease)              record: sent
 *  pending ───────────────▶ leased ────────────────────▶ sent
 *    ▲                        │ record: retryable failure, schedule left (next_attempt_at)
 *    └────────────────────────┘
 *    lease ended (worker died) → due again, the sweeper wakes it; attempts spent → failed
 *                             record: permanent failure (5xx) or schedule exhausted → failed
 *  pending ── cause gone / alert switched off before sending ──▶ cancelled
 *  leased ── no mail server (SMTP_URL unset): logged, or in production only noted ──▶ not_sent
 * ```
 *
 * The claim is one conditional UPDATE (`status = 'pending' and next_attempt_at <= now`) that
 * counts the attempt, sets a fresh `lease_token` and moves `next_attempt_at` to the lease end:
 * two workers woken for the same row cannot both send it, and a worker killed mid-send leaves a
 * row that falls due again when its lease ends (at-least-once). Counting at claim time means a
 * message that kills the worker every time still spends its budget. Recording the outcome needs
 * the same lease token, so a worker presumed dead cannot overwrite the claim that replaced it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { db } from '../db/kysely.ts';
import { ALERT_KINDS } from '../email/alert-kinds.ts';
import { SMTP_SEND_DEADLINE_MS, type SendResult } from '../email/mailer.ts';
import { getNotificationPreferences, nextAlertSendTime } from '../email/notification-preferences.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { computeNextAttemptAt } from '../webhooks/schedule-webhook-retry.ts';
import { createNotificationWakeup } from './record-notification.ts';

/** What a claim allows beyond the send itself: rendering before it and recording after it (a few queries each). */
export const NOTIFICATION_LEASE_MARGIN_MS = 30_000;
/**
 * How long a claim holds a row: the mailer's deadline for a whole send (SMTP_SEND_DEADLINE_MS,
 * which ends a slow send with a retryable failure) plus the margin — derived from it so the two
 * cannot drift apart. A send still running when the claim ends would be sent again by whoever
 * claims the row next (the sweeper wakes it: its `next_attempt_at` is the lease end).
 */
export const NOTIFICATION_LEASE_MS = SMTP_SEND_DEADLINE_MS + NOTIFICATION_LEASE_MARGIN_MS;
/** Longest error text kept on the row and in the attempt log. */
const ERROR_MAX_CHARS = 500;
/** The kinds whose retries wait out quiet hours: every alert but the digest. */
const QUIET_HOURS_KINDS: ReadonlySet<string> = new Set(ALERT_KINDS.filter((k) => k !== 'digest'));

export interface ClaimedNotification {
  notificationId: string;
  userId: string;
  kind: string;
  leadId: string | null;
  inquiryId: string | null;
  reminderId: string | null;
  endpointId: string | null;
  data: Record<string, unknown> | null;
  leaseToken: string;
  attemptedAt: Date;
  /** 1-based number of this attempt. */
  attemptNumber: number;
}

/**
 * Claims a due pending notification for one attempt, or returns null (not due, already sent,
 * held by a live lease). A row whose lease ran out with its attempt budget spent (the worker died
 * on every try) is failed here instead of sent again.
 */
export async function claimNotification({ em, notificationId, now, schedule, leaseMs = NOTIFICATION_LEASE_MS }: {
  em: EntityManager; notificationId: string; now: Date; schedule: readonly number[]; leaseMs?: number;
}): Promise<ClaimedNotification | null> {
  const leaseToken = crypto.randomUUID();
  const leaseEnd = new Date(now.getTime() + leaseMs);
  const exhausted = await db(em)
    .updateTable('notifications')
    .set({ status: 'failed', last_error: 'attempts spent: no result recorded for the last one', leased_until: null, lease_token: null, next_attempt_at: null, updated_at: now })
    .where('notification_id', '=', notificationId)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now.toISOString())
    .where('attempt_count', '>=', schedule.length)
    .executeTakeFirst();
  if (Number(exhausted.numUpdatedRows) > 0) return null;

  const row = await db(em)
    .updateTable('notifications')
    .set({
      attempt_count: sql`attempt_count + 1`,
      leased_until: leaseEnd,
      lease_token: leaseToken,
      next_attempt_at: leaseEnd,
      updated_at: now,
    })
    .where('notification_id', '=', notificationId)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now.toISOString())
    .returning(['notification_id', 'user_id', 'kind', 'lead_id', 'inquiry_id', 'reminder_id', 'endpoint_id', 'data', 'attempt_count'])
    .executeTakeFirst();
  if (!row) return null;
  return {
    notificationId: row.notification_id,
    userId: row.user_id,
    kind: row.kind,
    leadId: row.lead_id,
    inquiryId: row.inquiry_id,
    reminderId: row.reminder_id,
    endpointId: row.endpoint_id,
    data: (row.data as Record<string, unknown> | null) ?? null,
    leaseToken,
    attemptedAt: now,
    attemptNumber: row.attempt_count,
  };
}

export interface AttemptOutcome {
  /** `cancelled`: the row was deleted meanwhile (its lead was erased); nothing is recorded. */
  status: 'sent' | 'pending' | 'failed' | 'cancelled' | 'not_sent';
  nextAttemptAt: Date | null;
  wakeups: Wakeup[];
}

/**
 * Logs one attempt and moves the row on: sent; not_sent (the mailer had no server to send it to:
 * the reason goes to `last_error`, never counted as sent); pending again at the next retry time (a retryable
 * failure with schedule left; an alert's retry moved past the recipient's quiet hours); failed (permanent refusal, or the schedule is spent). A claim
 * whose lease was taken over still logs its attempt but changes nothing else.
 */
export async function recordNotificationAttempt({ em, claim, result, durationMs, now, schedule, random }: {
  em: EntityManager;
  claim: ClaimedNotification;
  result: SendResult;
  durationMs: number;
  now: Date;
  schedule: readonly number[];
  random?: () => number;
}): Promise<AttemptOutcome> {
  return em.transactional(async (tem) => {
    // The row may be gone by now: erasing its lead deletes its alerts (and their attempt log) with it.
    const row = await db(tem).selectFrom('notifications').select('notification_id').where('notification_id', '=', claim.notificationId).forUpdate().executeTakeFirst();
    if (!row) return { status: 'cancelled', nextAttemptAt: null, wakeups: [] };
    const error = result.ok ? null : (result.error ?? 'unknown error').slice(0, ERROR_MAX_CHARS);
    await db(tem).insertInto('notification_attempts').values({
      attempt_id: crypto.randomUUID(),
      notification_id: claim.notificationId,
      attempted_at: claim.attemptedAt,
      ok: result.ok,
      response_code: result.responseCode ?? null,
      error,
      duration_ms: Math.max(0, Math.round(durationMs)),
      transport: result.transport,
      message_id: result.messageId?.slice(0, 255) ?? null,
    }).execute();

    let next = result.ok || !result.retryable ? null : computeNextAttemptAt({ attemptCount: claim.attemptNumber, schedule, now, random });
    // An alert's retry keeps to the recipient's quiet hours, as its first send did (a failure at
    // 20:58 tries again at 07:00, not at 21:03). The digest has its own hour, and account emails
    // are wanted now.
    if (next && QUIET_HOURS_KINDS.has(claim.kind)) next = nextAlertSendTime(next, await getNotificationPreferences({ em: tem, userId: claim.userId }));
    const status = result.ok ? 'sent' : result.notSent ? 'not_sent' : next ? 'pending' : 'failed';
    const updated = await db(tem)
      .updateTable('notifications')
      .set({
        status,
        next_attempt_at: next,
        leased_until: null,
        lease_token: null,
        last_error: status === 'not_sent' ? result.notSent! : error,
        sent_at: result.ok ? now : null,
        // An account email's link token lives on the row only until it is sent (or will never be).
        ...(status !== 'pending' ? { data: sql`case when kind in ('verify_email', 'password_reset', 'email_change') then null else data end` } : {}),
        updated_at: now,
      })
      .where('notification_id', '=', claim.notificationId)
      .where('lease_token', '=', claim.leaseToken)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return { status: 'pending', nextAttemptAt: null, wakeups: [] };
    return { status, nextAttemptAt: next, wakeups: next ? [createNotificationWakeup(claim.notificationId, next, next)] : [] };
  });
}

/** Ends a claimed notification without sending: its cause is gone or the user switched the alert off. */
export async function cancelNotification({ em, claim, reason, now }: { em: EntityManager; claim: ClaimedNotification; reason: string; now: Date }): Promise<void> {
  await db(em)
    .updateTable('notifications')
    .set({ status: 'cancelled', last_error: reason.slice(0, ERROR_MAX_CHARS), next_attempt_at: null, leased_until: null, lease_token: null, data: null, updated_at: now })
    .where('notification_id', '=', claim.notificationId)
    .where('lease_token', '=', claim.leaseToken)
    .execute();
}

/** Pending notifications that are due (a retry time, the end of quiet hours, or a lapsed lease), oldest first. */
export async function findDueNotifications(em: EntityManager, { now, limit }: { now: Date; limit: number }): Promise<Array<{ notificationId: string; dueAt: Date }>> {
  const rows = await db(em)
    .selectFrom('notifications')
    .select(['notification_id', 'next_attempt_at'])
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now.toISOString())
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ notificationId: r.notification_id, dueAt: new Date(pgTime(r.next_attempt_at!)) }));
}

function pgTime(value: string): string {
  return value.includes('T') ? value : value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
}
