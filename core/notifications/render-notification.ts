import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import type { AccountTokenPurpose } from '../accounts/account-token.entity.ts';
import { EMAIL_CHANGE_TTL_MS, EMAIL_VERIFICATION_TTL_MS, PASSWORD_RESET_TTL_MS } from '../accounts/account-tokens.ts';
import { sha256Hex } from '../accounts/tokens.ts';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { pgCount, pgTimeToIsoStrict } from '../db/pg-values.ts';
import type { AlertKind } from '../email/alert-kinds.ts';
import { localDayBounds, toWallTime } from '../email/local-time.ts';
import type { OutgoingEmail } from '../email/mailer.ts';
import { buildUnsubscribeUrl, getNotificationPreferences, isAlertEnabled } from '../email/notification-preferences.ts';
import {
  buildAccountTokenUrl,
  renderAccountDeletedEmail,
  renderEmailChangedEmail,
  renderEmailChangeEmail,
  renderPasswordChangedEmail,
  renderPasswordResetEmail,
  renderSignupAttemptEmail,
  renderVerifyEmailEmail,
} from '../email/templates/account-emails.ts';
import {
  DIGEST_MAX_ITEMS,
  LEAD_HOT_MAX_REASONS,
  renderDigestEmail,
  renderEndpointDisabledEmail,
  renderLeadHotEmail,
  renderNewInquiryEmail,
  renderReminderDueEmail,
  type LeadSummary,
} from '../email/templates/alert-emails.ts';
import { adminUrl } from '../email/templates/layout.ts';
import { formatScoreReasons } from '../leads/format-score-reasons.ts';
import type { ScoreBand, ScoreBreakdown } from '../leads/lead.entity.ts';
import type { ClaimedNotification } from './claim-notification.ts';
import { DAY_MS } from '../shared/time.ts';
import { OPEN_REMINDER_STATUSES } from '../shared/enums.ts';

/** How far back the digest looks for new hot leads. */
export const DIGEST_HOT_LEADS_WINDOW_MS = DAY_MS;
/**
 * How long after the end of its day a digest may still go out (retries, a worker that was down):
 * later it is cancelled, `digest more than a day late` — the days after it have their own.
 */
export const DIGEST_STALE_AFTER_MS = DAY_MS;

/** Why an alert or digest was not sent: the account's address is not confirmed (`last_error` of the cancelled row). */
export const ADDRESS_UNCONFIRMED = 'address_unconfirmed';

export type RenderedNotification = { email: OutgoingEmail } | { cancel: string };

const ALERT_KINDS_SET = new Set<string>(['new_inquiry', 'lead_hot', 'reminder_due', 'endpoint_disabled', 'digest']);

