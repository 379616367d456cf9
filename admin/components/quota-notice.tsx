// A site's daily event quota and retention on its detail page (GET /v1/sites/:id/quota). When
// today's quota is reached it says so plainly — events are dropped until midnight UTC, inquiries
// are not — otherwise one quiet line of today's use.
import type { QuotaStatus } from '../../core/sites/event-quota.ts';
import { api } from '../api-client.ts';
import { useApi } from '../use-api.ts';
import { Button } from './button.tsx';

type SiteQuota = QuotaStatus & { retentionMonths: number };

const count = (n: number) => n.toLocaleString('en-US');
/** "14:02" in UTC: the quota day is a UTC day, so its times are too. */
const utcTime = (iso: string) => new Date(iso).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });

/** `version`: the site's `updatedAt`, so a change of its limits reloads the line. */
export function QuotaNotice({ siteId, version }: { siteId: string; version?: string }) {
  const { data, loading, reload } = useApi((signal) => api.get<SiteQuota>(`/v1/sites/${encodeURIComponent(siteId)}/quota`, { signal }), [siteId, version]);
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
