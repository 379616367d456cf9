// Live updates in the open admin (docs/live-updates.md): one EventSource per tab on GET /v1/live,
// shared by every component that listens and closed when the last one goes. After a network error
// the browser reconnects by itself and sends Last-Event-ID, so the server replays what was missed.
// A refused connection (an error status: 503 while Redis is away, 401, a proxy's 502) the browser
// gives up on for good; this module then opens a new one itself, after a growing delay, and has
// every view reload once it is open (a new EventSource cannot send Last-Event-ID).
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

/** The wait before the first new stream after a refused one; it doubles per refusal in a row. */
export const LIVE_RETRY_BASE_MS = 2_000;
/** The longest wait between two attempts while the stream keeps being refused. */
export const LIVE_RETRY_MAX_MS = 60_000;

/**
 * The wait before attempt `refusals` + 1 (0 after the first refusal): `LIVE_RETRY_BASE_MS` doubled
 * per refusal, capped at `LIVE_RETRY_MAX_MS`, then a random point between half of it and all of
 * it, so the tabs an outage refused together do not all come back in the same second.
 */
export function liveRetryDelayMs(refusals: number, random: () => number = Math.random): number {
  const ceiling = Math.min(LIVE_RETRY_MAX_MS, LIVE_RETRY_BASE_MS * 2 ** refusals);
  return ceiling / 2 + random() * (ceiling / 2);
}

let retryTimer: number | undefined;
/** Refusals since a stream was last open: the next wait grows with them. */
let refusals = 0;
/** A stream was refused since one was last open: events meanwhile may be lost. */
let missedEvents = false;
let watchingVisibility = false;

/** Every view reloads what it shows (a rescore moved many scores at once). */
function reloadAll(): void {
  for (const fn of listeners) fn({ type: 'lead.updated', data: {} });
}

/** The `detail` of the REMINDERS_CHANGED_EVENT a catch-up announces (see isLiveCatchUp). */
const CATCH_UP_DETAIL = 'live-catch-up';

/**
 * The reminders-changed event came from a live catch-up, which also has every live view reload:
 * a view that listens to both (the leads list, Today) skips this one and reloads once, not twice.
 */
export function isLiveCatchUp(event: Event): boolean {
  return event instanceof CustomEvent && event.detail === CATCH_UP_DETAIL;
}

/** Events may have been missed: every view reloads, and the navigation's due count asks again. */
function catchUp(): void {
  window.dispatchEvent(new CustomEvent(REMINDERS_CHANGED_EVENT, { detail: CATCH_UP_DETAIL }));
  reloadAll();
}

function connect(): void {
  if (source || retryTimer !== undefined || typeof EventSource === 'undefined') return;
  openSource();
}

function openSource(): void {
  const es = new EventSource('/v1/live', { withCredentials: true });
  source = es;
  for (const type of LIVE_EVENT_TYPES) es.addEventListener(type, (m) => dispatch(type, m as MessageEvent));
  // The backlog no longer reaches back to where this tab was, or Redis was away (reminders may
  // have fallen due unannounced too): everything is asked again. A rescore: every view reloads.
  es.addEventListener('reset', catchUp);
  es.addEventListener('leads.rescored', reloadAll);
  es.addEventListener('open', () => {
    refusals = 0;
    if (!missedEvents) return;
    // Open after a refused one: subscribed before it answered, so a reload now misses nothing.
    missedEvents = false;
    catchUp();
  });
  es.addEventListener('error', () => {
    // CONNECTING: a network error, which the browser retries by itself (with Last-Event-ID).
    // CLOSED: it answered with an error status (or not an event stream); the browser never retries.
    if (source !== es || es.readyState !== EventSource.CLOSED) return;
    source = null;
    missedEvents = true;
    retryTimer = window.setTimeout(retry, liveRetryDelayMs(refusals++));
    watchVisibility();
  });
}

/** The wait after a refusal is over: a new stream, unless nobody listens or nobody looks. */
function retry(): void {
  retryTimer = undefined;
  if (listeners.size === 0 || source) return;
  // A hidden tab waits until it is shown again (`onVisibilityChange`) rather than retrying unseen.
  if (document.visibilityState !== 'hidden') openSource();
}

function watchVisibility(): void {
  if (watchingVisibility) return;
  watchingVisibility = true;
  document.addEventListener('visibilitychange', onVisibilityChange);
}

/** Shown again while its stream is refused: try at once rather than at the end of the wait. */
function onVisibilityChange(): void {
  if (document.visibilityState === 'hidden' || source || !missedEvents || listeners.size === 0) return;
  window.clearTimeout(retryTimer);
  retryTimer = undefined;
  openSource();
}

function disconnect(): void {
  source?.close();
  source = null;
  window.clearTimeout(retryTimer);
  retryTimer = undefined;
  refusals = 0;
  missedEvents = false;
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
