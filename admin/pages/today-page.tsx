// Today: the realtor's home screen. What is due, who has not heard from them yet (and for how
// long), who turned hot since they last looked, and today's showings — each with call, text,
// email and log in place, and reminders completed or snoozed without leaving the page.
import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { errorMessage } from '../api-client.ts';
import { ContactActions } from '../components/contact-actions.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { HouseIcon } from '../components/icons.tsx';
import { NoLeadsYet } from '../components/no-leads-yet.tsx';
import { PageHeader } from '../components/layout.tsx';
import { LoadError } from '../components/load-error.tsx';
import { QuickLog } from '../components/quick-log.tsx';
import { ReminderItem } from '../components/reminder-item.tsx';
import { BandBadge } from '../components/score.tsx';
import { formatDateTimeIn, formatRelativeTime, formatTimeIn } from '../format.ts';
import { formatWaiting, leadDisplayName } from '../lead-format.ts';
import { REMINDERS_CHANGED_EVENT } from '../reminders-api.ts';
import { Link } from '../router.tsx';
import { useApi } from '../use-api.ts';
import { isLiveCatchUp, useLiveRefresh } from '../use-live-events.ts';
import { ACTIVITY_LOGGED_EVENT, type Today, workdayApi } from '../workday-api.ts';

type TodayLead = Today['uncontacted'][number];

export function TodayPage() {
  const today = useApi((signal) => workdayApi.today({ signal }), []);
  // A new account has nothing to do yet: point it at setting up a site instead of "nice work".
  const counts = useApi((signal) => workdayApi.leadCounts({ signal }), []);
  // A reminder completed or an activity logged elsewhere (or here) changes the lists: reload them.
  // (A live catch-up's is left to the live refresh below, which reloads every view once.)
  useEffect(() => {
    const reload = (e: Event) => {
      if (!isLiveCatchUp(e)) today.reload();
    };
    window.addEventListener(REMINDERS_CHANGED_EVENT, reload);
    window.addEventListener(ACTIVITY_LOGGED_EVENT, reload);
    return () => {
      window.removeEventListener(REMINDERS_CHANGED_EVENT, reload);
      window.removeEventListener(ACTIVITY_LOGGED_EVENT, reload);
    };
  }, []);
  // New leads, hot crossings and reminders falling due show up without a reload.
  useLiveRefresh(['lead.created', 'lead.updated', 'reminder.due'], () => {
    today.reload();
    counts.reload();
  });

  const data = today.data;
  const header = <PageHeader title="Today" description={data ? dateLine(data) : 'What to do now.'} actions={<Link href="/leads" class="btn btn-secondary">All leads</Link>} />;
  if (!data) {
    return (
      <div class="today-page">
        {header}
        {today.error ? (
          <LoadError title="Could not load your day" onRetry={today.reload}>
            {errorMessage(today.error)}
          </LoadError>
        ) : (
          <TodaySkeleton />
        )}
      </div>
    );
  }

  const nothing = !data.dueReminders.length && !data.uncontacted.length && !data.hotSinceLastVisit.length && !data.showingsToday.length;
  return (
    <div class={`today-page${today.loading ? ' is-refreshing' : ''}`} aria-busy={today.loading || undefined}>
      {header}
      {today.error && (
        <LoadError title="Could not refresh your day" onRetry={today.reload}>
          {errorMessage(today.error)}
        </LoadError>
      )}
      {nothing && counts.data?.total === 0 ? (
        <NoLeadsYet
          addByHand={
            <Link href="/leads" class="btn btn-secondary">
              Add a lead by hand
            </Link>
          }
        >
          <p>Your day starts here: reminders that fall due, new leads waiting for a first call, leads that turn hot and today’s showings.</p>
        </NoLeadsYet>
      ) : nothing ? (
        <EmptyState icon={<HouseIcon />} title="Nothing due — nice work" action={<Link href="/leads" class="btn btn-secondary">Go to your leads</Link>}>
          <p>No reminders due, everyone has heard from you, and no lead turned hot since your last visit.</p>
        </EmptyState>
      ) : (
        <div class="today-grid">
          <TodaySection id="today-due" title="Due reminders" count={data.dueReminders.length} empty="No reminders due today.">
            <ul class="reminder-list today-list">
              {data.dueReminders.map((r) => (
                <ReminderItem key={r.reminderId} reminder={r} onChanged={() => today.reload()} />
              ))}
            </ul>
          </TodaySection>

          <TodaySection
            id="today-uncontacted"
            title="Not contacted yet"
            count={data.uncontactedCount}
            empty="Everyone has heard from you."
            note={data.uncontactedCount > data.uncontacted.length ? `The ${data.uncontacted.length} who have waited longest.` : 'Longest waiting first.'}
          >
            <ul class="today-list">
              {data.uncontacted.map((lead) => (
                <TodayLeadItem key={lead.leadId} lead={lead} detail={<span class="today-waiting">Waiting {formatWaiting(lead.waitingSeconds)}</span>} />
              ))}
            </ul>
          </TodaySection>

          <TodaySection id="today-hot" title="Turned hot" count={data.hotSinceLastVisit.length} empty="No lead turned hot since your last visit." note={`Since ${formatRelativeTime(data.hotSince)}.`}>
            <ul class="today-list">
              {data.hotSinceLastVisit.map((lead) => (
                <TodayLeadItem key={lead.leadId} lead={lead} detail={<span>Hot {formatRelativeTime(lead.turnedHotAt)}</span>} />
              ))}
            </ul>
          </TodaySection>

          <TodaySection id="today-showings" title="Showings today" count={data.showingsToday.length} empty="No showings today.">
            <ul class="today-list">
              {data.showingsToday.map((s) => (
                <TodayLeadItem
                  key={s.activityId}
                  lead={s.lead}
                  detail={
                    <span>
                      {/* In the realtor's zone, as the header says ("times for …"), not the browser's. */}
                      <time dateTime={s.occurredAt} title={formatDateTimeIn(s.occurredAt, data.timeZone)}>
                        {formatTimeIn(s.occurredAt, data.timeZone)}
                      </time>
                      {s.body ? ` · ${s.body}` : ''}
                    </span>
                  }
                />
              ))}
            </ul>
          </TodaySection>
        </div>
      )}
    </div>
  );
}

