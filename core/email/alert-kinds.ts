/** The alerts a realtor can switch on and off; each has its own unsubscribe link. */
export const ALERT_KINDS = ['new_inquiry', 'lead_hot', 'reminder_due', 'endpoint_disabled', 'digest'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** How an alert is named in its footer ("You get this email because … alerts are on"). */
export const ALERT_LABELS: Record<AlertKind, string> = {
  new_inquiry: 'new inquiry',
  lead_hot: 'hot lead',
  reminder_due: 'reminder',
  endpoint_disabled: 'webhook',
  digest: 'morning digest',
};
