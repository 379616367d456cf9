// Live updates in the open admin (docs/live-updates.md): one EventSource per tab on GET /v1/live,
// shared by every component that listens and closed when the last one goes. The browser
// reconnects by itself and sends Last-Event-ID, so the server replays what was missed.
// A due reminder also refreshes the navigation's due count, and — when the realtor switched it
// on in Settings — new leads and due reminders raise a browser notification while the admin is
// open (never otherwise: there is no service worker).
import { useEffect, useRef } from 'preact/hooks';
import { REMINDERS_CHANGED_EVENT } from './reminders-api.ts';

export const LIVE_EVENT_TYPES = ['lead.created', 'lead.updated', 'reminder.due'] as const;
export type LiveEventType = (typeof LIVE_EVENT_TYPES)[number];

export interface LiveEvent {
  type: LiveEventType;
  /** `{leadId, name, score, scoreBand, stage, …}` for leads, `{reminderId, leadId, leadName, reminderMessage}` for reminders. */
  data: Record<string, any>;
}

type Listener = (event: LiveEvent) => void;

const listeners = new Set<Listener>();
let source: EventSource | null = null;

/** Where the notification preference lives (this browser only; off unless set). */
export const LIVE_NOTIFY_KEY = 'porchlight.liveNotifications';

export function liveNotificationsEnabled(): boolean {
  try {
    return localStorage.getItem(LIVE_NOTIFY_KEY) === 'on' && typeof Notification !== 'undefined' && Notification.permission === 'granted';
  } catch {
    return false;
  }
}

function notify(event: LiveEvent): void {
  if (!liveNotificationsEnabled()) return;
  const d = event.data;
  if (event.type === 'lead.created') new Notification('New lead', { body: d.name || d.email || d.phone || 'Someone just got in touch', tag: `lead-${d.leadId}` });
  if (event.type === 'reminder.due') new Notification('Reminder due', { body: `${d.reminderMessage ?? ''}${d.leadName ? ` — ${d.leadName}` : ''}`, tag: `reminder-${d.reminderId}` });
}

function dispatch(type: LiveEventType, message: MessageEvent): void {
  let data: Record<string, any>;
  try {
    data = JSON.parse(message.data as string);
  } catch {
    return;
  }
  const event = { type, data };
  if (type === 'reminder.due') window.dispatchEvent(new Event(REMINDERS_CHANGED_EVENT));
  notify(event);
  for (const fn of listeners) fn(event);
}

function connect(): void {
  if (source || typeof EventSource === 'undefined') return;
  source = new EventSource('/v1/live', { withCredentials: true });
  for (const type of LIVE_EVENT_TYPES) source.addEventListener(type, (m) => dispatch(type, m as MessageEvent));
  // The backlog no longer reaches back to where this tab was, or a rescore moved many scores at
  // once (`leads.rescored`): everyone reloads.
  for (const type of ['reset', 'leads.rescored']) {
    source.addEventListener(type, () => {
      for (const fn of listeners) fn({ type: 'lead.updated', data: {} });
    });
  }
}

function disconnect(): void {
  source?.close();
  source = null;
}

/**
 * Calls `onEvent` for each live event of the given types while the component is mounted (with no
 * types: keeps the connection open and only does the global work — the due count, notifications).
 */
export function useLiveEvents(types: readonly LiveEventType[] = [], onEvent?: (event: LiveEvent) => void): void {
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const wanted = types.join(',');
  useEffect(() => {
    const listener: Listener = (e) => {
      if (wanted.split(',').includes(e.type)) handler.current?.(e);
    };
    listeners.add(listener);
    connect();
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0) disconnect();
    };
  }, [wanted]);
}

/**
 * Like useLiveEvents, but calls `refresh` once per burst (events within `waitMs` of each other),
 * and only for events `relevant` accepts (all by default; a page leaves out what it already shows).
 */
export function useLiveRefresh(
  types: readonly LiveEventType[],
  refresh: () => void,
  { waitMs = 400, relevant }: { waitMs?: number; relevant?: (event: LiveEvent) => boolean } = {},
): void {
  const timer = useRef<number | undefined>(undefined);
  const latest = useRef({ refresh, relevant });
  latest.current = { refresh, relevant };
  useEffect(() => () => window.clearTimeout(timer.current), []);
  useLiveEvents(types, (event) => {
    if (latest.current.relevant && !latest.current.relevant(event)) return;
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => latest.current.refresh(), waitMs);
  });
}
