// Analytics for a date range and site: events per day by type (uPlot), leads per band, top
// listings, and visitors → leads; then the people: leads and inquiries per day, speed-to-lead
// (median time to the first logged contact, share answered within 5 minutes / 1 hour), the funnel
// visitors → leads → contacted → appointment → closed, and leads per site and source. Loaded as its own chunk (lazyPage in main.tsx) so the charting
// library is fetched only by people who open this page.
import type { ComponentChildren } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type uPlot from 'uplot';
import { DAY_MS } from '#core/shared/time.ts';
import { type AnalyticsSummary, analyticsApi, type LeadAnalytics, type ScoreBand, sitesApi, useSession } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { FilterSelect } from '../components/filter-select.tsx';
import { SearchIcon } from '../components/icons.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Loaded } from '../components/loaded.tsx';
import { UPlotChart } from '../components/uplot-chart.tsx';
import { browserTimeZone, dateIn } from '../format.ts';
import { humanize, SCORE_BANDS } from '../lead-format.ts';
import { Link, navigate, type RouteProps } from '../router.tsx';
import { useApi } from '../use-api.ts';

const PRESETS = [7, 30, 90] as const;
const DEFAULT_DAYS = 30;
/** Event types drawn as their own line; the rest are summed into "Other". */
const MAX_SERIES = 6;
const SERIES_COLOURS = ['#2a55d4', '#c4321c', '#17804a', '#a35b00', '#7b3fc4', '#0f7b8a', '#5b6478'];
const BAND_COLOURS: Record<ScoreBand, string> = { hot: '#c4321c', warm: '#d98a1c', cold: '#3a5a80' };

const EVENT_TYPE_LABELS: Record<string, string> = {
  page_view: 'Page views',
  tool_interaction: 'Tool uses',
  save_listing: 'Saved listings',
  identify: 'Contact details given',
  inquiry: 'Inquiries',
};

function eventTypeLabel(type: string): string {
  return EVENT_TYPE_LABELS[type] ?? humanize(type);
}

/**
 * A day ("YYYY-MM-DD") held as its UTC midnight → its text, and back: the arithmetic of calendar
 * dates (the days themselves are the realtor's, `useZone`).
 */
function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/**
 * Whose days the page counts, sent as `tz` (the API counts UTC days without it): the realtor's time
 * zone from Settings (the session's, as Today counts days), else the browser's, else UTC.
 */
function useZone(): string {
  return useSession()?.timeZone ?? browserTimeZone() ?? 'UTC';
}

const ISO_DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

