import type { EntityManager } from '@mikro-orm/postgresql';
import { db } from '../db/kysely.ts';
import { createWakeup, type Wakeup } from '../jobs/wakeup.ts';
import type { NotificationKind } from './notification.entity.ts';

export interface NotificationInput {
  em: EntityManager;
  userId: string;
  kind: NotificationKind;
  /** One row per cause: a second call with the same key writes nothing and wakes nothing. */
  dedupeKey: string;
  sendAt: Date;
  now: Date;
  leadId?: string | null;
  inquiryId?: string | null;
  reminderId?: string | null;
  endpointId?: string | null;
  data?: Record<string, unknown> | null;
}

/** The wake-up of a notification due at `dueAt` (its id names the due time: see JOBS.sendNotification). */
export function createNotificationWakeup(notificationId: string, dueAt: Date, runAt?: Date): Wakeup {
  return createWakeup('sendNotification', { notificationId, dueAt: dueAt.getTime() }, runAt ? { runAt } : {});
}

/**
 * Writes one outbox row in the caller's transaction (`on conflict (dedupe_key) do nothing`) and
 * returns its wake-up, delayed to `sendAt`; an already recorded cause returns none.
 */
export async function recordNotification(input: NotificationInput): Promise<Wakeup[]> {
  const row = await db(input.em)
    .insertInto('notifications')
    .values({
      notification_id: crypto.randomUUID(),
      user_id: input.userId,
      kind: input.kind,
      lead_id: input.leadId ?? null,
      inquiry_id: input.inquiryId ?? null,
      reminder_id: input.reminderId ?? null,
      endpoint_id: input.endpointId ?? null,
      dedupe_key: input.dedupeKey,
      data: input.data ? JSON.stringify(input.data) as never : null,
      status: 'pending',
      send_at: input.sendAt,
      next_attempt_at: input.sendAt,
      attempt_count: 0,
      created_at: input.now,
      updated_at: input.now,
    })
    .onConflict((oc) => oc.column('dedupe_key').doNothing())
    .returning('notification_id')
    .executeTakeFirst();
  if (!row) return [];
  return [createNotificationWakeup(row.notification_id, input.sendAt, input.sendAt > input.now ? input.sendAt : undefined)];
}