function pgDate(value: string | Date): Date {
  if (value instanceof Date) return value;
  return new Date(value.includes('T') ? value : value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'));
}

/** The lead as an alert shows it, with its current score breakdown (the hot-lead email's "Why"). */
async function loadLead(em: EntityManager, leadId: string | null, userId: string): Promise<(LeadSummary & { breakdown: ScoreBreakdown | null }) | null> {
  if (!leadId) return null;
  const row = await db(em)
    .selectFrom('leads')
    .select(['lead_id', 'name', 'email', 'phone', 'score', 'score_band', 'score_breakdown'])
    .where('lead_id', '=', leadId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row
    ? { leadId: row.lead_id, name: row.name, email: row.email, phone: row.phone, score: row.score, band: row.score_band as ScoreBand, breakdown: row.score_breakdown }
    : null;
}

/**
 * Builds the email of a claimed notification from Postgres as it is now (the lead's current
 * name, score, band and score reasons; the reminder's current note), or says why it should not be sent:
 * the user switched the alert off meanwhile, the reminder was completed or snoozed, the cause is gone.
 */
export async function renderNotification({ em, claim, config, now }: {
  em: EntityManager; claim: ClaimedNotification; config: Config; now: Date;
}): Promise<RenderedNotification> {
  const user = await db(em).selectFrom('users').select(['email', 'username', 'email_verified_at', 'deleted_at']).where('user_id', '=', claim.userId).executeTakeFirst();
  if (!user) return { cancel: 'user deleted' };
  // The name an email greets: until an address of the account is confirmed, the name was chosen by
  // whoever signed up, maybe not the mailbox's owner, so it is not put in their mail ("Hi there").
  const username = user.email_verified_at === null ? '' : user.username;
  if (user.deleted_at !== null) {
    // A deleted account hears only that it was deleted (core/accounts/account-deletion.ts), at the
    // address it had: its own is a tombstone now. Anything else recorded meanwhile (an alert of a
    // job still running) is not sent.
    if (claim.kind !== 'account_deleted') return { cancel: 'account deleted' };
    const formerEmail = typeof claim.data?.email === 'string' ? claim.data.email : null;
    if (!formerEmail) return { cancel: 'address missing' };
    return { email: { to: formerEmail, ...renderAccountDeletedEmail({ username }) } };
  }
  if (claim.kind === 'account_deleted') return { cancel: 'account not deleted' };
  const publicUrl = config.PUBLIC_URL;
  const to = user.email;
  const token = typeof claim.data?.token === 'string' ? claim.data.token : null;

  if (claim.kind === 'verify_email') {
    if (user.email_verified_at) return { cancel: 'address already verified' };
    if (!token) return { cancel: 'link token missing' };
    const stale = await findStaleAccountLink(em, { token, purpose: 'email_verification', now, recordedFor: claim.data?.email, currentAddress: to });
    if (stale) return { cancel: stale };
    return { email: { to, ...renderVerifyEmailEmail({ username, url: buildAccountTokenUrl(publicUrl, 'email_verification', token), validForMs: EMAIL_VERIFICATION_TTL_MS }) } };
  }
  if (claim.kind === 'password_reset') {
    if (!token) return { cancel: 'link token missing' };
    const stale = await findStaleAccountLink(em, { token, purpose: 'password_reset', now, recordedFor: claim.data?.email, currentAddress: to });
    if (stale) return { cancel: stale };
    return { email: { to, ...renderPasswordResetEmail({ username, url: buildAccountTokenUrl(publicUrl, 'password_reset', token), validForMs: PASSWORD_RESET_TTL_MS }) } };
  }
  if (claim.kind === 'email_change') {
    // To the NEW address (the account's is still the old one until the link is used).
    const newEmail = typeof claim.data?.newEmail === 'string' ? claim.data.newEmail : null;
    if (!token || !newEmail) return { cancel: 'link token missing' };
    const stale = await findStaleAccountLink(em, { token, purpose: 'email_change', now, recordedFor: newEmail, currentAddress: newEmail });
    if (stale) return { cancel: stale };
    return { email: { to: newEmail, ...renderEmailChangeEmail({ username, newEmail, url: buildAccountTokenUrl(publicUrl, 'email_change', token), validForMs: EMAIL_CHANGE_TTL_MS }) } };
  }
  if (claim.kind === 'email_changed') {
    // To the OLD address, which the account no longer has: the row says which it was.
    const oldEmail = typeof claim.data?.oldEmail === 'string' ? claim.data.oldEmail : null;
    const newEmail = typeof claim.data?.newEmail === 'string' ? claim.data.newEmail : null;
    if (!oldEmail || !newEmail) return { cancel: 'addresses missing' };
    return { email: { to: oldEmail, ...renderEmailChangedEmail({ username, newEmail }) } };
  }
  if (claim.kind === 'password_changed') {
    return { email: { to, ...renderPasswordChangedEmail({ username, resetUrl: adminUrl(publicUrl, '/forgot-password') }) } };
  }
  if (claim.kind === 'signup_attempt') {
    return { email: { to, ...renderSignupAttemptEmail({ username, loginUrl: adminUrl(publicUrl, '/login'), resetUrl: adminUrl(publicUrl, '/forgot-password') }) } };
  }
  if (!ALERT_KINDS_SET.has(claim.kind)) return { cancel: `unknown kind ${claim.kind}` };
  // Alerts and digests carry lead content a stranger can write (an inquiry's message, a lead's
  // name), so they go only to an address its owner has confirmed: without SIGNUP_VERIFY_FIRST
  // anyone can sign up with someone else's address, and Porchlight would relay that text to it.
  // Checked here, at send time, so an alert recorded before or after signup is held to it alike.
  // Not sent later once confirmed: the row ends cancelled with this reason (docs/email.md).
  if (user.email_verified_at === null) return { cancel: ADDRESS_UNCONFIRMED };

  const kind = claim.kind as AlertKind;
  const prefs = await getNotificationPreferences({ em, userId: claim.userId });
  if (!isAlertEnabled(prefs, kind)) return { cancel: 'alert switched off before it was sent' };
  const ctx = { publicUrl, unsubscribeUrl: buildUnsubscribeUrl(publicUrl, prefs.unsubscribeToken, kind), timeZone: prefs.timeZone };

  switch (kind) {
    case 'new_inquiry': {
      const lead = await loadLead(em, claim.leadId, claim.userId);
      const inquiry = claim.inquiryId
        ? await db(em).selectFrom('inquiries').select(['message', 'listing_ref', 'page_url', 'created_at']).where('inquiry_id', '=', claim.inquiryId).executeTakeFirst()
        : undefined;
      if (!lead || !inquiry) return { cancel: 'lead or inquiry deleted' };
      return { email: { to, ...renderNewInquiryEmail({ ...ctx, lead, inquiry: { message: inquiry.message, listing: inquiry.listing_ref, pageUrl: inquiry.page_url, receivedAt: pgDate(inquiry.created_at) } }) } };
    }
    case 'lead_hot': {
      const lead = await loadLead(em, claim.leadId, claim.userId);
      if (!lead) return { cancel: 'lead deleted' };
      // The breakdown as it is now, like the score beside it: a rescore while the alert waited
      // (quiet hours, retries) shows in both.
      return { email: { to, ...renderLeadHotEmail({ ...ctx, lead, reasons: formatScoreReasons(lead.breakdown, LEAD_HOT_MAX_REASONS) }) } };
    }
    case 'reminder_due': {
      const lead = await loadLead(em, claim.leadId, claim.userId);
      const reminder = claim.reminderId
        ? await db(em).selectFrom('follow_up_reminders').select(['reminder_id', 'reminder_date', 'reminder_message', 'status', 'fired_at']).where('reminder_id', '=', claim.reminderId).executeTakeFirst()
        : undefined;
      if (!lead || !reminder) return { cancel: 'lead or reminder deleted' };
      if (reminder.status === 'done' || reminder.status === 'dismissed') return { cancel: `reminder ${reminder.status} before the alert was sent` };
      // Snoozed or given a new date while the alert waited (quiet hours, retries): it is pending
      // again, or already due again with an alert of its own (a new `fired_at`). A due reminder
      // merely moved to another past time keeps its `fired_at` and does not fire again, so its
      // alert still goes. Rows recorded before `firedAt` was kept compare the due date that fired
      // them; rows older still (no `reminderDate`) go on the status alone.
      if (reminder.status !== 'due') return { cancel: 'reminder snoozed or rescheduled before the alert was sent' };
      const firedAt = typeof claim.data?.firedAt === 'string' ? claim.data.firedAt : null;
      const firedDate = typeof claim.data?.reminderDate === 'string' ? claim.data.reminderDate : null;
      const dueAgain = firedAt !== null
        ? reminder.fired_at === null || pgTimeToIsoStrict(reminder.fired_at) !== firedAt
        : firedDate !== null && firedDate !== pgTimeToIsoStrict(reminder.reminder_date);
      if (dueAgain) return { cancel: 'reminder rescheduled and due again before the alert was sent' };
      return { email: { to, ...renderReminderDueEmail({ ...ctx, lead, reminder: { reminderId: reminder.reminder_id, reminderDate: pgDate(reminder.reminder_date), reminderMessage: reminder.reminder_message } }) } };
    }
    case 'endpoint_disabled': {
      const endpoint = claim.endpointId
        ? await db(em).selectFrom('webhook_endpoints').select(['endpoint_id', 'url', 'description', 'disabled_reason', 'disabled_at', 'failing_since', 'enabled']).where('endpoint_id', '=', claim.endpointId).executeTakeFirst()
        : undefined;
      if (!endpoint) return { cancel: 'endpoint deleted' };
      if (endpoint.enabled) return { cancel: 'endpoint enabled again before the alert was sent' };
      const reason = endpoint.disabled_reason ?? (typeof claim.data?.reason === 'string' ? claim.data.reason : 'disabled');
      return { email: { to, ...renderEndpointDisabledEmail({ ...ctx, endpoint: {
        endpointId: endpoint.endpoint_id, url: endpoint.url, description: endpoint.description, disabledReason: reason,
        disabledAt: endpoint.disabled_at === null ? null : pgDate(endpoint.disabled_at), failingSince: endpoint.failing_since === null ? null : pgDate(endpoint.failing_since),
      } }) } };
    }
    case 'digest': {
      // The day the digest was recorded for, not the send time's: a late digest hour plus retries
      // or a queue delay can carry the send past local midnight, and the next day has its own.
      const day = digestDay(claim.data?.date, prefs.timeZone, now);
      if (now.getTime() >= day.end.getTime() + DIGEST_STALE_AFTER_MS) return { cancel: 'digest more than a day late' };
      const digest = await loadDigest(em, { userId: claim.userId, day, now });
      if (!digest.reminders.length && !digest.hotLeads.length) return { cancel: 'nothing to report today' };
      return { email: { to, ...renderDigestEmail({ ...ctx, date: day.start, ...digest }) } };
    }
  }
}

/**
 * Why an account email's link would be dead on arrival, or null when it still works. The email may
 * wait in the outbox (worker down, retries) while the user asks for a newer link (issuing one
 * deletes the older unused ones), spends the link, lets it expire, or changes the address it was
 * meant for — sending it then is a dead link, or a link to an address that is not theirs any more.
 * `recordedFor`: the address at record time (rows recorded before it was kept have none);
 * `currentAddress`: where the email would go now (for an email-change link, the new address).
 */
async function findStaleAccountLink(em: EntityManager, { token, purpose, now, recordedFor, currentAddress }: {
  token: string; purpose: AccountTokenPurpose; now: Date; recordedFor: unknown; currentAddress: string;
}): Promise<string | null> {
  if (typeof recordedFor === 'string' && recordedFor !== currentAddress) return 'address changed since the link was issued';
  const row = await db(em).selectFrom('account_tokens').select(['purpose', 'consumed_at', 'expires_at', 'email']).where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
  if (!row || row.purpose !== purpose) return 'link replaced by a newer one before it was sent';
  if (row.email !== currentAddress) return 'address changed since the link was issued';
  if (row.consumed_at !== null) return 'link already used before it was sent';
  if (pgDate(row.expires_at).getTime() <= now.getTime()) return 'link expired before it was sent';
  return null;
}

/**
 * The local day a digest row is for: its `data.date` (written by recordDigests, `YYYY-MM-DD` in
 * the user's zone), from local midnight to the next; the send time's day for a row without one.
 */
function digestDay(recorded: unknown, timeZone: string, now: Date): { start: Date; end: Date } {
  const match = typeof recorded === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(recorded) : null;
  return localDayBounds(match ? { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) } : toWallTime(now, timeZone), timeZone);
}

/**
 * The open reminders due by the end of the digest's day (local day; those of earlier days still
 * open come first, as on Today) and the hot leads created in the last 24 hours: the first
 * DIGEST_MAX_ITEMS of each and how many there are.
 */
async function loadDigest(em: EntityManager, { userId, day, now }: { userId: string; day: { start: Date; end: Date }; now: Date }) {
  const dayStart = day.start;
  const dayEnd = day.end;
  const reminders = await db(em)
    .selectFrom('follow_up_reminders as r')
    .innerJoin('leads as l', 'l.lead_id', 'r.lead_id')
    .select(['r.reminder_id', 'r.reminder_date', 'r.reminder_message', 'l.lead_id', 'l.name', 'l.email', 'l.phone', sql<string>`count(*) over ()`.as('total'),
      sql<string>`count(*) filter (where r.reminder_date < ${dayStart.toISOString()}::timestamptz) over ()`.as('overdue')])
    .where('r.user_id', '=', userId)
    .where('r.status', 'in', OPEN_REMINDER_STATUSES)
    .where('r.reminder_date', '<', dayEnd.toISOString())
    .orderBy('r.reminder_date')
    .limit(DIGEST_MAX_ITEMS)
    .execute();
  const hotLeads = await db(em)
    .selectFrom('leads')
    .select(['lead_id', 'name', 'email', 'phone', 'score', sql<string>`count(*) over ()`.as('total')])
    .where('user_id', '=', userId)
    .where('score_band', '=', 'hot')
    .where('created_at', '>=', new Date(now.getTime() - DIGEST_HOT_LEADS_WINDOW_MS).toISOString())
    .orderBy('score', 'desc')
    .limit(DIGEST_MAX_ITEMS)
    .execute();
  return {
    // The lists stop at DIGEST_MAX_ITEMS; `count(*) over ()` is taken before the limit, so the
    // counts are the day's real numbers ("60 reminders today … and 40 more").
    reminderCount: pgCount(reminders[0]?.total),
    overdueCount: pgCount(reminders[0]?.overdue),
    hotLeadCount: pgCount(hotLeads[0]?.total),
    reminders: reminders.map((r) => ({
      reminderId: r.reminder_id, reminderDate: pgDate(r.reminder_date), reminderMessage: r.reminder_message,
      lead: { leadId: r.lead_id, name: r.name, email: r.email, phone: r.phone },
    })),
    hotLeads: hotLeads.map((l) => ({ leadId: l.lead_id, name: l.name, email: l.email, phone: l.phone, score: l.score })),
  };
}