function validDay(value: string | null): value is string {
  return Boolean(value && ISO_DAY_RE.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`)));
}

interface Range {
  from: string;
  to: string;
  /** 7, 30, 90, or null for a custom range. */
  preset: number | null;
  site: string | undefined;
}

export function readRange(query: URLSearchParams, zone: string, now = new Date()): Range {
  const site = query.get('site') || undefined;
  const from = query.get('from');
  const to = query.get('to');
  if (validDay(from) && validDay(to) && from <= to) return { from, to, preset: null, site };
  const days = Number(query.get('days'));
  const preset = (PRESETS as readonly number[]).includes(days) ? days : DEFAULT_DAYS;
  const today = dateIn(now, zone);
  return { from: isoDay(new Date(Date.parse(`${today}T00:00:00Z`) - (preset - 1) * DAY_MS)), to: today, preset, site };
}

function rangePath(range: { preset: number | null; from?: string; to?: string; site?: string }): string {
  const params = new URLSearchParams();
  if (range.preset) {
    if (range.preset !== DEFAULT_DAYS) params.set('days', String(range.preset));
  } else if (range.from && range.to) {
    params.set('from', range.from);
    params.set('to', range.to);
  }
  if (range.site) params.set('site', range.site);
  const qs = params.toString();
  return qs ? `/analytics?${qs}` : '/analytics';
}

/** Every day from `from` to `to` inclusive. */
function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= end && out.length < 1000; t += DAY_MS) out.push(isoDay(new Date(t)));
  return out;
}

const dayFormat = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', timeZone: 'UTC' });
const longDayFormat = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' });
const formatDay = (day: string) => dayFormat.format(new Date(`${day}T00:00:00Z`));
const formatLongDay = (day: string) => longDayFormat.format(new Date(`${day}T00:00:00Z`));
const number = new Intl.NumberFormat('en');
const percent = new Intl.NumberFormat('en', { style: 'percent', maximumFractionDigits: 1 });

export function AnalyticsPage({ query }: RouteProps) {
  const zone = useZone();
  const range = readRange(query, zone);
  const sites = useApi((signal) => sitesApi.list({ signal }), []);
  // Refresh asks the API for answers computed now (it serves analytics from a cache of a few seconds).
  const fresh = useRef(false);
  const summary = useApi((signal) => analyticsApi.summary({ from: range.from, to: range.to, site: range.site, tz: zone }, { signal, fresh: fresh.current }), [range.from, range.to, range.site, zone]);
  const people = useApi((signal) => analyticsApi.leads({ from: range.from, to: range.to, site: range.site, tz: zone }, { signal, fresh: fresh.current }), [range.from, range.to, range.site, zone]);
  const refresh = () => {
    fresh.current = true;
    summary.reload();
    people.reload();
  };
  useEffect(() => {
    if (!summary.loading && !people.loading) fresh.current = false;
  }, [summary.loading, people.loading]);
  const siteName = range.site ? sites.data?.items.find((s) => s.siteId === range.site)?.name : undefined;

  return (
    <>
      <PageHeader
        title="Analytics"
        description={
          <>
            What visitors do on your sites, which listings draw them in, and how many become leads. Days run from midnight to midnight in your time zone ({zone.replace(/_/g, ' ')}
            , <Link href="/settings">change it in Settings</Link>).
          </>
        }
      />
      <RangeBar range={range} zone={zone} sites={sites.data?.items ?? []} refreshing={summary.loading || people.loading} onRefresh={refresh} />
      <Loaded state={summary} loadingLabel="Loading analytics…" errorTitle="Could not load analytics">
        {(data, refreshing) => (
          <div class={refreshing ? 'is-refreshing' : undefined} aria-busy={refreshing || undefined}>
            <AnalyticsBody data={data} range={range} scope={siteName ?? (range.site ? 'this site' : 'all sites')} />
          </div>
        )}
      </Loaded>
      <section class="stack people-analytics" aria-labelledby="people-title">
        <h2 id="people-title" class="section-title">
          Leads and speed to lead
        </h2>
        <Loaded state={people} loadingLabel="Loading lead analytics…" errorTitle="Could not load lead analytics">
          {(data, refreshing) => (
            <div class={refreshing ? 'stack is-refreshing' : 'stack'} aria-busy={refreshing || undefined}>
              <PeopleBody data={data} range={range} />
            </div>
          )}
        </Loaded>
      </section>
    </>
  );
}

function RangeBar({ range, zone, sites, refreshing, onRefresh }: { range: Range; zone: string; sites: Array<{ siteId: string; name: string }>; refreshing: boolean; onRefresh(): void }) {
  const [custom, setCustom] = useState(range.preset === null);
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const [error, setError] = useState<string | null>(null);
  const today = dateIn(new Date(), zone);

  const apply = (e: Event) => {
    e.preventDefault();
    if (!validDay(from) || !validDay(to)) return setError('Pick both dates');
    if (from > to) return setError('The start must be on or before the end');
    setError(null);
    navigate(rangePath({ preset: null, from, to, site: range.site }));
  };

  return (
    <section class="filters" aria-label="Analytics filters">
      <div class="filters-row">
        <fieldset class="chip-group">
          <legend class="visually-hidden">Period</legend>
          {PRESETS.map((days) => (
            <button
              key={days}
              type="button"
              class="chip"
              aria-pressed={!custom && range.preset === days}
              onClick={() => {
                setCustom(false);
                navigate(rangePath({ preset: days, site: range.site }));
              }}
            >
              Last {days} days
            </button>
          ))}
          <button type="button" class="chip" aria-pressed={custom} aria-expanded={custom} onClick={() => setCustom(true)}>
            Custom…
          </button>
        </fieldset>
        <FilterSelect id="analytics-site" label="Site" value={range.site ?? ''} onChange={(v) => navigate(rangePath({ ...range, site: v || undefined }))}>
          <option value="">All sites</option>
          {sites.map((s) => (
            <option key={s.siteId} value={s.siteId}>
              {s.name}
            </option>
          ))}
        </FilterSelect>
        <Button variant="secondary" size="sm" loading={refreshing} onClick={onRefresh}>
          Refresh
        </Button>
      </div>
      {custom && (
        <form class="filters-row custom-range" onSubmit={apply} noValidate>
          <div class="select-label">
            <label for="analytics-from">From</label>
            <input id="analytics-from" class="input" type="date" value={from} max={today} onInput={(e) => setFrom(e.currentTarget.value)} />
          </div>
          <div class="select-label">
            <label for="analytics-to">To</label>
            <input id="analytics-to" class="input" type="date" value={to} max={today} onInput={(e) => setTo(e.currentTarget.value)} />
          </div>
          <Button type="submit" size="sm">
            Apply
          </Button>
          {error && (
            <p class="field-error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
    </section>
  );
}

function AnalyticsBody({ data, range, scope }: { data: AnalyticsSummary; range: Range; scope: string }) {
  const totalEvents = data.eventsPerDay.reduce((sum, r) => sum + r.count, 0);
  const totalBands = data.bands.hot + data.bands.warm + data.bands.cold;
  const period = `${formatLongDay(range.from)} – ${formatLongDay(range.to)}`;
  if (totalEvents === 0 && totalBands === 0 && data.conversion.visitors === 0 && data.conversion.leads === 0 && data.topListings.length === 0) {
    return (
      <EmptyState icon={<SearchIcon />} title="No activity in this period" action={<Link href="/sites" class="btn btn-secondary">Check your sites’ install</Link>}>
        <p>
          Nothing was recorded on {scope} from {period}. Try a longer period, or check that your sites carry the Porchlight script tag.
        </p>
      </EmptyState>
    );
  }
  const { visitors, leads } = data.conversion;
  const rate = visitors > 0 ? leads / visitors : 0;
  return (
    <div class="stack">
      <div class="kpis">
        <Kpi label="Events" value={number.format(totalEvents)} />
        <Kpi label="Visitors" value={number.format(visitors)} />
        {/* Not "New leads": that is every lead created (the Leads section's chart), these are the visitors first seen in the period who became one. */}
        <Kpi label="Visitors who became leads" value={number.format(leads)} />
        <Kpi label="Visitors → leads" value={visitors > 0 ? percent.format(rate) : '—'} hint={visitors > 0 ? `${number.format(leads)} of ${number.format(visitors)} visitors` : 'No visitors yet'} />
      </div>
      <EventsChart data={data} range={range} period={period} />
      <div class="analytics-grid">
        <BandsChart bands={data.bands} />
        <TopListings listings={data.topListings} />
      </div>
    </div>
  );
}

function Kpi({ label, value, hint }: { label: string; value: string; hint?: string }) {
  return (
    <div class="kpi card">
      <p class="kpi-label">{label}</p>
      <p class="kpi-value">{value}</p>
      {hint && <p class="kpi-hint">{hint}</p>}
    </div>
  );
}

const DAY = 86_400;
const DAY_INCREMENTS = [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY];
const shortDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });

function EventsChart({ data, range, period }: { data: AnalyticsSummary; range: Range; period: string }) {
  const days = useMemo(() => daysBetween(range.from, range.to), [range.from, range.to]);
  const { series, options, aligned } = useMemo(() => {
    const totals = new Map<string, number>();
    for (const r of data.eventsPerDay) totals.set(r.type, (totals.get(r.type) ?? 0) + r.count);
    const ranked = [...totals.entries()].sort((a, b) => b[1] - a[1]).map(([type]) => type);
    const shown = ranked.length > MAX_SERIES ? ranked.slice(0, MAX_SERIES - 1) : ranked;
    const other = ranked.length > shown.length;
    const dayIndex = new Map(days.map((d, i) => [d, i]));
    const series = [...shown.map((type) => ({ key: type, label: eventTypeLabel(type) })), ...(other ? [{ key: '__other', label: 'Other' }] : [])];
    const columns = series.map(() => days.map(() => 0));
    for (const r of data.eventsPerDay) {
      const i = dayIndex.get(r.day.slice(0, 10));
      if (i === undefined) continue;
      const s = shown.indexOf(r.type);
      columns[s === -1 ? series.length - 1 : s][i] += r.count;
    }
    const xs = days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
    const options: Omit<uPlot.Options, 'width'> = {
      height: 280,
      tzDate: (ts) => uPlotUtc(ts),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
      axes: dayAxes(number.format),
      cursor: { drag: { x: false, y: false } },
      series: [
        // Not hovering: the legend shows each series' total over the period (not "—").
        { label: 'Day', value: (_u, ts) => (ts == null ? 'Total' : formatDay(isoDay(new Date(ts * 1000)))) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: SERIES_COLOURS[i % SERIES_COLOURS.length],
          width: 2,
          points: { show: days.length <= 31, size: 5 },
          value: (_u: uPlot, v: number | null, _si: number, idx: number | null) => (idx == null ? number.format(columns[i].reduce((a, b) => a + b, 0)) : v == null ? '—' : number.format(v)),
        })),
      ],
    };
    return { series, options, aligned: [xs, ...columns] as uPlot.AlignedData };
  }, [data.eventsPerDay, days]);

  const totalsByType = series.map((s, i) => ({ label: s.label, total: (aligned[i + 1] as number[]).reduce((a, b) => a + b, 0) }));
  const summary = totalsByType.length ? totalsByType.map((t) => `${t.label} ${number.format(t.total)}`).join(', ') : 'no events';
  const busiest = days.reduce(
    (best, day, i) => {
      const total = series.reduce((sum, _s, k) => sum + (aligned[k + 1] as number[])[i], 0);
      return total > best.total ? { day, total } : best;
    },
    { day: '', total: 0 },
  );

  return (
    <ChartCard titleId="events-chart-title" title="Events per day" summary={<>{period}: {summary}.{busiest.total > 0 && ` Busiest day: ${formatLongDay(busiest.day)} (${number.format(busiest.total)}).`}</>}>
      {series.length === 0 ? (
        <p class="muted chart-empty">No events were recorded in this period.</p>
      ) : (
        <>
          <UPlotChart options={options} data={aligned} class="events-chart" />
          <NumbersTable
            caption={`Events per day by type, ${period}`}
            columns={series.map((s) => s.label)}
            rows={days.map((day, i) => ({ day, cells: series.map((_s, k) => number.format((aligned[k + 1] as number[])[i])) }))}
          />
        </>
      )}
    </ChartCard>
  );
}

/** A chart's card: its title and a one-line summary as the caption, then the chart. */
function ChartCard({ titleId, level = 2, title, summary, children }: { titleId: string; level?: 2 | 3; title: string; summary: ComponentChildren; children: ComponentChildren }) {
  const Heading = level === 2 ? 'h2' : 'h3';
  return (
    <figure class="card chart-card" aria-labelledby={titleId}>
      <figcaption class="chart-caption">
        <Heading id={titleId} class="card-title">
          {title}
        </Heading>
        <p class="muted small">{summary}</p>
      </figcaption>
      {children}
    </figure>
  );
}

/** A per-day chart's numbers as a table, folded under its chart (exact values, and a way to read it without seeing it). */
function NumbersTable({ caption, columns, rows }: { caption: string; columns: string[]; rows: Array<{ day: string; cells: string[] }> }) {
  return (
    <details class="chart-table">
      <summary>Show the numbers as a table</summary>
      <div class="table-wrap">
        <table class="table table-compact">
          <caption class="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Day</th>
              {columns.map((label) => (
                <th key={label} scope="col" class="num">
                  {label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.day}>
                <th scope="row">{formatLongDay(row.day)}</th>
                {row.cells.map((cell, i) => (
                  <td key={columns[i]} class="num">
                    {cell}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** The axes of a per-day chart: whole days along, `format`ted whole numbers up. */
function dayAxes(format: (v: number) => string): uPlot.Axis[] {
  return [
    {
      stroke: '#5b6478', grid: { stroke: '#eef0f4' }, ticks: { stroke: '#dfe3ea' },
      // Whole days only: the data is per day, so hour ticks would suggest precision it does not have.
      space: 56, incrs: DAY_INCREMENTS, values: (_u, splits) => splits.map((ts) => shortDay.format(new Date(ts * 1000))),
    },
    { stroke: '#5b6478', grid: { stroke: '#eef0f4' }, ticks: { stroke: '#dfe3ea' }, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? format(v) : '')) },
  ];
}

/** uPlot draws in local time unless given a UTC "zone"; a day here is a date held as its UTC midnight. */
function uPlotUtc(ts: number): Date {
  const d = new Date(ts * 1000);
  return new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds());
}

/** Leads per band as horizontal bars: three numbers read best as labelled bars (and as text). */
function BandsChart({ bands }: { bands: AnalyticsSummary['bands'] }) {
  const total = bands.hot + bands.warm + bands.cold;
  const max = Math.max(1, bands.hot, bands.warm, bands.cold);
  return (
    <ChartCard titleId="bands-chart-title" title="Leads per band" summary={total === 0 ? 'No leads yet.' : `${number.format(total)} ${total === 1 ? 'lead' : 'leads'} by their current score.`}>
      <ul class="bar-list">
        {SCORE_BANDS.map((b) => (
          <li key={b.value} class="bar-row">
            <span class="bar-label">{b.label}</span>
            <span class="bar-track" aria-hidden="true">
              <span class="bar-fill" style={{ width: `${(bands[b.value] / max) * 100}%`, background: BAND_COLOURS[b.value] }} />
            </span>
            <span class="bar-value">
              {number.format(bands[b.value])}
              <span class="visually-hidden"> {b.label.toLowerCase()} leads</span>
            </span>
          </li>
        ))}
      </ul>
      <p class="small">
        <Link href="/leads?band=hot">See your hot leads</Link>
      </p>
    </ChartCard>
  );
}

function TopListings({ listings }: { listings: AnalyticsSummary['topListings'] }) {
  return (
    <section class="card card-flush" aria-labelledby="top-listings-title">
      <h2 id="top-listings-title" class="card-title card-title-padded">
        Top listings
      </h2>
      {listings.length === 0 ? (
        <p class="muted card-body-padded">No listing was viewed in this period.</p>
      ) : (
        <div class="table-wrap">
          <table class="table table-compact">
            <caption class="visually-hidden">Top listings by views, inquiries and the leads who sent them</caption>
            <thead>
              <tr>
                <th scope="col">Listing</th>
                <th scope="col" class="num">
                  Views
                </th>
                <th scope="col" class="num">
                  Inquiries
                </th>
                <th scope="col" class="num">
                  Leads
                </th>
              </tr>
            </thead>
            <tbody>
              {listings.map((l) => (
                <tr key={l.listingRef}>
                  <th scope="row" class="listing-title">
                    {l.title && l.url && /^https?:\/\//.test(l.url) ? (
                      <a href={l.url} target="_blank" rel="noopener noreferrer">
                        {l.title}
                      </a>
                    ) : (
                      (l.title ?? <span class="listing-ref">{l.listingRef}</span>)
                    )}
                    {l.title && <span class="listing-ref">{l.listingRef}</span>}
                  </th>
                  <td class="num">{number.format(l.views)}</td>
                  <td class="num">{number.format(l.inquiries)}</td>
                  <td class="num">{number.format(l.leads)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

const duration = (seconds: number | null): string => {
  if (seconds === null) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`;
  if (seconds < 48 * 3600) return `${Math.round((seconds / 3600) * 10) / 10} h`;
  return `${Math.round(seconds / 86_400)} days`;
};
const share = (v: number | null) => (v === null ? '—' : percent.format(v));

/** The people side: speed-to-lead, leads and inquiries per day, the funnel, per site and source. */
function PeopleBody({ data, range }: { data: LeadAnalytics; range: Range }) {
  const period = `${formatLongDay(range.from)} – ${formatLongDay(range.to)}`;
  const { speed, funnel } = data;
  if (funnel.leads === 0 && funnel.visitors === 0 && data.perDay.length === 0) {
    return <p class="muted card card-body-padded people-empty">No leads or inquiries from {period}.</p>;
  }
  return (
    <>
      <div class="kpis">
        <Kpi label="Median time to first contact" value={duration(speed.medianSeconds)} hint={`${number.format(speed.contacted)} of ${number.format(speed.leads)} new inquirers contacted`} />
        <Kpi label="Answered within 5 minutes" value={share(speed.within5m)} hint="Of people whose first inquiry came in this period" />
        <Kpi label="Answered within 1 hour" value={share(speed.within1h)} />
      </div>
      <div class="analytics-grid">
        <DayChart
          id="leads-chart" title="Leads and inquiries per day" range={range} period={period} perDay={data.perDay}
          series={[
            { label: 'New leads', colour: SERIES_COLOURS[0], pick: (d) => d.leads },
            { label: 'Inquiries', colour: SERIES_COLOURS[2], pick: (d) => d.inquiries },
          ]}
          format={(v) => number.format(v)}
        />
        <DayChart
          id="speed-chart" title="Answered in time, by day of the first inquiry" range={range} period={period} perDay={data.perDay.filter((d) => d.speed.leads > 0)}
          series={[
            { label: 'Within 5 minutes', colour: SERIES_COLOURS[2], pick: (d) => (d.speed.within5m === null ? null : Math.round(d.speed.within5m * 1000) / 10) },
            { label: 'Within 1 hour', colour: SERIES_COLOURS[0], pick: (d) => (d.speed.within1h === null ? null : Math.round(d.speed.within1h * 1000) / 10) },
          ]}
          format={(v) => `${v}%`}
          yMax={100}
          totals={[share(speed.within5m), share(speed.within1h)]}
          extraColumn={{ label: 'Median time', value: (d) => duration(d.speed.medianSeconds) }}
        />
      </div>
      <div class="analytics-grid">
        <Funnel funnel={funnel} />
        <PerSite data={data} />
      </div>
    </>
  );
}

type Day = LeadAnalytics['perDay'][number];

/** A per-day line chart (uPlot) with its numbers as a table; the legend shows totals until hovered. */
function DayChart({ id, title, range, period, perDay, series, format, yMax, totals, extraColumn }: {
  id: string;
  title: string;
  range: Range;
  period: string;
  perDay: Day[];
  series: Array<{ label: string; colour: string; pick: (d: Day) => number | null }>;
  format: (v: number) => string;
  yMax?: number;
  /** What the legend shows when not hovering (default: each series' sum). */
  totals?: string[];
  extraColumn?: { label: string; value: (d: Day) => string };
}) {
  const days = useMemo(() => daysBetween(range.from, range.to), [range.from, range.to]);
  const byDay = useMemo(() => new Map(perDay.map((d) => [d.day, d])), [perDay]);
  const { options, aligned } = useMemo(() => {
    const columns = series.map((s) => days.map((day) => {
      const d = byDay.get(day);
      return d ? s.pick(d) : yMax === undefined ? 0 : null;
    }));
    const legendTotals = totals ?? columns.map((c) => format(c.reduce<number>((a, b) => a + (b ?? 0), 0)));
    const options: Omit<uPlot.Options, 'width'> = {
      height: 220,
      tzDate: (ts) => uPlotUtc(ts),
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, yMax ?? Math.max(4, Math.ceil(max * 1.1))] } },
      axes: dayAxes(format),
      cursor: { drag: { x: false, y: false } },
      series: [
        { label: 'Day', value: (_u, ts) => (ts == null ? (totals ? 'Period' : 'Total') : formatDay(isoDay(new Date(ts * 1000)))) },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: s.colour,
          width: 2,
          spanGaps: true,
          points: { show: days.length <= 31, size: 5 },
          value: (_u: uPlot, v: number | null, _si: number, idx: number | null) => (idx == null ? legendTotals[i] : v == null ? '—' : format(v)),
        })),
      ],
    };
    return { options, aligned: [days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000), ...columns] as uPlot.AlignedData };
  }, [days, byDay, series, format, yMax, totals]);

  return (
    <ChartCard titleId={`${id}-title`} level={3} title={title} summary={period}>
      {perDay.length === 0 ? (
        <p class="muted chart-empty">Nothing in this period.</p>
      ) : (
        <>
          <UPlotChart options={options} data={aligned} class={`${id}`} />
          <NumbersTable
            caption={`${title}, ${period}`}
            columns={[...series.map((s) => s.label), ...(extraColumn ? [extraColumn.label] : [])]}
            rows={perDay.map((d) => ({
              day: d.day,
              cells: [
                ...series.map((s) => {
                  const v = s.pick(d);
                  return v === null ? '—' : format(v);
                }),
                ...(extraColumn ? [extraColumn.value(d)] : []),
              ],
            }))}
          />
        </>
      )}
    </ChartCard>
  );
}

