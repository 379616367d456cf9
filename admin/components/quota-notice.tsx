// A site's daily event quota and retention on its detail page (GET /v1/sites/:id/quota). When
// today's quota is reached it says so plainly — events are dropped until midnight UTC, inquiries
// are not — otherwise one quiet line of today's use.
import type { z } from 'zod';
import type { ZSiteQuotaJson } from '../../core/sites/site-schemas.ts';
import { api } from '../api-client.ts';
import { formatCount as count } from '../format.ts';
import { type ApiState, useApi } from '../use-api.ts';
import { Button } from './button.tsx';

export type SiteQuota = z.output<typeof ZSiteQuotaJson>;

/**
 * The site's quota use, retention and the server's defaults (`GET /v1/sites/:id/quota`), read once
 * for the page's quota line and its Data limits card. `version`: the site's `updatedAt`, so a
 * change of its limits reads it again.
 */
export function useSiteQuota(siteId: string, version: string): ApiState<SiteQuota> {
  return useApi((signal) => api.get<SiteQuota>(`/v1/sites/${encodeURIComponent(siteId)}/quota`, { signal }), [siteId, version]);
}

/** "14:02" in UTC: the quota day is a UTC day, so its times are too. */
const utcTime = (iso: string) => new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

export function QuotaNotice({ quota }: { quota: ApiState<SiteQuota> }) {
  const { data, loading, reload } = quota;
  if (data === undefined) {
    if (loading) return <p class="muted small" aria-busy="true">Loading today’s event usage…</p>;
    return (
      <p class="muted small" role="alert">
        Could not load today’s event usage. <Button variant="secondary" size="sm" onClick={reload}>
          Retry
        </Button>
      </p>
    );
  }
  const usage = `${count(data.usedToday)} of ${count(data.dailyEventQuota)} events today (UTC)`;
  const kept = `events are kept ${data.retentionMonths} month${data.retentionMonths === 1 ? '' : 's'}`;
  if (data.reachedAt) {
    return (
      <div class="banner banner-warning" role="status" data-testid="quota-notice">
        <strong>Daily event quota reached at {utcTime(data.reachedAt)} UTC — events are being dropped until midnight UTC.</strong>
        <span>
          {usage}. Inquiries are still accepted; analytics {kept}.
        </span>
      </div>
    );
  }
  return (
    <p class="muted small" data-testid="quota-usage">
      {usage}; {kept}.
    </p>
  );
}
