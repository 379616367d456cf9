import { defineEntity, p, type InferEntity } from '@mikro-orm/postgresql';
import { createdAtColumn, updatedAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';
import { LeadSchema } from '../leads/lead.entity.ts';

/** What an email is about: the realtor's alerts, the digest, and the account emails (links, and notices of account changes). */
export const NOTIFICATION_KINDS = ['new_inquiry', 'lead_hot', 'reminder_due', 'endpoint_disabled', 'digest', 'verify_email', 'password_reset', 'signup_attempt', 'email_change', 'email_changed', 'password_changed', 'account_deleted'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/**
 * pending → sent (a mail server accepted it) | failed (attempts spent, or a permanent refusal) |
 * cancelled (nothing left to say) | not_sent (no mail server to send it to: SMTP_URL is unset;
 * `last_error` gives the reason, `smtp_not_configured`).
 */
export const NOTIFICATION_STATUSES = ['pending', 'sent', 'failed', 'cancelled', 'not_sent'] as const;
export type NotificationStatus = (typeof NOTIFICATION_STATUSES)[number];

/**
 * One email to one user: the outbox row the send worker claims (see claim-notification.ts).
 * Written in the transaction of the change that causes it; it carries ids only and the worker
 * renders it from the rows as they are at send time. `dedupe_key` makes recording idempotent:
 * the same event never writes two alerts. A lead's alerts go with the lead (`on delete cascade`).
 */
export const NotificationSchema = defineEntity({
  name: 'Notification',
  tableName: 'notifications',
  properties: {
    notificationId: uuidPrimaryKey(),
    user: ownerColumn('notifications_user_id_index'),
    kind: p.enum(NOTIFICATION_KINDS),
    lead: () => p.manyToOne(LeadSchema).nullable().deleteRule('cascade').index('notifications_lead_id_index'),
    inquiryId: p.uuid().nullable(),
    reminderId: p.uuid().nullable(),
    endpointId: p.uuid().nullable(),
    /** `<event type>-<id>` (or `digest-<user>-<local date>`): one row per cause. */
    dedupeKey: p.string().length(200).unique('notifications_dedupe_key_unique'),
    /**
     * Extra render input: the digest's date, a reminder alert's fired due date, an endpoint
     * alert's reason, or an account email's raw link token — the token kept only until the email
     * is sent, then erased (account_tokens holds just its hash).
     */
    data: p.json<Record<string, unknown>>().nullable(),
    status: p.enum(NOTIFICATION_STATUSES).default('pending'),
    /** When it may go out: the cause's time, or the end of the user's quiet hours. */
    sendAt: p.datetime(),
    attemptCount: p.integer().default(0),
    /** Due time of the next attempt (send_at, a retry time, or the end of a lease). */
    nextAttemptAt: p.datetime().nullable(),
    leasedUntil: p.datetime().nullable(),
    leaseToken: p.uuid().nullable(),
    /** The last failure; for `cancelled` and `not_sent`, why (`not_sent`: `smtp_not_configured`). */
    lastError: p.string().length(500).nullable(),
    /** When a mail server accepted it; null unless `sent`. */
    sentAt: p.datetime().nullable(),
    createdAt: createdAtColumn(),
    updatedAt: updatedAtColumn(),
  },
  indexes: [
    { name: 'notifications_pending_index', expression: `create index "notifications_pending_index" on "notifications" ("next_attempt_at") where "status" = 'pending'` },
    { name: 'notifications_user_kind_created_index', properties: ['user', 'kind', 'createdAt'] },
  ],
});
export type Notification = InferEntity<typeof NotificationSchema>;

/** One try at sending a notification: the attempt log. */
export const NotificationAttemptSchema = defineEntity({
  name: 'NotificationAttempt',
  tableName: 'notification_attempts',
  properties: {
    attemptId: uuidPrimaryKey(),
    notification: () => p.manyToOne(NotificationSchema).deleteRule('cascade').index('notification_attempts_notification_id_index'),
    attemptedAt: p.datetime(),
    ok: p.boolean(),
    /** SMTP reply code when the server answered with one. */
    responseCode: p.smallint().nullable(),
    error: p.string().length(500).nullable(),
    durationMs: p.integer(),
    /** `smtp`, or `log` when SMTP_URL is unset (then `ok` is false: the message went nowhere). */
    transport: p.string().length(10),
    messageId: p.string().length(255).nullable(),
  },
});
export type NotificationAttempt = InferEntity<typeof NotificationAttemptSchema>;