const FUNNEL_STEPS = [
  { key: 'visitors', label: 'Visitors', colour: '#5b6478' },
  { key: 'leads', label: 'Leads', colour: '#2a55d4' },
  { key: 'contacted', label: 'Contacted', colour: '#0f7b8a' },
  { key: 'appointment', label: 'Appointment', colour: '#a35b00' },
  { key: 'closed', label: 'Closed', colour: '#17804a' },
] as const;

/**
 * Visitors → leads → contacted → appointment → closed, as bars with each step's share of the one
 * before — except the leads' share of visitors: leads added by hand or through the API came from
 * no visitor (a month of imports read "Leads 62 · 103%"); the Overview's "Visitors → leads" is that rate.
 */
function Funnel({ funnel }: { funnel: LeadAnalytics['funnel'] }) {
  const max = Math.max(1, ...FUNNEL_STEPS.map((s) => funnel[s.key]));
  return (
    <ChartCard titleId="funnel-title" level={3} title="From visitor to closed" summary="Visitors first seen and leads created in this period (also leads added by hand or through the API, which came from no visitor), and how far those leads have got.">
      <ul class="bar-list bar-list-wide">
        {FUNNEL_STEPS.map((step, i) => {
          const value = funnel[step.key];
          const before = i > 0 ? funnel[FUNNEL_STEPS[i - 1].key] : 0;
          return (
            <li key={step.key} class="bar-row">
              <span class="bar-label">{step.label}</span>
              <span class="bar-track" aria-hidden="true">
                <span class="bar-fill" style={{ width: `${(value / max) * 100}%`, background: step.colour }} />
              </span>
              <span class="bar-value">
                {number.format(value)}
                {i > 1 && before > 0 && <span class="bar-share">{percent.format(value / before)}</span>}
              </span>
            </li>
          );
        })}
      </ul>
    </ChartCard>
  );
}

