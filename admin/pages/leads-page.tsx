// The realtor's lead list. Filters live in the URL (reload, Back and leaving a lead keep them);
// pages are fetched by keyset cursor and appended, so only what was loaded is ever rendered —
// the server sorts and filters, whatever the number of leads. Wide screens get a table (whole rows
// open the lead; sortable headers where an index serves the sort); below 640 px each lead is a
// card with tap-to-call / text / email, and the filters fold into a "Filters" control.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { CONTACT_ACTIVITY_TYPES } from '#core/shared/enums.ts';
import { errorMessage, type Lead, type LeadFilters, type LeadSort, leadsApi, leadsPath, type ScoreBand, type Site, sitesApi } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { BulkBar } from '../components/bulk-bar.tsx';
import { ContactActions, PhoneLink } from '../components/contact-actions.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { OnboardingCard } from '../components/onboarding-card.tsx';
import { FilterSelect } from '../components/filter-select.tsx';
import { SearchIcon } from '../components/icons.tsx';
import { PageHeader } from '../components/layout.tsx';
import { LoadError } from '../components/load-error.tsx';
import { LoadMore } from '../components/load-more.tsx';
import { NoLeadsYet } from '../components/no-leads-yet.tsx';
import { QuickLog } from '../components/quick-log.tsx';
import { BandBadge, ScoreMeter } from '../components/score.tsx';
import { Spinner } from '../components/spinner.tsx';
import { showToast } from '../components/toast.tsx';
import { formatDateTime, formatRelativeTime, plural } from '../format.ts';
import { isLeadStatus, isScoreBand, LEAD_STATUSES, leadDisplayName, SCORE_BANDS, statusLabel } from '../lead-format.ts';
import { rememberLeadsPath } from '../leads-list-memory.ts';
import { importApi } from '../import-api.ts';
import { REMINDERS_CHANGED_EVENT } from '../reminders-api.ts';
import { Link, navigate, type RouteProps } from '../router.tsx';
import { useApi } from '../use-api.ts';
import { useCursorList } from '../use-cursor-list.ts';
import { isLiveCatchUp, useLiveRefresh } from '../use-live-events.ts';
import { type Activity, workdayApi } from '../workday-api.ts';
import { AddLeadForm } from './add-lead-form.tsx';

const SEARCH_DEBOUNCE_MS = 300;
const SORTS: ReadonlyArray<{ value: LeadSort; label: string }> = [
  { value: 'score', label: 'Highest score' },
  { value: 'last_activity', label: 'Latest activity' },
  { value: 'created', label: 'Newest' },
  { value: 'score_asc', label: 'Lowest score' },
  { value: 'created_asc', label: 'Oldest' },
];
/** The ascending twin of a descending sort, where an index serves it (not last activity: undated leads). */
const ASCENDING: Partial<Record<LeadSort, LeadSort>> = { score: 'score_asc', created: 'created_asc' };
const CONTACT_TYPES: ReadonlySet<string> = new Set(CONTACT_ACTIVITY_TYPES);

/** A lead as the list shows it (lastContactedAt, nextFollowUpAt and stage come with the lead JSON). */
export type ListLead = Lead;

/** The filters in the URL; unknown values are ignored rather than sent. */
export function readLeadFilters(query: URLSearchParams): LeadFilters {
  const band = query.get('band');
  const status = query.get('status');
  const sort = query.get('sort');
  return {
    band: isScoreBand(band) ? band : undefined,
    status: isLeadStatus(status) ? status : undefined,
    site: query.get('site') || undefined,
    q: query.get('q') || undefined,
    sort: SORTS.some((s) => s.value === sort) ? (sort as LeadSort) : 'score',
    importId: query.get('importId') || undefined,
  };
}

/** A click on a row or card opens the lead, unless it landed on something with its own action. */
function openLeadFromClick(e: MouseEvent, leadId: string): void {
  const target = e.target as HTMLElement | null;
  if (target?.closest('a, button, input, label, select, textarea, fieldset, form, .menu')) return;
  if (window.getSelection()?.toString()) return; // selecting text to copy is not a click on the row
  if (e.metaKey || e.ctrlKey) {
    window.open(`/app/leads/${encodeURIComponent(leadId)}`, '_blank', 'noopener');
    return;
  }
  navigate(`/leads/${leadId}`);
}

