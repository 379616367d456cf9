// How a lead's timeline reads as a story: events by what the person did ("Viewed 12 Oak Street"),
// activities by what the realtor did ("Called — left voicemail"), recorded changes by who changed
// what ("Status: New → Contacted"), URLs by their path, event props as "Room: Kitchen".
// Plain strings only: lead-supplied text is rendered by Preact as text, never as HTML.
import { ACTIVITY_TYPE_LABELS, activityOutcomeLabel } from '#core/shared/activity-rules.ts';
import type { ActivityType } from '#core/shared/enums.ts';
import type { TimelineItem } from './api-client.ts';
import { formatDateTime } from './format.ts';
import { describeTimelineItem, humanize, statusLabel } from './lead-format.ts';

/** An analytics event in words, naming its listing by title when the site's listings know it. */
export function describeEvent(item: TimelineItem): string {
  const title = item.listingTitle?.trim();
  if (item.eventType === 'page_view' && title) return `Viewed ${title}`;
  return describeTimelineItem({ ...item, listingRef: title || item.listingRef });
}

const LOGGED_VERBS: Partial<Record<ActivityType, string>> = {
  call: 'Called',
  text: 'Texted',
  email: 'Emailed',
  note: 'Note',
  meeting: 'Meeting',
  showing: 'Showing',
};

/** What the activity's `meta` says as text (`meta` values are strings, numbers, booleans or null). */
function metaText(item: TimelineItem, key: string): string | null {
  const value = item.meta?.[key];
  return typeof value === 'string' && value.trim() ? value : null;
}

/** One line for an activity: "Called — left voicemail", "Status: New → Contacted", "Reminder set: Call Dana". */
export function describeActivity(item: TimelineItem): string {
  const type = item.activityType;
  if (!type) return 'Activity';
  const verb = LOGGED_VERBS[type];
  if (verb) {
    // "Texted — sent" says nothing more than "Texted".
    const outcome = item.outcome && !(item.outcome === 'sent' && (type === 'text' || type === 'email')) ? activityOutcomeLabel(item.outcome).toLowerCase() : null;
    return outcome ? `${verb} — ${outcome}` : verb;
  }
  const message = metaText(item, 'message');
  switch (type) {
    case 'status_change': {
      const from = metaText(item, 'from');
      const to = metaText(item, 'to');
      return from && to ? `Status: ${statusLabel(from)} → ${statusLabel(to)}` : 'Status changed';
    }
    case 'stage_change': {
      const from = metaText(item, 'fromLabel');
      const to = metaText(item, 'toLabel');
      if (from && to) return `Stage: ${from} → ${to}`;
      return to ? `Moved to ${to}` : 'Stage changed';
    }
    case 'reminder_created': {
      const when = metaText(item, 'reminderDate');
      const what = message ? `Reminder set: ${message}` : 'Reminder set';
      return when ? `${what} (for ${formatDateTime(when)})` : what;
    }
    case 'reminder_completed':
      return message ? `Reminder done: ${message}` : 'Reminder done';
    case 'reminder_snoozed': {
      const until = metaText(item, 'until');
      const what = message ? `Reminder snoozed: ${message}` : 'Reminder snoozed';
      return until ? `${what} (until ${formatDateTime(until)})` : what;
    }
    case 'reminder_dismissed':
      return message ? `Reminder dismissed: ${message}` : 'Reminder dismissed';
    case 'reminder_reopened':
      return message ? `Reminder reopened: ${message}` : 'Reminder reopened';
    case 'reminder_rescheduled': {
      const when = metaText(item, 'reminderDate');
      // An Undo of a snooze (POST …/unsnooze): back to the time it had.
      if (metaText(item, 'undid') === 'snooze') {
        const what = message ? `Snooze undone: ${message}` : 'Snooze undone';
        return when ? `${what} (back to ${formatDateTime(when)})` : what;
      }
      const what = message ? `Reminder moved: ${message}` : 'Reminder moved';
      return when ? `${what} (to ${formatDateTime(when)})` : what;
    }
    default:
      return ACTIVITY_TYPE_LABELS[type] ?? humanize(type);
  }
}

/** "by Dana", "automatically" (the system), or null for events and inquiries. */
export function describeActor(item: TimelineItem, currentUserId: string | null): string | null {
  if (item.kind !== 'activity') return null;
  if (!item.actor) return 'automatically';
  if (item.actor.userId === currentUserId) return 'by you';
  return `by ${item.actor.username || 'a teammate'}`;
}

/** A first contact that answered reminders says so. */
export function activityFootnote(item: TimelineItem): string | null {
  if (item.activityType === 'reminder_completed' && metaText(item, 'reason') === 'contact_logged') return 'Completed when the contact was logged';
  return null;
}

/** A page URL as its path (`https://homes.example/listings/oak-12?utm=x` → `/listings/oak-12`); the host for the home page. */
export function shortUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    if (parsed.pathname && parsed.pathname !== '/') return decodeURIComponentSafe(parsed.pathname);
    return parsed.host;
  } catch {
    return url;
  }
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Event props as "Room: Kitchen · Step: 3" (booleans as yes/no; null values left out). */
export function formatProps(props: TimelineItem['props']): string | null {
  if (!props) return null;
  const parts = Object.entries(props)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `${humanize(k)}: ${typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)}`);
  return parts.length ? parts.join(' · ') : null;
}
