// A lead's events and inquiries, newest first, a page at a time ("Load older").
import { useEffect, useState } from 'preact/hooks';
import { errorMessage, leadsApi, type TimelineItem } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { Loading } from '../components/spinner.tsx';
import { formatDateTime, formatRelativeTime } from '../format.ts';
import { describeTimelineItem, safeHttpUrl } from '../lead-format.ts';

export function LeadTimeline({ leadId, reloadKey }: { leadId: string; reloadKey: number }) {
  const [items, setItems] = useState<TimelineItem[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<'loading' | 'ready' | 'error'>('loading');
  const [error, setError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [olderError, setOlderError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    if (items.length === 0) setState('loading');
    leadsApi.timeline(leadId, null, { signal: controller.signal }).then(
      (page) => {
        if (controller.signal.aborted) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setState('ready');
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        setError(errorMessage(err));
        setState('error');
      },
    );
    return () => controller.abort();
  }, [leadId, reloadKey, tick]);

  const loadOlder = async () => {
    if (!cursor) return;
    setLoadingOlder(true);
    setOlderError(null);
    try {
      const page = await leadsApi.timeline(leadId, cursor);
      setItems((list) => {
        const seen = new Set(list.map((i) => `${i.kind}:${i.id}`));
        return [...list, ...page.items.filter((i) => !seen.has(`${i.kind}:${i.id}`))];
      });
      setCursor(page.nextCursor);
    } catch (err) {
      setOlderError(errorMessage(err));
    } finally {
      setLoadingOlder(false);
    }
  };

  if (state === 'loading') return <Loading label="Loading activity…" />;
  if (state === 'error' && items.length === 0) {
    return (
      <div class="form-error" role="alert">
        <p class="form-error-title">Could not load the activity</p>
        <p>{error}</p>
        <Button variant="secondary" size="sm" onClick={() => setTick((n) => n + 1)}>
          Try again
        </Button>
      </div>
    );
  }
  if (items.length === 0) return <p class="muted">No activity yet.</p>;
  return (
    <>
      <ol class="timeline">
        {items.map((item) => (
          <TimelineEntry key={`${item.kind}:${item.id}`} item={item} />
        ))}
      </ol>
      <div class="list-footer">
        {cursor ? (
          <Button variant="secondary" size="sm" onClick={loadOlder} loading={loadingOlder}>
            {loadingOlder ? 'Loading…' : 'Load older'}
          </Button>
        ) : (
          <p class="muted small">That’s the whole history.</p>
        )}
        {olderError && (
          <p class="field-error" role="alert">
            {olderError}
          </p>
        )}
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
