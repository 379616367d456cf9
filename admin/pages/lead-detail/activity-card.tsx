// The activity card: a lead's events and inquiries, newest first, a page at a time ("Load older").
import { errorMessage, leadsApi, type TimelineItem } from '../../api-client.ts';
import { LoadError } from '../../components/load-error.tsx';
import { LoadMore } from '../../components/load-more.tsx';
import { Loading } from '../../components/spinner.tsx';
import { formatDateTime, formatRelativeTime } from '../../format.ts';
import { describeTimelineItem, safeHttpUrl } from '../../lead-format.ts';
import { useCursorList } from '../../use-cursor-list.ts';

const itemKey = (item: TimelineItem) => `${item.kind}:${item.id}`;

/** `reloadKey`: bump it to load the newest page again (after adding an inquiry). */
export function ActivityCard({ leadId, reloadKey }: { leadId: string; reloadKey: number }) {
  return (
    <section class="card" aria-labelledby="timeline-title">
      <h2 id="timeline-title" class="card-title">
        Activity
      </h2>
      <LeadTimeline leadId={leadId} reloadKey={reloadKey} />
    </section>
  );
}

function LeadTimeline({ leadId, reloadKey }: { leadId: string; reloadKey: number }) {
  const list = useCursorList(`${leadId}:${reloadKey}`, (cursor, signal) => leadsApi.timeline(leadId, cursor, { signal }), itemKey);
  const { items } = list;

  if (list.loading && items.length === 0) return <Loading label="Loading activity…" />;
  if (list.error && items.length === 0) {
    return (
      <LoadError title="Could not load the activity" onRetry={list.reload}>
        {errorMessage(list.error)}
      </LoadError>
    );
  }
  if (items.length === 0) return <p class="muted">No activity yet.</p>;
  return (
    <>
      <ol class="timeline">
        {items.map((item) => (
          <TimelineEntry key={itemKey(item)} item={item} />
        ))}
      </ol>
      <div class="list-footer">
        <LoadMore list={list} size="sm" label="Load older" end={<p class="muted small">That’s the whole history.</p>} />
      </div>
    </>
  );
}

function TimelineEntry({ item }: { item: TimelineItem }) {
  const url = safeHttpUrl(item.pageUrl);
  const isInquiry = item.kind === 'inquiry';
  return (
    <li class={`timeline-item timeline-${isInquiry ? 'inquiry' : 'event'}`}>
      <span class="timeline-dot" aria-hidden="true" />
      <div class="timeline-body">
        <p class="timeline-title">{describeTimelineItem(item)}</p>
        {isInquiry && item.message && <blockquote class="timeline-message">{item.message}</blockquote>}
        {isInquiry && item.listingRef && <p class="timeline-meta">About listing {item.listingRef}</p>}
        {item.pageUrl && (
          <p class="timeline-meta timeline-url">
            {url ? (
              <a href={url} target="_blank" rel="noopener noreferrer">
                {item.pageUrl}
              </a>
            ) : (
              item.pageUrl
            )}
          </p>
        )}
        <p class="timeline-meta">
          <time dateTime={item.at}>
            {formatRelativeTime(item.at)} · {formatDateTime(item.at)}
          </time>
        </p>
      </div>
    </li>
  );
}
