import type { AlertKind } from '../email/alert-kinds.ts';
import { getNotificationPreferences, isAlertEnabled, nextAlertSendTime } from '../email/notification-preferences.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import type { OutboundEvent, OutboundEventType } from '../outbound/record-outbound-event.ts';
import { recordNotification } from './record-notification.ts';

/** The alert each event may cause; events not listed here email nobody. */
export const ALERT_FOR_EVENT: Partial<Record<OutboundEventType, AlertKind>> = {
  'inquiry.created': 'new_inquiry',
  'lead.hot': 'lead_hot',
  'reminder.due': 'reminder_due',
  'endpoint.disabled': 'endpoint_disabled',
};

function idOf(data: Record<string, unknown>, key: string): string | null {
  const value = data[key];
  return typeof value === 'string' && value ? value : null;
}

/**
 * The email half of `recordOutboundEvent`: one notification row for the alert the realtor wants
 * for this event, due at the first moment outside their quiet hours. The row carries ids only;
 * the worker renders it from Postgres at send time. Deterministic: the same event (same inquiry;
 * same lead and time for a hot crossing; same reminder and due date) writes one row, however
 * often it is recorded.
 */
export async function recordEmailAlerts(event: OutboundEvent): Promise<Wakeup[]> {
  const kind = ALERT_FOR_EVENT[event.type];
  if (!kind) return [];
  const prefs = await getNotificationPreferences({ em: event.em, userId: event.userId });
  if (!isAlertEnabled(prefs, kind)) return [];

  const leadId = event.leadId ?? idOf(event.data, 'leadId');
  const inquiryId = idOf(event.data, 'inquiryId');
  const reminderId = idOf(event.data, 'reminderId');
  const endpointId = idOf(event.data, 'endpointId');
  const cause = {
    new_inquiry: inquiryId,
    lead_hot: leadId && `${leadId}-${event.now.getTime()}`,
    // One alert per firing (fireReminder claims a reminder once per firing, and `now` is its
    // fired_at): a reminder that falls due again — snoozed, moved ahead, even moved back to the
    // same time — gets an alert of its own, and the one still waiting for the old firing is
    // cancelled at send time (render-notification.ts compares `firedAt`).
    reminder_due: reminderId && `${reminderId}-${event.now.toISOString()}`,
    endpoint_disabled: endpointId && `${endpointId}-${event.now.getTime()}`,
    digest: null,
  }[kind];
  if (!cause) throw new Error(`${event.type} event without the id its alert needs`);

  return recordNotification({
    em: event.em,
    userId: event.userId,
    kind,
    dedupeKey: `${kind}-${cause}`,
    sendAt: nextAlertSendTime(event.now, prefs),
    now: event.now,
    leadId,
    inquiryId,
    reminderId,
    endpointId,
    data: kind === 'endpoint_disabled'
      ? { reason: [event.data.disabledReason, event.data.reason].find((r) => typeof r === 'string') ?? null }
      // The due date and the moment that fired it: at send time the alert goes only if the
      // reminder is still due from that same firing (render-notification.ts).
      : kind === 'reminder_due' ? { reminderDate: idOf(event.data, 'reminderDate'), firedAt: event.now.toISOString() }
      : null,
  });
}