export function LeadsPage({ query }: RouteProps) {
  const filters = readLeadFilters(query);
  const key = leadsPath(filters);
  const hasFilters = Boolean(filters.band || filters.status || filters.site || filters.q || filters.importId);
  const sites = useApi((signal) => sitesApi.list({ signal }), []);
  const siteList = sites.data?.items ?? [];
  const siteNames = useMemo(() => new Map(siteList.map((s) => [s.siteId, s.name])), [sites.data]);
  const counts = useApi((signal) => workdayApi.leadCounts({ signal }), []);
  const [adding, setAdding] = useState(false);
  const list = useCursorList(key, (cursor, signal) => leadsApi.list(filters, cursor, { signal }), (lead) => lead.leadId);
  // Local changes since the page loaded (a logged call, a bulk stage change) and removed leads.
  const [patches, setPatches] = useState<Record<string, Partial<ListLead>>>({});
  const [removed, setRemoved] = useState<Set<string>>(new Set());
  const [selected, setSelected] = useState<Set<string>>(new Set());
  useEffect(() => {
    rememberLeadsPath(key);
    setSelected(new Set());
  }, [key]);
  // New leads and scores appear without a reload (and the band counts follow).
  // Every page shown loads again, so the leads "Load more" brought stay.
  useLiveRefresh(['lead.created', 'lead.updated'], () => {
    list.refresh();
    counts.reload();
  });
  // The Follow-up column is the lead's soonest open reminder: a logged contact closes its automatic
  // one on the server, a bulk "Remind" adds one, a reminder is completed elsewhere. Each announces
  // REMINDERS_CHANGED_EVENT (a logged activity too, after it): the rows shown load again. A live
  // catch-up's (a reset, a stream open again) is left to the live refresh above: once is enough.
  const refreshList = list.refresh;
  useEffect(() => {
    const onChanged = (e: Event) => {
      if (!isLiveCatchUp(e)) refreshList();
    };
    window.addEventListener(REMINDERS_CHANGED_EVENT, onChanged);
    return () => window.removeEventListener(REMINDERS_CHANGED_EVENT, onChanged);
  }, [refreshList]);

  // Read when the change lands, not when it was asked for: the search box's debounce fires 300 ms
  // after the keystroke, and a chip tapped meanwhile must not be undone by it.
  const latestFilters = useRef(filters);
  latestFilters.current = filters;
  const setFilters = (patch: Partial<LeadFilters>, opts: { replace?: boolean } = {}) => navigate(leadsPath({ ...latestFilters.current, ...patch }), opts);
  const clearFilters = () => navigate(leadsPath({ sort: filters.sort }));

  const items: ListLead[] = list.items.filter((l) => !removed.has(l.leadId)).map((l) => ({ ...l, ...patches[l.leadId] }));
  const firstLoad = list.loading && (list.key !== key || list.items.length === 0) && list.error === null;
  const showingStale = list.loading && list.key === key && list.items.length > 0;

  // Shown at once; the refresh that follows (REMINDERS_CHANGED_EVENT) brings the rest of the row.
  const onLogged = (lead: ListLead, activity: Activity) => {
    if (!CONTACT_TYPES.has(activity.type)) return;
    setPatches((p) => ({ ...p, [lead.leadId]: { ...p[lead.leadId], lastContactedAt: activity.occurredAt } }));
  };
  const toggle = (leadId: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(leadId);
      else next.delete(leadId);
      return next;
    });
  const toggleAll = (on: boolean) => setSelected(on ? new Set(items.map((l) => l.leadId)) : new Set());

  return (
    <div class="leads-page">
      <PageHeader
        title="Leads"
        description="Everyone who asked about a home, hottest first. Scores rise with activity on your sites and fade as it ages."
        actions={
          <>
            <a class="btn btn-secondary" href={leadsApi.exportCsvHref(filters)} download="porchlight-leads.csv">
              {/* One flex item: the button's gap would otherwise stand between the two words. */}
              <span>
                Export<span class="wide-only"> CSV</span>
              </span>
            </a>
            <Link href="/leads/import" class="btn btn-secondary">
              Import
            </Link>
            {!adding && (
              <Button onClick={() => setAdding(true)}>
                <span aria-hidden="true">+ </span>Add lead
              </Button>
            )}
          </>
        }
      />

      {adding && (
        <section class="card" aria-labelledby="add-lead-title">
          <h2 id="add-lead-title" class="card-title">
            Add a lead
          </h2>
          <AddLeadForm
            sites={siteList}
            onCancel={() => setAdding(false)}
            onCreated={(lead) => {
              setAdding(false);
              showToast(`Added ${leadDisplayName(lead)}.`);
              navigate(`/leads/${lead.leadId}`);
            }}
          />
        </section>
      )}

      {filters.importId && <ImportFilterNote importId={filters.importId} onClear={() => setFilters({ importId: undefined })} />}

      <LeadFiltersBar
        filters={filters}
        sites={siteList}
        onChange={setFilters}
        hasFilters={hasFilters}
        onClear={clearFilters}
        counts={counts.data ? { total: counts.data.total, ...counts.data.byBand } : null}
      />

      {firstLoad ? (
        <LeadsSkeleton />
      ) : list.error && list.items.length === 0 ? (
        <LoadError title="Could not load your leads" onRetry={list.reload}>
          {errorMessage(list.error)}
        </LoadError>
      ) : items.length === 0 ? (
        hasFilters ? (
          <EmptyState icon={<SearchIcon />} title="No leads match these filters" action={<Button variant="secondary" onClick={clearFilters}>Clear filters</Button>}>
            <p>Try another band, status or search, or clear the filters to see everyone.</p>
          </EmptyState>
        ) : (
          <NoLeadsYet
            addByHand={
              !adding && (
                <Button variant="secondary" onClick={() => setAdding(true)}>
                  Add a lead by hand
                </Button>
              )
            }
          >
            <p>
              Leads appear here when someone sends the inquiry form on a site that carries your Porchlight script tag. Their visits,
              saved listings and showing requests before and after raise their score.
            </p>
            <OnboardingCard />
          </NoLeadsYet>
        )
      ) : (
        <>
          {list.error && (
            <LoadError title="Could not refresh the list" onRetry={list.refresh}>
              {errorMessage(list.error)}
            </LoadError>
          )}
          <div class={`card card-flush${showingStale ? ' is-refreshing' : ''}`} aria-busy={showingStale || undefined}>
            {showingStale && (
              <div class="refreshing-note" role="status">
                <Spinner size="sm" /> Updating…
              </div>
            )}
            <LeadsTable
              leads={items}
              siteNames={siteNames}
              sort={filters.sort ?? 'score'}
              onSort={(sort) => setFilters({ sort })}
              selected={selected}
              onToggle={toggle}
              onToggleAll={toggleAll}
              onLogged={onLogged}
            />
            <LeadCards leads={items} selected={selected} onToggle={toggle} onLogged={onLogged} />
          </div>
          <div class="list-footer">
            <p class="muted small" aria-live="polite">
              Showing {plural(items.length, 'lead')}
              {list.nextCursor ? '' : hasFilters ? ' — all that match' : ' — that’s everyone'}
            </p>
            <LoadMore list={list} />
          </div>
        </>
      )}

      {selected.size > 0 && (
        <BulkBar
          leads={items.filter((l) => selected.has(l.leadId))}
          onClear={() => setSelected(new Set())}
          onStageChanged={(ids, stage) => {
            setPatches((p) => ({ ...p, ...Object.fromEntries(ids.map((id) => [id, { ...p[id], stage }])) }));
          }}
          onDeleted={(ids) => {
            setRemoved((r) => new Set([...r, ...ids]));
            setSelected(new Set());
            counts.reload();
          }}
        />
      )}
    </div>
  );
}

