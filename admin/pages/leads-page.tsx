// The realtor's home: leads sorted by score. Filters live in the URL (reload and Back keep them);
// pages are fetched by keyset cursor and appended, so only what was loaded is ever rendered —
// the server sorts and filters, whatever the number of leads.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { errorMessage, type Lead, type LeadFilters, type LeadSort, leadQuery, leadsApi, type Site, sitesApi } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { FilterSelect } from '../components/filter-select.tsx';
import { HouseIcon, SearchIcon } from '../components/icons.tsx';
import { PageHeader } from '../components/layout.tsx';
import { LoadError } from '../components/load-error.tsx';
import { LoadMore } from '../components/load-more.tsx';
import { BandBadge, ScoreMeter } from '../components/score.tsx';
import { Spinner } from '../components/spinner.tsx';
import { showToast } from '../components/toast.tsx';
import { formatDateTime, formatRelativeTime, plural } from '../format.ts';
import { isLeadStatus, isScoreBand, LEAD_STATUSES, leadDisplayName, SCORE_BANDS, statusLabel } from '../lead-format.ts';
import { Link, navigate, type RouteProps } from '../router.tsx';
import { useApi } from '../use-api.ts';
import { useCursorList } from '../use-cursor-list.ts';
import { useLiveRefresh } from '../use-live-events.ts';
import { AddLeadForm } from './add-lead-form.tsx';

const SEARCH_DEBOUNCE_MS = 300;
const SORTS: ReadonlyArray<{ value: LeadSort; label: string }> = [
  { value: 'score', label: 'Highest score' },
  { value: 'last_activity', label: 'Latest activity' },
  { value: 'created', label: 'Newest' },
];

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
  };
}

function leadsPath(filters: LeadFilters): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(leadQuery(filters))) if (v) params.set(k, v);
  const qs = params.toString();
  return qs ? `/leads?${qs}` : '/leads';
}

