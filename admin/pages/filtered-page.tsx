// Filtered inquiries (docs/inquiry-flood.md): form submissions held back while a site received
// more inquiries than its budget allows (someone flooding its form). They made no lead, score,
// alert or webhook. The realtor releases the real ones (they become normal inquiries then) and
// deletes the rest, one by one or all at once.
import { useEffect, useState } from 'preact/hooks';
import { errorMessage } from '../api-client.ts';
import { Badge } from '../components/badge.tsx';
import { Button } from '../components/button.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { HouseIcon } from '../components/icons.tsx';
import { PageHeader } from '../components/layout.tsx';
import { LoadError } from '../components/load-error.tsx';
import { LoadMore } from '../components/load-more.tsx';
import { Loading } from '../components/spinner.tsx';
import { showToast } from '../components/toast.tsx';
import { type FilteredInquiry, filteredApi } from '../form-reports-api.ts';
import { formatDateTime, formatRelativeTime, plural } from '../format.ts';
import { Link } from '../router.tsx';
import { useCursorList } from '../use-cursor-list.ts';

type Pending = { kind: 'one'; item: FilteredInquiry } | { kind: 'all' };

const who = (f: FilteredInquiry) => f.name || f.email || f.phone || 'Someone';

/**
 * Focuses the first item of `ids` still on the page (its first enabled button, else its link), or
 * the page's heading: the pressed Release or Delete button is gone, and focus must not fall to
 * <body> (a keyboard user would start over at the top of the page).
 */
function focusNear(ids: string[]): void {
  for (const id of ids) {
    const target = document.querySelector<HTMLElement>(`[data-filtered-id="${CSS.escape(id)}"] :is(button:not([disabled]), a[href])`);
    if (target) {
      target.focus();
      return;
    }
  }
  document.querySelector<HTMLElement>('.page-title')?.focus();
}

