import type { EntityManager } from '@mikro-orm/postgresql';
import { actorIdOf, type Tenant } from '../accounts/tenant.ts';
import { createToken } from '../accounts/tokens.ts';
import { db } from '../db/kysely.ts';
import { AppError } from '../errors.ts';
import { ALERT_KINDS, type AlertKind } from './alert-kinds.ts';
import { nextAllowedSendTime } from './local-time.ts';
import { DEFAULT_NOTIFICATION_PREFERENCES, NotificationPreferencesSchema, type NotificationPreferences } from './notification-preferences.entity.ts';
import type { NotificationPreferencesJson, NotificationPreferencesPatch } from './notification-preferences-schemas.ts';

/** The preference flag behind each alert. */
export const ALERT_PREFERENCE_FIELDS = {
  new_inquiry: 'alertNewInquiry',
  lead_hot: 'alertLeadHot',
  reminder_due: 'alertReminderDue',
  endpoint_disabled: 'alertEndpointDisabled',
  digest: 'alertDigest',
} as const satisfies Record<AlertKind, keyof NotificationPreferences>;

const UNSUBSCRIBE_TOKEN_MAX_CHARS = 64;

/**
 * A person's settings, created with the defaults on first read. The insert ignores a row a
 * concurrent first read created, so two requests never fail on the primary key.
 *
 * `userId` is the person, not the account: preferences belong to whoever gets the emails
 * (`actorIdOf(tenant)` in a realtor request, the notification's recipient in the worker).
 */
export async function getNotificationPreferences({ em, userId }: { em: EntityManager; userId: string }): Promise<NotificationPreferences> {
  const existing = await em.findOne(NotificationPreferencesSchema, { user: userId });
  if (existing) return existing;
  await em
    .createQueryBuilder(NotificationPreferencesSchema)
    .insert({ user: userId, unsubscribeToken: createToken('', 32) })
    .onConflict('user')
    .ignore()
    .execute();
  return em.findOneOrFail(NotificationPreferencesSchema, { user: userId });
}

/**
 * The time zone of the person acting (Settings; the default until they saved settings), whose days
 * Today and Analytics count. A read only: no settings row is created.
 */
export async function timeZoneOf({ em, tenant }: { em: EntityManager; tenant: Tenant }): Promise<string> {
  const row = await db(em).selectFrom('notification_preferences').select('time_zone').where('user_id', '=', actorIdOf(tenant)).executeTakeFirst();
  return row?.time_zone ?? DEFAULT_NOTIFICATION_PREFERENCES.timeZone;
}

/** Applies a validated patch (ZNotificationPreferencesPatch) and returns the new settings. */
export async function updateNotificationPreferences({ em, userId, patch, now = new Date() }: {
  em: EntityManager; userId: string; patch: NotificationPreferencesPatch; now?: Date;
}): Promise<NotificationPreferences> {
  const prefs = await getNotificationPreferences({ em, userId });
  em.assign(prefs, { ...patch, updatedAt: now });
  await em.flush();
  await retimeHeldAlerts(em, userId, prefs, now);
  return prefs;
}

/** The alerts quiet hours hold (the digest keeps its own hour). */
const HELD_ALERT_KINDS = ALERT_KINDS.filter((k) => k !== 'digest');

/**
 * Alerts waiting out quiet hours follow the settings that hold them: after a change (quiet hours
 * switched off, a shorter or longer window, another time zone) an alert still waiting for its
 * first send goes when the new settings allow — at once when quiet hours are off — not when the
 * old ones would have let it go. Such an alert is a pending first send (no attempt yet) due in the
 * future: only quiet hours write one. What is due now is woken by the sweeper, like any due alert;
 * the job still waiting for the old time finds nothing to claim.
 */
async function retimeHeldAlerts(em: EntityManager, userId: string, prefs: NotificationPreferences, now: Date): Promise<void> {
  const sendAt = nextAlertSendTime(now, prefs);
  await db(em)
    .updateTable('notifications')
    .set({ send_at: sendAt, next_attempt_at: sendAt, updated_at: now })
    .where('user_id', '=', userId)
    .where('status', '=', 'pending')
    .where('kind', 'in', HELD_ALERT_KINDS)
    .where('attempt_count', '=', 0)
    .where('leased_until', 'is', null)
    .where('next_attempt_at', '>', now.toISOString())
    .where('next_attempt_at', '<>', sendAt.toISOString())
    .execute();
}

/**
 * One-click unsubscribe from an alert's link (RFC 8058 POST, or the confirmation page): switches
 * that alert off for the token's owner. Idempotent; an unknown token is `token_invalid`.
 */
export async function unsubscribeFromAlert({ em, token, alert, now = new Date() }: {
  em: EntityManager; token: string; alert: AlertKind; now?: Date;
}): Promise<{ userId: string; alert: AlertKind }> {
  if (!token || token.length > UNSUBSCRIBE_TOKEN_MAX_CHARS) throw new AppError('token_invalid', 'This unsubscribe link is not valid.');
  const prefs = await em.findOne(NotificationPreferencesSchema, { unsubscribeToken: token });
  if (!prefs) throw new AppError('token_invalid', 'This unsubscribe link is not valid.');
  if (prefs[ALERT_PREFERENCE_FIELDS[alert]]) {
    em.assign(prefs, { [ALERT_PREFERENCE_FIELDS[alert]]: false, updatedAt: now });
    await em.flush();
  }
  return { userId: prefs.user.userId, alert };
}

/** Whether the user wants this alert at all. */
export function isAlertEnabled(prefs: NotificationPreferences, alert: AlertKind): boolean {
  return prefs[ALERT_PREFERENCE_FIELDS[alert]];
}

/** When an alert caused at `now` may go out: now, or when the user's quiet hours end. */
export function nextAlertSendTime(now: Date, prefs: Pick<NotificationPreferences, 'quietHoursEnabled' | 'quietStart' | 'quietEnd' | 'timeZone'>): Date {
  if (!prefs.quietHoursEnabled) return now;
  return nextAllowedSendTime(now, { quietStart: prefs.quietStart, quietEnd: prefs.quietEnd, timeZone: prefs.timeZone });
}

/** The unsubscribe URL an alert carries (body link and List-Unsubscribe header). */
export function buildUnsubscribeUrl(publicUrl: string, token: string, alert: AlertKind): string {
  return `${publicUrl.replace(/\/+$/, '')}/v1/unsubscribe/${encodeURIComponent(token)}?alert=${alert}`;
}

export function toNotificationPreferencesJson(p: NotificationPreferences): NotificationPreferencesJson {
  return {
    alertNewInquiry: p.alertNewInquiry,
    alertLeadHot: p.alertLeadHot,
    alertReminderDue: p.alertReminderDue,
    alertEndpointDisabled: p.alertEndpointDisabled,
    alertDigest: p.alertDigest,
    quietHoursEnabled: p.quietHoursEnabled,
    quietStart: p.quietStart,
    quietEnd: p.quietEnd,
    digestHour: p.digestHour,
    timeZone: p.timeZone,
    updatedAt: p.updatedAt.toISOString(),
  };
}
