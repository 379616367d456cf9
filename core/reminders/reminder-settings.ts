import type { EntityManager } from '@mikro-orm/postgresql';
import { ownedByAccount, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import type { ReminderSettingsBody, ReminderSettingsJson } from './reminder-schemas.ts';
import { DEFAULT_REMINDER_SETTINGS } from './reminder-settings.entity.ts';

/**
 * An account's automatic-reminder rules: its row, or the defaults when they were never changed
 * (reading writes nothing, so scoring and ingest can call it inside their transactions).
 * `accountId`: the owning account (`ownerIdOf(tenant)`; the lead's `user_id` in system code).
 */
export async function loadReminderSettings(em: EntityManager, accountId: string): Promise<ReminderSettingsJson> {
  const row = await db(em)
    .selectFrom('reminder_settings')
    .select(['hot_lead_enabled', 'hot_lead_delay_minutes', 'inquiry_unanswered_enabled', 'inquiry_unanswered_hours'])
    .where(ownedByAccount(accountId))
    .executeTakeFirst();
  if (!row) return { ...DEFAULT_REMINDER_SETTINGS };
  return {
    hotLeadEnabled: row.hot_lead_enabled,
    hotLeadDelayMinutes: row.hot_lead_delay_minutes,
    inquiryUnansweredEnabled: row.inquiry_unanswered_enabled,
    inquiryUnansweredHours: row.inquiry_unanswered_hours,
  };
}

/** `GET /v1/reminder-settings`. */
export async function getReminderSettings({ em, tenant }: { em: EntityManager; tenant: Tenant }): Promise<ReminderSettingsJson> {
  return loadReminderSettings(em, ownerIdOf(tenant));
}

/**
 * `PUT /v1/reminder-settings`: replaces the rules. They apply to what happens next (a lead
 * turning hot, a new inquiry); reminders already scheduled keep their time.
 */
export async function updateReminderSettings({ em, tenant, input, now }: {
  em: EntityManager; tenant: Tenant; input: ReminderSettingsBody; now: Date;
}): Promise<ReminderSettingsJson> {
  const values = {
    hot_lead_enabled: input.hotLeadEnabled,
    hot_lead_delay_minutes: input.hotLeadDelayMinutes,
    inquiry_unanswered_enabled: input.inquiryUnansweredEnabled,
    inquiry_unanswered_hours: input.inquiryUnansweredHours,
    updated_at: now,
  };
  await db(em)
    .insertInto('reminder_settings')
    .values({ user_id: ownerIdOf(tenant), created_at: now, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
  return loadReminderSettings(em, ownerIdOf(tenant));
}