const SOURCE_LABELS: Record<string, string> = { widget: 'Website form', manual: 'Added by you', api: 'API' };

function PerSite({ data }: { data: LeadAnalytics }) {
  return (
    <section class="card card-flush" aria-labelledby="per-site-title">
      <h3 id="per-site-title" class="card-title card-title-padded">
        Where leads come from
      </h3>
      {data.perSite.length === 0 ? (
        <p class="muted card-body-padded">No leads or inquiries in this period.</p>
      ) : (
        <div class="table-wrap">
          <table class="table table-compact">
            <caption class="visually-hidden">Leads and inquiries per site</caption>
            <thead>
              <tr>
                <th scope="col">Site</th>
                <th scope="col" class="num">
                  New leads
                </th>
                <th scope="col" class="num">
                  Inquiries
                </th>
              </tr>
            </thead>
            <tbody>
              {data.perSite.map((s) => (
                <tr key={s.siteId ?? 'none'}>
                  <th scope="row">{s.siteId ? <Link href={`/sites/${s.siteId}`}>{s.name}</Link> : 'Added by hand'}</th>
                  <td class="num">{number.format(s.leads)}</td>
                  <td class="num">{number.format(s.inquiries)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.perSource.length > 0 && (
        <p class="muted small card-body-padded">
          Inquiries by source: {data.perSource.map((s) => `${SOURCE_LABELS[s.source] ?? humanize(s.source)} ${number.format(s.inquiries)}`).join(' · ')}
        </p>
      )}
    </section>
  );
}
