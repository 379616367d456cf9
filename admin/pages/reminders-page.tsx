// Reminders: what is due now (overdue ones highlighted) first, then what is coming, then what
// is done — each acted on in place. The page refreshes itself while open: every 15 s, when the
// tab regains focus, and right when the next upcoming reminder's time comes, so a reminder is
// seen falling due without a reload. The automatic-reminder rules sit at the bottom.
import { useEffect, useRef, useState } from 'preact/hooks';
import { EmptyState } from '../components/empty-state.tsx';
import { HouseIcon } from '../components/icons.tsx';
import { PageHeader } from '../components/layout.tsx';
import { LoadError } from '../components/load-error.tsx';
import { LoadMore } from '../components/load-more.tsx';
import { isDueNow, isOverdueNow, ReminderItem } from '../components/reminder-item.tsx';
import { Loading } from '../components/spinner.tsx';
import { plural } from '../format.ts';
import { REMINDERS_CHANGED_EVENT, type Reminder, type ReminderListStatus, remindersApi } from '../reminders-api.ts';
import { Link } from '../router.tsx';
import { type CursorList, useCursorList } from '../use-cursor-list.ts';
import { ReminderSettingsSection } from './reminder-settings-section.tsx';

/** How often the open page asks again (cheap: three small index scans). */
export const REMINDERS_REFRESH_MS = 15_000;
/** After an upcoming reminder's time, wait this long for the worker to fire it before asking. */
const FIRE_GRACE_MS = 1_500;

function useReminderSection(status: ReminderListStatus): CursorList<Reminder> {
  return useCursorList(status, (cursor, signal) => remindersApi.list({ status }, cursor, { signal }), (r) => r.reminderId);
}

type SectionItems = Record<'due' | 'upcoming' | 'done', Reminder[]>;

/**
 * What each section shows, from the API's three lists: a pending reminder whose time has passed
 * (its job not run yet: the worker down, or a few seconds late) moves from Upcoming to Due now, in
 * time order with the fired ones — in one section only (also when a refresh has it in both lists,
 * fired meanwhile: the due list's copy wins).
 */
export function sections(lists: SectionItems, now: number): SectionItems {
  const late = lists.upcoming.filter((r) => isDueNow(r, now));
  if (!late.length) return lists;
  const dueIds = new Set(lists.due.map((r) => r.reminderId));
  const due = [...lists.due, ...late.filter((r) => !dueIds.has(r.reminderId))]
    .sort((a, b) => new Date(a.reminderDate).getTime() - new Date(b.reminderDate).getTime());
  return { due, upcoming: lists.upcoming.filter((r) => !isDueNow(r, now)), done: lists.done };
}