function LeadFiltersBar({
  filters,
  sites,
  onChange,
  hasFilters,
  onClear,
  counts,
}: {
  filters: LeadFilters;
  sites: Site[];
  onChange(patch: Partial<LeadFilters>, opts?: { replace?: boolean }): void;
  hasFilters: boolean;
  onClear(): void;
  /** Leads per band (all the realtor's leads), or null while loading. */
  counts: (Record<ScoreBand, number> & { total: number }) | null;
}) {
  const [search, setSearch] = useState(filters.q ?? '');
  const [open, setOpen] = useState(false);
  const folded = [filters.status, filters.site, filters.q, filters.sort !== 'score' ? filters.sort : undefined].filter(Boolean).length;
  const input = useRef<HTMLInputElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  // Back/forward or "Clear filters" changes q under the box: follow it unless the user is typing.
  useEffect(() => {
    if (document.activeElement !== input.current) setSearch(filters.q ?? '');
  }, [filters.q]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const onSearch = (value: string) => {
    setSearch(value);
    clearTimeout(timer.current);
    // Typing rewrites the current history entry instead of adding one per keystroke.
    timer.current = setTimeout(() => onChange({ q: value.trim() || undefined }, { replace: true }), SEARCH_DEBOUNCE_MS);
  };

  // The counts are the whole account's per band (a rollup): beside a status, site or search filter
  // they would contradict the list ("Hot 17" over "No leads match these filters"), so they step aside.
  const countsApply = !filters.status && !filters.site && !filters.q;
  const count = (n: number | undefined) => (counts && countsApply ? <span class="chip-count">{n}</span> : null);
  return (
    <search class="filters" aria-label="Filter leads">
      <div class="filters-row filters-lead-row">
        <fieldset class="chip-group band-counts">
          <legend class="visually-hidden">Band</legend>
          <button type="button" class="chip" aria-pressed={!filters.band} onClick={() => onChange({ band: undefined })}>
            All{count(counts?.total)}
          </button>
          {SCORE_BANDS.map((b) => (
            <button
              key={b.value}
              type="button"
              class={`chip chip-${b.value}`}
              aria-pressed={filters.band === b.value}
              title={b.hint}
              data-band={b.value}
              onClick={() => onChange({ band: filters.band === b.value ? undefined : b.value })}
            >
              <span class={`chip-dot chip-dot-${b.value}`} aria-hidden="true" />
              {b.label}
              {count(counts?.[b.value])}
            </button>
          ))}
        </fieldset>
        <button
          type="button"
          class="btn btn-secondary btn-sm filters-toggle"
          aria-expanded={open}
          aria-controls="lead-filters-more"
          aria-label={folded ? `Filters (${folded} set)` : undefined}
          onClick={() => setOpen(!open)}
        >
          Filters
          {folded > 0 && (
            <span class="chip-count filters-count" aria-hidden="true">
              {folded}
            </span>
          )}
        </button>
      </div>
      <div id="lead-filters-more" class={`filters-more${open ? ' is-open' : ''}`}>
        <div class="filters-row">
          <div class="search-box">
            <label class="visually-hidden" for="lead-search">
              Search leads
            </label>
            <SearchIcon size={18} />
            <input
              ref={input}
              id="lead-search"
              class="input search-input"
              type="search"
              placeholder="Search name, email or phone"
              autocomplete="off"
              spellcheck={false}
              value={search}
              onInput={(e) => onSearch(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') {
                  clearTimeout(timer.current);
                  onChange({ q: search.trim() || undefined }, { replace: true });
                }
              }}
            />
          </div>
        </div>
        <div class="filters-row filters-selects">
          <FilterSelect id="lead-filter-status" label="Status" value={filters.status ?? ''} onChange={(v) => onChange({ status: (v || undefined) as LeadFilters['status'] })}>
            <option value="">Any status</option>
            {LEAD_STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </FilterSelect>
          <FilterSelect
            id="lead-filter-site"
            label="Site"
            value={filters.site ?? ''}
            title={sites.find((s) => s.siteId === filters.site)?.name}
            onChange={(v) => onChange({ site: v || undefined })}
          >
            <option value="">All sites</option>
            {sites.map((s) => (
              <option key={s.siteId} value={s.siteId}>
                {s.name}
              </option>
            ))}
            {filters.site && !sites.some((s) => s.siteId === filters.site) && <option value={filters.site}>Unknown site</option>}
          </FilterSelect>
          <FilterSelect id="lead-sort" label="Sort by" value={filters.sort ?? 'score'} onChange={(v) => onChange({ sort: v as LeadSort })}>
            {SORTS.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </FilterSelect>
          {hasFilters && (
            <Button variant="ghost" size="sm" onClick={onClear}>
              Clear filters
            </Button>
          )}
        </div>
      </div>
    </search>
  );
}

interface ListProps {
  leads: ListLead[];
  selected: Set<string>;
  onToggle(leadId: string, on: boolean): void;
  onLogged(lead: ListLead, activity: Activity): void;
}

function LeadsTable({ leads, siteNames, sort, onSort, selected, onToggle, onToggleAll, onLogged }: ListProps & {
  siteNames: Map<string, string>;
  sort: LeadSort;
  onSort(sort: LeadSort): void;
  onToggleAll(on: boolean): void;
}) {
  const all = leads.length > 0 && leads.every((l) => selected.has(l.leadId));
  const some = !all && leads.some((l) => selected.has(l.leadId));
  const allRef = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (allRef.current) allRef.current.indeterminate = some;
  }, [some]);
  // Each sort is an index on (user_id, key desc, lead_id desc); ascending reads it backwards
  // (core/leads/list-leads.ts). A click on the active header flips the direction where it can.
  const SortHeader = ({ value, children }: { value: LeadSort; children: ComponentChildren }) => {
    const asc = ASCENDING[value];
    const active = sort === value || (asc !== undefined && sort === asc);
    const ascending = asc !== undefined && sort === asc;
    const next = sort === value && asc ? asc : value;
    // The active sort with no reverse (last activity: newest first) is a label, not a button that does nothing.
    if (active && next === sort) {
      return (
        <th scope="col" aria-sort={ascending ? 'ascending' : 'descending'}>
          <span class="sort-button is-active is-fixed">
            {children}
            <span class="sort-arrow" aria-hidden="true">
              {ascending ? '↑' : '↓'}
            </span>
          </span>
        </th>
      );
    }
    return (
      <th scope="col" aria-sort={active ? (ascending ? 'ascending' : 'descending') : undefined}>
        <button type="button" class={`sort-button${active ? ' is-active' : ''}`} onClick={() => onSort(next)}>
          {children}
          <span class="sort-arrow" aria-hidden="true">
            {active ? (ascending ? '↑' : '↓') : '↕'}
          </span>
          {(!active || next !== sort) && <span class="visually-hidden">{active ? ' (reverse the order)' : ' (sort by this)'}</span>}
        </button>
      </th>
    );
  };
  return (
    <div class="table-wrap leads-table-wrap">
      <table class="table leads-table">
        <caption class="visually-hidden">Your leads. Select a row to open the lead.</caption>
        <thead>
          <tr>
            <th scope="col" class="select-cell">
              <input ref={allRef} type="checkbox" class="checkbox" aria-label="Select every lead shown" checked={all} onChange={(e) => onToggleAll(e.currentTarget.checked)} />
            </th>
            <th scope="col">Lead</th>
            <SortHeader value="score">Score</SortHeader>
            <th scope="col">Status</th>
            <SortHeader value="last_activity">Last activity</SortHeader>
            <th scope="col">Contacted</th>
            <th scope="col">Follow-up</th>
            <SortHeader value="created">Added</SortHeader>
            <th scope="col">
              <span class="visually-hidden">Log</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {leads.map((lead) => (
            <LeadRow
              key={lead.leadId}
              lead={lead}
              siteName={lead.siteId ? siteNames.get(lead.siteId) : undefined}
              selected={selected.has(lead.leadId)}
              onToggle={onToggle}
              onLogged={onLogged}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function When({ at, empty = '—', future = false }: { at: string | null | undefined; empty?: string; future?: boolean }) {
  if (!at) return <span class="muted">{empty}</span>;
  const overdue = future && new Date(at).getTime() < Date.now();
  return (
    <time dateTime={at} title={formatDateTime(at)} class={overdue ? 'is-overdue-text' : undefined}>
      {formatRelativeTime(at)}
    </time>
  );
}

function LeadRow({ lead, siteName, selected, onToggle, onLogged }: { lead: ListLead; siteName: string | undefined; selected: boolean; onToggle(id: string, on: boolean): void; onLogged(lead: ListLead, a: Activity): void }) {
  const name = leadDisplayName(lead);
  const site = lead.siteId ? (siteName ?? 'Other site') : lead.importId ? 'Imported' : 'Added by hand';
  return (
    <tr class={`lead-row${selected ? ' is-selected' : ''}`} onClick={(e) => openLeadFromClick(e, lead.leadId)} data-lead-id={lead.leadId}>
      <td class="select-cell">
        <input type="checkbox" class="checkbox" aria-label={`Select ${name}`} checked={selected} onChange={(e) => onToggle(lead.leadId, e.currentTarget.checked)} />
      </td>
      <th scope="row" class="lead-cell">
        <Link href={`/leads/${lead.leadId}`} class="table-link lead-name">
          {name}
        </Link>
        <span class="lead-contact">
          {lead.phone && lead.phone !== name && <PhoneLink phone={lead.phone} />}
          {lead.phone && lead.phone !== name && lead.email && lead.email !== name && ' · '}
          {lead.email && lead.email !== name && <span>{lead.email}</span>}
        </span>
        <span class="lead-site">{lead.stage ? `Stage: ${lead.stage.label} · ${site}` : site}</span>
      </th>
      <td>
        <span class="score-cell">
          <BandBadge band={lead.scoreBand} />
          <ScoreMeter score={lead.score} band={lead.scoreBand} />
        </span>
      </td>
      <td>{statusLabel(lead.status)}</td>
      <td>
        <When at={lead.lastActivityAt} />
      </td>
      <td>
        <When at={lead.lastContactedAt} empty="Not yet" />
      </td>
      <td>
        <When at={lead.nextFollowUpAt} future />
      </td>
      <td>
        <When at={lead.createdAt} />
      </td>
      <td class="row-actions">
        <QuickLog leadId={lead.leadId} leadName={name} onLogged={(a) => onLogged(lead, a)} />
      </td>
    </tr>
  );
}

/** Below 640 px: one card per lead, with the first one high enough to see without scrolling. */
function LeadCards({ leads, selected, onToggle, onLogged }: ListProps) {
  return (
    <ul class="lead-cards" aria-label="Your leads">
      {leads.map((lead) => {
        const name = leadDisplayName(lead);
        const isSelected = selected.has(lead.leadId);
        return (
          // biome-ignore lint/a11y/useKeyWithClickEvents: the name link inside is the keyboard path; the click only widens the pointer target
          <li key={lead.leadId} class={`lead-card${isSelected ? ' is-selected' : ''}`} onClick={(e) => openLeadFromClick(e, lead.leadId)} data-lead-id={lead.leadId}>
            <div class="lead-card-head">
              <input type="checkbox" class="checkbox" aria-label={`Select ${name}`} checked={isSelected} onChange={(e) => onToggle(lead.leadId, e.currentTarget.checked)} />
              <Link href={`/leads/${lead.leadId}`} class="lead-card-name">
                {name}
              </Link>
              <span class="lead-card-score">
                <BandBadge band={lead.scoreBand} />
                <strong>{lead.score}</strong>
              </span>
            </div>
            <p class="lead-card-meta muted small">
              Active <When at={lead.lastActivityAt} empty="never" />
              {' · '}
              {lead.lastContactedAt ? (
                <>
                  contacted <When at={lead.lastContactedAt} />
                </>
              ) : (
                'not contacted yet'
              )}
              {lead.nextFollowUpAt && (
                <>
                  {' · '}follow up <When at={lead.nextFollowUpAt} future />
                </>
              )}
            </p>
            <div class="lead-card-actions">
              <ContactActions lead={lead} compact label={name} />
              <QuickLog leadId={lead.leadId} leadName={name} onLogged={(a) => onLogged(lead, a)} />
            </div>
          </li>
        );
      })}
    </ul>
  );
}

function LeadsSkeleton() {
  return (
    <div class="card card-flush" role="status" aria-label="Loading leads…">
      <div class="skeleton-list" aria-hidden="true">
        {Array.from({ length: 6 }, (_, i) => (
          <div key={i} class="skeleton-row">
            <span class="skeleton skeleton-text" />
            <span class="skeleton skeleton-pill" />
            <span class="skeleton skeleton-bar" />
            <span class="skeleton skeleton-text-sm" />
          </div>
        ))}
      </div>
      <span class="visually-hidden">Loading leads…</span>
    </div>
  );
}

/** "Showing the leads of one import": which file, and the way back to everyone (the filters bar has no control for it). */
function ImportFilterNote({ importId, onClear }: { importId: string; onClear(): void }) {
  const imports = useApi((signal) => importApi.list({ signal }), []);
  const entry = imports.data?.items.find((i) => i.importId === importId);
  const what = entry ? `imported from “${entry.fileName ?? 'a file'}” ${formatRelativeTime(entry.createdAt)}` : 'added by one import';
  return (
    <p class="callout callout-info import-filter-note" role="status">
      <span>Showing the leads {what} that are still here.</span>{' '}
      <button type="button" class="link-button" onClick={onClear}>
        Show all leads
      </button>
    </p>
  );
}