function dateLine(data: Today): string {
  const [y, m, d] = data.date.split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d)).toLocaleDateString('en', { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' });
  return `${day} · times for ${data.timeZone.replace(/_/g, ' ')}`;
}

function TodaySection({ id, title, count, empty, note, children }: { id: string; title: string; count: number; empty: string; note?: string; children: ComponentChildren }) {
  return (
    <section class="card today-section" aria-labelledby={id} id={`${id}-section`}>
      <h2 id={id} class="card-title today-section-title">
        {title} <span class="today-count">{count}</span>
      </h2>
      {count === 0 ? (
        <p class="muted small">{empty}</p>
      ) : (
        <>
          {note && <p class="muted small today-note">{note}</p>}
          {children}
        </>
      )}
    </section>
  );
}

function TodayLeadItem({ lead, detail }: { lead: Omit<TodayLead, 'waitingSeconds'>; detail: ComponentChildren }) {
  const name = leadDisplayName(lead);
  return (
    <li class="today-item" data-lead-id={lead.leadId}>
      <div class="today-item-main">
        <Link href={`/leads/${lead.leadId}`} class="today-item-name">
          {name}
        </Link>
        <BandBadge band={lead.scoreBand} />
        <span class="muted small today-item-detail">{detail}</span>
      </div>
      <div class="today-item-actions">
        <ContactActions lead={lead} compact label={name} />
        <QuickLog leadId={lead.leadId} leadName={name} />
      </div>
    </li>
  );
}

function TodaySkeleton() {
  return (
    <div class="today-grid" role="status" aria-label="Loading your day…">
      {Array.from({ length: 4 }, (_, i) => (
        <div key={i} class="card today-section" aria-hidden="true">
          <span class="skeleton skeleton-text" />
          <div class="skeleton-row">
            <span class="skeleton skeleton-text" />
            <span class="skeleton skeleton-pill" />
          </div>
          <div class="skeleton-row">
            <span class="skeleton skeleton-text" />
            <span class="skeleton skeleton-pill" />
          </div>
        </div>
      ))}
      <span class="visually-hidden">Loading your day…</span>
    </div>
  );
}