export function RemindersPage() {
  const due = useReminderSection('due');
  const upcoming = useReminderSection('upcoming');
  const done = useReminderSection('done');
  // Counts refreshes, so the wake-up below is set again when the soonest reminder has not fired yet.
  const [refreshes, setRefreshes] = useState(0);
  // Each section loads again every page it shows: what "Load more" brought stays on screen. The
  // first render's `refresh` serves for good: each list's `refresh` and `setRefreshes` are stable.
  const refresh = () => {
    for (const list of [due, upcoming, done]) list.refresh();
    setRefreshes((n) => n + 1);
  };

  useEffect(() => {
    const timer = setInterval(() => document.visibilityState !== 'hidden' && refresh(), REMINDERS_REFRESH_MS);
    window.addEventListener('focus', refresh);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', refresh);
    };
  }, []);

  // Wake up when the soonest upcoming reminder is due (bounded, so a far one sets no huge timer).
  // Only one still ahead: one past its time but not fired yet (the worker down) is shown due
  // already, and waking for it would ask again every 250 ms until it fires; the 15 s round does.
  const now = Date.now();
  const next = upcoming.items.find((r) => !isDueNow(r, now))?.reminderDate;
  useEffect(() => {
    if (!next) return;
    const wait = new Date(next).getTime() - Date.now() + FIRE_GRACE_MS;
    if (wait > REMINDERS_REFRESH_MS) return;
    const timer = setTimeout(refresh, Math.max(wait, 250));
    return () => clearTimeout(timer);
  }, [next, refreshes]);

  // Tell the navigation count when what is due changes.
  const dueIds = sections({ due: due.items, upcoming: upcoming.items, done: done.items }, now).due.map((r) => r.reminderId).join();
  useEffect(() => {
    if (due.key) window.dispatchEvent(new Event(REMINDERS_CHANGED_EVENT));
  }, [dueIds]);

  // A refresh asks the three sections apart, and their answers come at different moments: shown
  // as each came, a reminder that fell due (or was snoozed back) sat in two sections at once until
  // the other answer came. The sections show their lists as of the last moment none was refreshing.
  const latest = { due: due.items, upcoming: upcoming.items, done: done.items };
  const settled = useRef(latest);
  if (!due.refreshing && !upcoming.refreshing && !done.refreshing) settled.current = latest;
  const shown = sections(settled.current, now);

  const onChanged = () => refresh();
  const nothingAtAll = !due.loading && !upcoming.loading && !done.loading && !due.items.length && !upcoming.items.length && !done.items.length;

  return (
    <>
      <PageHeader title="Reminders" description="Follow-ups due now, coming up, and done. Add one from a lead’s page." />
      {nothingAtAll && !due.error && !upcoming.error && !done.error ? (
        <EmptyState
          icon={<HouseIcon />}
          title="No reminders yet"
          action={
            <Link href="/leads" class="btn btn-secondary">
              Open your leads
            </Link>
          }
        >
          <p>Set a reminder on a lead to call back at the right time. Hot leads and unanswered inquiries get one automatically (see below).</p>
        </EmptyState>
      ) : (
        <div class="stack">
          <ReminderSection title="Due now" status="due" list={due} items={shown.due} onChanged={onChanged} empty="Nothing due. Nice work." />
          <ReminderSection title="Upcoming" status="upcoming" list={upcoming} items={shown.upcoming} onChanged={onChanged} empty="Nothing scheduled." />
          <ReminderSection title="Done" status="done" list={done} items={shown.done} onChanged={onChanged} empty="Completed and dismissed reminders show here." />
        </div>
      )}
      <ReminderSettingsSection />
    </>
  );
}

/** `items`: what the section shows (the list's, as of the page's last settled refresh). */
function ReminderSection({ title, status, list, items, onChanged, empty }: {
  title: string;
  status: ReminderListStatus;
  list: CursorList<Reminder>;
  items: Reminder[];
  onChanged(r: Reminder): void;
  empty: string;
}) {
  const id = `reminders-${status}`;
  const overdue = items.filter((r) => isOverdueNow(r)).length;
  return (
    <section class="card reminder-section" aria-labelledby={`${id}-title`} data-section={status}>
      <div class="card-head">
        <h2 id={`${id}-title`} class="card-title">
          {title}
          {items.length > 0 && <span class="muted small"> · {items.length}{list.nextCursor ? '+' : ''}</span>}
        </h2>
        {overdue > 0 && <p class="small reminder-overdue-note">{plural(overdue, 'overdue reminder')}</p>}
      </div>
      {list.error && !items.length ? (
        <LoadError title={`Could not load ${title.toLowerCase()} reminders`} onRetry={list.reload}>
          Check your connection and try again.
        </LoadError>
      ) : list.loading && !items.length ? (
        <Loading label="Loading reminders…" />
      ) : items.length === 0 ? (
        <p class="muted small">{empty}</p>
      ) : (
        <ul class="reminder-list">
          {items.map((r) => (
            <ReminderItem key={r.reminderId} reminder={r} onChanged={onChanged} />
          ))}
        </ul>
      )}
      {list.nextCursor && (
        <div class="list-footer">
          <LoadMore list={list} size="sm" />
        </div>
      )}
    </section>
  );
}
