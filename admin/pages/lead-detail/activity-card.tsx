// The timeline card: the lead's story, newest first, a page at a time ("Load older") — visits
// (a visitor's events less than 30 minutes apart, expandable), inquiries, and what the realtor
// and Porchlight did (calls, notes, status and stage changes, reminders) with who did it. Your
// own logged entries can be edited or deleted (with confirmation) in place.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { LOGGED_ACTIVITY_TYPES } from '#core/shared/enums.ts';
import { groupIntoVisits, summariseVisit, type Visit } from '#core/shared/timeline-visits.ts';
import { errorMessage, leadsApi, type TimelineItem, useSession } from '../../api-client.ts';
import { Button } from '../../components/button.tsx';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { LoadError } from '../../components/load-error.tsx';
import { LoadMore } from '../../components/load-more.tsx';
import { Loading } from '../../components/spinner.tsx';
import { showToast } from '../../components/toast.tsx';
import { formatDateTime, formatRelativeTime } from '../../format.ts';
import { describeTimelineItem, safeHttpUrl } from '../../lead-format.ts';
import { REMINDERS_CHANGED_EVENT } from '../../reminders-api.ts';
import { activityFootnote, describeActivity, describeActor, describeEvent, formatProps, shortUrl } from '../../timeline-story.ts';
import { useCursorList } from '../../use-cursor-list.ts';
import { ACTIVITIES_CHANGED_EVENT, deleteLeadActivity, updateLeadActivity } from './activity-api.ts';
import { ActivityForm } from './activity-form.tsx';
import './lead-activity.css';

const itemKey = (item: TimelineItem) => `${item.kind}:${item.id}`;

export function ActivityCard({ leadId }: { leadId: string }) {
  return (
    <section class="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title" class="card-title">
        Timeline
      </h2>
      <LeadTimeline leadId={leadId} />
    </section>
  );
}

function LeadTimeline({ leadId }: { leadId: string }) {
  const list = useCursorList(leadId, (cursor, signal) => leadsApi.timeline(leadId, cursor, { signal }), itemKey);
  // Activities, added inquiries and reminder changes land on the timeline: load again every page
  // shown, so older entries brought by "Load older" stay.
  const refresh = list.refresh;
  useEffect(() => {
    window.addEventListener(ACTIVITIES_CHANGED_EVENT, refresh);
    window.addEventListener(REMINDERS_CHANGED_EVENT, refresh);
    return () => {
      window.removeEventListener(ACTIVITIES_CHANGED_EVENT, refresh);
      window.removeEventListener(REMINDERS_CHANGED_EVENT, refresh);
    };
  }, [refresh]);
  const { items } = list;
  const entries = useMemo(() => groupIntoVisits(items), [items]);
  const userId = useSession()?.user.userId ?? null;

  if (list.loading && items.length === 0) return <Loading label="Loading the timeline…" />;
  if (list.error && items.length === 0) {
    return (
      <LoadError title="Could not load the timeline" onRetry={list.reload}>
        {errorMessage(list.error)}
      </LoadError>
    );
  }
  if (items.length === 0) return <p class="muted">Nothing yet. Visits, inquiries and what you log will show here.</p>;
  return (
    <>
      <ol class="timeline" aria-busy={list.loading || undefined}>
        {entries.map((entry) =>
          entry.kind === 'visit' ? (
            entry.events.length === 1 ? (
              <EventEntry key={entry.key} item={entry.events[0]} />
            ) : (
              <VisitEntry key={entry.key} visit={entry} />
            )
          ) : entry.item.kind === 'activity' ? (
            <ActivityEntry key={entry.key} item={entry.item} leadId={leadId} userId={userId} />
          ) : (
            <InquiryEntry key={entry.key} item={entry.item} />
          ),
        )}
      </ol>
      <div class="list-footer">
        <LoadMore list={list} size="sm" label="Load older" end={<p class="muted small">That’s the whole history.</p>} />
      </div>
    </>
  );
}

function When({ at }: { at: string }) {
  return (
    <time dateTime={at} title={formatDateTime(at)}>
      {formatRelativeTime(at)} · {formatDateTime(at)}
    </time>
  );
}

/** A page URL as a link showing only its path (the full URL in the title). */
function PageLink({ url }: { url: string | null }) {
  if (!url) return null;
  const href = safeHttpUrl(url);
  const text = shortUrl(url);
  return (
    <p class="timeline-meta timeline-url">
      {href ? (
        <a href={href} target="_blank" rel="noopener noreferrer" title={url}>
          {text}
        </a>
      ) : (
        text
      )}
    </p>
  );
}

function EventLines({ item }: { item: TimelineItem }) {
  const props = formatProps(item.props);
  return (
    <>
      <PageLink url={item.pageUrl} />
      {props && <p class="timeline-meta">{props}</p>}
    </>
  );
}

function EventEntry({ item }: { item: TimelineItem }) {
  return (
    <li class="timeline-item timeline-event">
      <span class="timeline-dot" aria-hidden="true" />
      <div class="timeline-body">
        <p class="timeline-title">{describeEvent(item)}</p>
        <EventLines item={item} />
        <p class="timeline-meta">
          <When at={item.at} />
        </p>
      </div>
    </li>
  );
}

