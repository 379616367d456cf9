import type { Site } from '../api-client.ts';
import { Badge } from '../components/badge.tsx';
import { formatDateTime, formatRelativeTime } from '../format.ts';

/** The install check: has the script on this site sent anything yet? */
export function InstallStatus({ site }: { site: Pick<Site, 'lastEventAt' | 'enabled'> }) {
  const when = formatRelativeTime(site.lastEventAt);
  return (
    <span class="install-status">
      {site.lastEventAt ? (
        <Badge tone="success">Receiving</Badge>
      ) : (
        <Badge tone="warning" title="No event has arrived from this site yet">
          No events yet
        </Badge>
      )}
      <span class="muted" title={formatDateTime(site.lastEventAt) || undefined}>
        Last event: {when}
      </span>
    </span>
  );
}