export function LeadsPage({ query }: RouteProps) {
  const filters = readLeadFilters(query);
  const key = leadsPath(filters);
  const hasFilters = Boolean(filters.band || filters.status || filters.site || filters.q);
  const sites = useApi((signal) => sitesApi.list({ signal }), []);
  const siteList = sites.data?.items ?? [];
  const siteNames = useMemo(() => new Map(siteList.map((s) => [s.siteId, s.name])), [sites.data]);
  const [adding, setAdding] = useState(false);
  const list = useCursorList(key, (cursor, signal) => leadsApi.list(filters, cursor, { signal }), (lead) => lead.leadId);
  useLiveRefresh(['lead.created', 'lead.updated'], list.reload); // new leads and scores appear without a reload

  const setFilters = (patch: Partial<LeadFilters>, opts: { replace?: boolean } = {}) => navigate(leadsPath({ ...filters, ...patch }), opts);
  const clearFilters = () => navigate(leadsPath({ sort: filters.sort }));

  const firstLoad = list.loading && (list.key !== key || list.items.length === 0) && list.error === null;
  const showingStale = list.loading && list.key === key && list.items.length > 0;

  return (
    <>
      <PageHeader
        title="Leads"
        description="Everyone who asked about a home, hottest first. Scores rise with activity on your sites and fade as it ages."
        actions={
          <>
            <a class="btn btn-secondary" href={leadsApi.exportCsvHref(filters)} download="porchlight-leads.csv">
              Export CSV
            </a>
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

      <LeadFiltersBar filters={filters} sites={siteList} onChange={setFilters} hasFilters={hasFilters} onClear={clearFilters} />

      {firstLoad ? (
        <LeadsSkeleton />
      ) : list.error && list.items.length === 0 ? (
        <LoadError title="Could not load your leads" onRetry={list.reload}>
          {errorMessage(list.error)}
        </LoadError>
      ) : list.items.length === 0 ? (
        hasFilters ? (
          <EmptyState icon={<SearchIcon />} title="No leads match these filters" action={<Button variant="secondary" onClick={clearFilters}>Clear filters</Button>}>
            <p>Try another band, status or search, or clear the filters to see everyone.</p>
          </EmptyState>
        ) : (
          <EmptyState
            icon={<HouseIcon />}
            title="No leads yet"
            action={
              <span class="inline-list">
                <Link href="/sites" class="btn btn-primary">
                  Set up a site
                </Link>
                {!adding && (
                  <Button variant="secondary" onClick={() => setAdding(true)}>
                    Add a lead by hand
                  </Button>
                )}
              </span>
            }
          >
            <p>
              Leads appear here when someone sends the inquiry form on a site that carries your Porchlight script tag. Their visits,
              saved listings and showing requests before and after raise their score.
            </p>
          </EmptyState>
        )
      ) : (
        <>
          {list.error && (
            <LoadError title="Could not refresh the list" onRetry={list.reload}>
              {errorMessage(list.error)}
            </LoadError>
          )}
          <LeadsTable leads={list.items} siteNames={siteNames} busy={showingStale} sort={filters.sort ?? 'score'} />
          <div class="list-footer">
            <p class="muted small" aria-live="polite">
              Showing {plural(list.items.length, 'lead')}
              {list.nextCursor ? '' : hasFilters ? ' — all that match' : ' — that’s everyone'}
            </p>
            <LoadMore list={list} />
          </div>
        </>
      )}
    </>
  );
}

function LeadFiltersBar({
  filters,
  sites,
  onChange,
  hasFilters,
  onClear,
}: {
  filters: LeadFilters;
  sites: Site[];
  onChange(patch: Partial<LeadFilters>, opts?: { replace?: boolean }): void;
  hasFilters: boolean;
  onClear(): void;
}) {
  const [search, setSearch] = useState(filters.q ?? '');
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

  return (
    <search class="filters" aria-label="Filter leads">
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
        <fieldset class="chip-group">
          <legend class="visually-hidden">Band</legend>
          <button type="button" class="chip" aria-pressed={!filters.band} onClick={() => onChange({ band: undefined })}>
            All bands
          </button>
          {SCORE_BANDS.map((b) => (
            <button
              key={b.value}
              type="button"
              class={`chip chip-${b.value}`}
              aria-pressed={filters.band === b.value}
              title={b.hint}
              onClick={() => onChange({ band: filters.band === b.value ? undefined : b.value })}
            >
              <span class={`chip-dot chip-dot-${b.value}`} aria-hidden="true" />
              {b.label}
            </button>
          ))}
        </fieldset>
      </div>
      <div class="filters-row">
        <FilterSelect id="lead-filter-status" label="Status" value={filters.status ?? ''} onChange={(v) => onChange({ status: (v || undefined) as LeadFilters['status'] })}>
          <option value="">Any status</option>
          {LEAD_STATUSES.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </FilterSelect>
        <FilterSelect id="lead-filter-site" label="Site" value={filters.site ?? ''} onChange={(v) => onChange({ site: v || undefined })}>
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
    </search>
  );
}

function LeadsTable({ leads, siteNames, busy, sort }: { leads: Lead[]; siteNames: Map<string, string>; busy: boolean; sort: LeadSort }) {
  const sortedBy = (s: LeadSort) => (sort === s ? 'descending' : undefined);
  return (
    <div class={`card card-flush${busy ? ' is-refreshing' : ''}`} aria-busy={busy || undefined}>
      {busy && (
        <div class="refreshing-note" role="status">
          <Spinner size="sm" /> Updating…
        </div>
      )}
      <div class="table-wrap">
        <table class="table leads-table">
          <caption class="visually-hidden">Your leads</caption>
          <thead>
            <tr>
              <th scope="col">Lead</th>
              <th scope="col">Band</th>
              <th scope="col" aria-sort={sortedBy('score')}>
                Score
              </th>
              <th scope="col">Status</th>
              <th scope="col" aria-sort={sortedBy('last_activity')}>
                Last activity
              </th>
              <th scope="col">Site</th>
              <th scope="col" aria-sort={sortedBy('created')}>
                Added
              </th>
            </tr>
          </thead>
          <tbody>
            {leads.map((lead) => (
              <LeadRow key={lead.leadId} lead={lead} siteName={lead.siteId ? siteNames.get(lead.siteId) : undefined} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function LeadRow({ lead, siteName }: { lead: Lead; siteName: string | undefined }) {
  const name = leadDisplayName(lead);
  // The name column falls back to the email or phone; list whatever else reaches them.
  const contact = [lead.email, lead.phone].filter((c) => c && c !== name).join(' · ');
  return (
    <tr>
      <th scope="row" class="lead-cell">
        <Link href={`/leads/${lead.leadId}`} class="table-link lead-name">
          {name}
        </Link>
        {contact && <span class="lead-contact">{contact}</span>}
      </th>
      <td>
        <BandBadge band={lead.scoreBand} />
      </td>
      <td>
        <ScoreMeter score={lead.score} band={lead.scoreBand} />
      </td>
      <td>{statusLabel(lead.status)}</td>
      <td>
        {lead.lastActivityAt ? (
          <time dateTime={lead.lastActivityAt} title={formatDateTime(lead.lastActivityAt)}>
            {formatRelativeTime(lead.lastActivityAt)}
          </time>
        ) : (
          <span class="muted">—</span>
        )}
      </td>
      <td class="site-cell">{lead.siteId ? (siteName ?? <span class="muted">Other site</span>) : <span class="muted">Added by hand</span>}</td>
      <td>
        <time dateTime={lead.createdAt} title={formatDateTime(lead.createdAt)}>
          {formatRelativeTime(lead.createdAt)}
        </time>
      </td>
    </tr>
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