/** What the visitor did besides viewing pages, oldest first, each once ("Used mortgage calculator · Requested a showing of …"). */
function visitActions(visit: Visit<TimelineItem>): string | null {
  const seen = new Set<string>();
  for (const e of [...visit.events].reverse()) if (e.eventType !== 'page_view') seen.add(describeEvent(e));
  const list = [...seen];
  if (list.length === 0) return null;
  return list.length > 3 ? `${list.slice(0, 3).join(' · ')} · +${list.length - 3} more` : list.join(' · ');
}

function VisitEntry({ visit }: { visit: Visit<TimelineItem> }) {
  return (
    <li class="timeline-item timeline-visit">
      <span class="timeline-dot" aria-hidden="true" />
      <div class="timeline-body">
        <details class="visit-details">
          <summary>
            <p class="timeline-title">{summariseVisit(visit)}</p>
            {visitActions(visit) && <p class="timeline-meta visit-actions">{visitActions(visit)}</p>}
            <p class="timeline-meta">
              <When at={visit.endAt} />
            </p>
          </summary>
          <ul class="visit-events">
            {[...visit.events].reverse().map((e) => {
              const image = safeHttpUrl(e.listingImageUrl);
              return (
                <li key={e.id}>
                  {image && <img class="visit-thumb" src={image} alt="" loading="lazy" referrerpolicy="no-referrer" />}
                  <div class="visit-event-text">
                    <p>
                      <time dateTime={e.at} class="muted small">
                        {new Date(e.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
                      </time>{' '}
                      <span class="visit-event-title">{describeEvent(e)}</span>
                    </p>
                    <EventLines item={e} />
                  </div>
                </li>
              );
            })}
          </ul>
        </details>
      </div>
    </li>
  );
}

function InquiryEntry({ item }: { item: TimelineItem }) {
  const listing = item.listingTitle?.trim() || item.listingRef;
  return (
    <li class="timeline-item timeline-inquiry">
      <span class="timeline-dot" aria-hidden="true" />
      <div class="timeline-body">
        <p class="timeline-title">{describeTimelineItem(item)}</p>
        {item.message && <blockquote class="timeline-message">{item.message}</blockquote>}
        {listing && <p class="timeline-meta">About {listing}</p>}
        <PageLink url={item.pageUrl} />
        <p class="timeline-meta">
          <When at={item.at} />
        </p>
      </div>
    </li>
  );
}

function ActivityEntry({ item, leadId, userId }: { item: TimelineItem; leadId: string; userId: string | null }) {
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  const recorded = !(LOGGED_ACTIVITY_TYPES as readonly string[]).includes(item.activityType ?? '');
  const actor = describeActor(item, userId);
  const footnote = activityFootnote(item);
  const title = describeActivity(item);

  const remove = async () => {
    setDeleting(true);
    setDeleteError(null);
    try {
      await deleteLeadActivity(leadId, item.id);
      setConfirming(false);
      showToast('Entry deleted.');
    } catch (err) {
      setDeleteError(errorMessage(err));
    } finally {
      setDeleting(false);
    }
  };

  return (
    <li class={`timeline-item ${recorded ? 'timeline-recorded' : 'timeline-activity'}`}>
      <span class="timeline-dot" aria-hidden="true" />
      <div class="timeline-body">
        {editing ? (
          <ActivityForm
            entry={{ type: item.activityType as 'call', outcome: item.outcome, body: item.body, occurredAt: item.at }}
            submitLabel="Save changes"
            onCancel={() => setEditing(false)}
            onSubmit={async (v) => {
              await updateLeadActivity(leadId, item.id, { type: v.type, outcome: v.outcome, body: v.body, occurredAt: v.occurredAt });
              setEditing(false);
              showToast('Entry updated.');
            }}
          />
        ) : (
          <>
            <p class="timeline-title">{title}</p>
            {item.body && <blockquote class="timeline-body-text">{item.body}</blockquote>}
            {footnote && <p class="timeline-meta">{footnote}</p>}
            <p class="timeline-meta">
              <When at={item.at} />
              {actor && ` · ${actor}`}
            </p>
            {item.editable && (
              <div class="timeline-actions">
                <Button variant="ghost" size="sm" onClick={() => setEditing(true)} aria-label={`Edit “${title}”`}>
                  Edit
                </Button>
                <Button variant="ghost" size="sm" onClick={() => setConfirming(true)} aria-label={`Delete “${title}”`}>
                  Delete
                </Button>
              </div>
            )}
          </>
        )}
        {item.editable && (
          <ConfirmDialog
            open={confirming}
            title="Delete this entry?"
            confirmLabel="Delete entry"
            danger
            busy={deleting}
            error={deleteError}
            onConfirm={remove}
            onCancel={() => {
              setConfirming(false);
              setDeleteError(null);
            }}
          >
            <p>
              “{title}” from {formatDateTime(item.at)} will be removed from the timeline.
              {item.activityType !== 'note' && ' The lead’s last-contacted time is recomputed; reminders it completed stay done.'}
            </p>
          </ConfirmDialog>
        )}
      </div>
    </li>
  );
}