export function FilteredPage() {
  const [reloadKey, setReloadKey] = useState(0);
  const listKey = `filtered:${reloadKey}`;
  /** What the first page said when it was read: how many were held, and the newest one's time. */
  const [shown, setShown] = useState<{ total: number; newestAt: string } | null>(null);
  const list = useCursorList(
    listKey,
    async (cursor, signal) => {
      const page = await filteredApi.list(cursor, { signal });
      if (!cursor) setShown(page.items.length ? { total: page.total, newestAt: page.items[0].receivedAt } : null);
      return page;
    },
    (f) => f.filteredInquiryId,
  );
  /** Released here: id → the lead it became (shown in place until the next reload). */
  const [released, setReleased] = useState<Record<string, string | null>>({});
  const [busy, setBusy] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);
  /**
   * Where focus goes once an action is over and the list shows `key` (after a delete, the reloaded
   * list): the first of `ids` still shown, else the heading.
   */
  const [focusAfter, setFocusAfter] = useState<{ ids: string[]; key: string } | null>(null);

  useEffect(() => {
    if (!focusAfter || busy !== null || list.loading || list.key !== focusAfter.key) return;
    // Only focus that was lost: the dialog may have put it back on a button that is still there
    // ("Delete all…" when more arrived), or the realtor moved on meanwhile.
    if (!document.activeElement || document.activeElement === document.body) focusNear(focusAfter.ids);
    setFocusAfter(null);
  }, [focusAfter, busy, list.loading, list.key]);

  /** The ids after `id` in the list, then those before it, nearest first. */
  const around = (id: string, among: FilteredInquiry[]) => {
    const ids = among.map((f) => f.filteredInquiryId);
    const at = ids.indexOf(id);
    return at < 0 ? ids : [...ids.slice(at + 1), ...ids.slice(0, at).reverse()];
  };

  const release = async (f: FilteredInquiry) => {
    setBusy(f.filteredInquiryId);
    try {
      const result = await filteredApi.release(f.filteredInquiryId);
      setReleased((r) => ({ ...r, [f.filteredInquiryId]: result.leadId }));
      showToast(`Released the inquiry from ${who(f)}: it is a normal inquiry now.`);
      // On to the next one waiting; when none is left, this item's "Open the lead".
      setFocusAfter({ ids: [...around(f.filteredInquiryId, list.items.filter((i) => i === f || !(i.filteredInquiryId in released))), f.filteredInquiryId], key: listKey });
    } catch (err) {
      showToast(`Could not release it: ${errorMessage(err)}`, 'error');
      setFocusAfter({ ids: [f.filteredInquiryId], key: listKey });
    } finally {
      setBusy(null);
    }
  };

  const confirmDelete = async () => {
    if (!pending) return;
    setBusy(pending.kind === 'one' ? pending.item.filteredInquiryId : 'all');
    setDeleteError(null);
    try {
      if (pending.kind === 'one') {
        await filteredApi.remove(pending.item.filteredInquiryId);
        showToast(`Deleted the inquiry from ${who(pending.item)}.`);
        setFocusAfter({ ids: around(pending.item.filteredInquiryId, list.items), key: `filtered:${reloadKey + 1}` });
      } else if (shown) {
        // Only what the list showed: submissions that arrived since (a flood goes on) are kept.
        const { deleted } = await filteredApi.removeAll(shown.newestAt);
        showToast(`Deleted ${plural(deleted, 'filtered inquiry', 'filtered inquiries')}.`);
        setFocusAfter({ ids: [], key: `filtered:${reloadKey + 1}` });
      }
      setPending(null);
      setReleased({});
      setReloadKey((n) => n + 1);
    } catch (err) {
      setDeleteError(errorMessage(err));
    } finally {
      setBusy(null);
    }
  };

  const waiting = list.items.filter((f) => !(f.filteredInquiryId in released));
  return (
    <>
      <PageHeader
        title="Filtered inquiries"
        description="Form submissions held back while a site received more inquiries than usual — someone may be flooding its form. They made no lead, alert or webhook. Release the real ones; delete the rest."
        actions={
          waiting.length > 0 && (
            <Button variant="secondary" disabled={busy !== null} onClick={() => setPending({ kind: 'all' })}>
              Delete all…
            </Button>
          )
        }
      />
      <section class="card" aria-labelledby="filtered-title">
        <h2 id="filtered-title" class="visually-hidden">
          Held submissions
        </h2>
        {list.error && !list.items.length ? (
          <LoadError title="Could not load the filtered inquiries" onRetry={list.reload}>
            {errorMessage(list.error)}
          </LoadError>
        ) : list.loading && !list.items.length ? (
          <Loading label="Loading filtered inquiries…" />
        ) : list.items.length === 0 ? (
          <EmptyState icon={<HouseIcon />} title="Nothing filtered">
            <p>When one of your sites receives more inquiries in ten minutes than it normally could, the extra ones wait here instead of being refused.</p>
          </EmptyState>
        ) : (
          <ul class="form-report-list">
            {list.items.map((f) => (
              <FilteredItem
                key={f.filteredInquiryId}
                item={f}
                released={f.filteredInquiryId in released}
                leadId={released[f.filteredInquiryId] ?? null}
                busy={busy}
                onRelease={() => release(f)}
                onDelete={() => setPending({ kind: 'one', item: f })}
              />
            ))}
          </ul>
        )}
        {list.nextCursor && (
          <div class="list-footer">
            <LoadMore list={list} size="sm" />
          </div>
        )}
      </section>
      <ConfirmDialog
        open={pending !== null}
        title={pending?.kind === 'all' ? `Delete ${shown ? plural(shown.total - Object.keys(released).length, 'filtered inquiry', 'filtered inquiries') : 'every filtered inquiry'}?` : 'Delete this filtered inquiry?'}
        confirmLabel={pending?.kind === 'all' ? 'Delete all' : 'Delete'}
        danger
        busy={busy !== null && pending !== null}
        error={deleteError}
        onConfirm={confirmDelete}
        onCancel={() => {
          setPending(null);
          setDeleteError(null);
        }}
      >
        {pending?.kind === 'all' ? (
          <p>
            {shown ? `${plural(shown.total - Object.keys(released).length, 'held submission', 'held submissions')} received up to ${formatDateTime(shown.newestAt)}` : 'Every held submission'}{' '}
            will be erased for good; any that arrive after that are kept. This can’t be undone. Release any real inquiry first.
          </p>
        ) : (
          <p>The inquiry from {pending ? who(pending.item) : ''} is erased for good. This can’t be undone.</p>
        )}
      </ConfirmDialog>
    </>
  );
}

function FilteredItem({ item: f, released, leadId, busy, onRelease, onDelete }: {
  item: FilteredInquiry; released: boolean; leadId: string | null; busy: string | null; onRelease(): void; onDelete(): void;
}) {
  const contact = [f.email, f.phone].filter(Boolean).join(' · ');
  return (
    <li class="filtered-item" data-filtered-id={f.filteredInquiryId}>
      <p>
        <strong>{f.name || contact || 'No name'}</strong>
        {f.name && contact && <span class="muted"> · {contact}</span>}
      </p>
      <p class="small muted">
        <time dateTime={f.receivedAt} title={formatDateTime(f.receivedAt)}>
          {formatRelativeTime(f.receivedAt)}
        </time>
        {f.siteName && <> · {f.siteName}</>}
        {f.listingRef && <> · about listing {f.listingRef}</>}
      </p>
      <p class="filtered-message">{f.message}</p>
      {f.consentAt && <p class="small muted">Consent given{f.consentText ? `: “${f.consentText}”` : ''}</p>}
      <div class="form-report-actions">
        {released ? (
          <>
            <Badge tone="success">Released</Badge>
            {leadId && (
              <Link href={`/leads/${leadId}`} class="small">
                Open the lead
              </Link>
            )}
          </>
        ) : (
          <>
            <Button size="sm" loading={busy === f.filteredInquiryId} disabled={busy !== null} onClick={onRelease} aria-label={`Release the inquiry from ${who(f)}`}>
              Release
            </Button>
            <Button size="sm" variant="ghost" disabled={busy !== null} onClick={onDelete} aria-label={`Delete the inquiry from ${who(f)}`}>
              Delete
            </Button>
          </>
        )}
      </div>
    </li>
  );
}
