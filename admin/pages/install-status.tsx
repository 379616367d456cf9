import { useState } from 'preact/hooks';
import { errorMessage, type Site } from '../api-client.ts';
import { Badge } from '../components/badge.tsx';
import { Button } from '../components/button.tsx';
import { Spinner } from '../components/spinner.tsx';
import { showToast } from '../components/toast.tsx';
import { formatDateTime, formatRelativeTime, plural } from '../format.ts';
import { type InstallStatusJson, installApi } from '../install-api.ts';
import { usePollWhileVisible } from '../use-poll-while-visible.ts';

/** How often an open site page asks for its install status. */
export const INSTALL_POLL_MS = 4000;

/**
 * The install check of the sites list: has the script on this site sent anything yet? With the
 * list's `installStatus`, never "Receiving" while every recent request is refused for its origin.
 */
export function InstallStatus({ site }: { site: Pick<Site, 'lastEventAt' | 'enabled'> & { installStatus?: InstallStatusJson['status'] } }) {
  const when = formatRelativeTime(site.lastEventAt);
  const state = site.installStatus ?? (site.lastEventAt ? 'receiving' : 'waiting');
  return (
    <span class="install-status">
      {state === 'waiting' ? (
        <Badge tone="warning" title="No event has arrived from this site yet">
          No events yet
        </Badge>
      ) : (
        <LiveInstallBadge status={{ status: state }} />
      )}
      <span class="muted" title={formatDateTime(site.lastEventAt) || undefined}>
        Last event: {when}
      </span>
    </span>
  );
}

/**
 * The site's install status, asked again every INSTALL_POLL_MS while the page is open and visible
 * (no reload needed: "waiting for the first event…" turns into "receiving from …" by itself).
 */
export function useInstallStatus(siteId: string): { status: InstallStatusJson | undefined; refresh(): void } {
  const [status, setStatus] = useState<InstallStatusJson | undefined>(undefined);
  const refresh = usePollWhileVisible(
    async (signal) => {
      const value = await installApi.status(siteId, { signal });
      if (!signal.aborted) setStatus(value);
    },
    INSTALL_POLL_MS,
    { deps: [siteId] },
  );
  return { status, refresh };
}

const BADGES = {
  waiting: { tone: 'warning', label: 'Waiting for events' },
  receiving: { tone: 'success', label: 'Receiving' },
  blocked: { tone: 'danger', label: 'Blocked' },
  idle: { tone: 'neutral', label: 'No recent events' },
} as const;

export function LiveInstallBadge({ status }: { status: Pick<InstallStatusJson, 'status'> | undefined }) {
  if (!status) return null;
  const { tone, label } = BADGES[status.status];
  return <Badge tone={tone}>{label}</Badge>;
}

/** The install check card: live status, refused origins with "Add origin". */
export function InstallCheck({ site, status, onSiteChange, onRefresh }: { site: Site; status: InstallStatusJson | undefined; onSiteChange(site: Site): void; onRefresh(): void }) {
  const [adding, setAdding] = useState<string | null>(null);
  const add = async (origin: string) => {
    setAdding(origin);
    try {
      onSiteChange(await installApi.addOrigin(site.siteId, origin));
      showToast(`${origin} is allowed now. Its next visits are recorded.`);
      onRefresh();
    } catch (err) {
      showToast(errorMessage(err), 'error');
    } finally {
      setAdding(null);
    }
  };

  return (
    <section class="card" aria-labelledby="check-title" data-testid="install-check">
      <h2 id="check-title" class="card-title">
        Install check
      </h2>
      <div class="install-check-status" role="status" aria-live="polite">
        {!status ? (
          <p class="muted">Checking…</p>
        ) : status.status === 'waiting' ? (
          <p>
            <Spinner size="sm" /> Waiting for the first event… Open a page of your website that carries the snippet; this updates by itself.
          </p>
        ) : status.status === 'receiving' ? (
          <p>
            <LiveInstallBadge status={status} /> Receiving from <strong>{status.lastEventOrigin ?? 'your website'}</strong> · last event{' '}
            <span title={formatDateTime(status.lastEventAt)}>{formatRelativeTime(status.lastEventAt)}</span>
          </p>
        ) : status.status === 'blocked' ? (
          <p>
            <LiveInstallBadge status={status} /> Requests arrive, but every one in the last hour was refused: its origin is not allowed.
          </p>
        ) : (
          <p>
            <LiveInstallBadge status={status} /> No events for a day. Last one{' '}
            {status.lastEventOrigin ? `from ${status.lastEventOrigin} ` : ''}
            {formatRelativeTime(status.lastEventAt)}.
          </p>
        )}
      </div>
      {status && status.blockedOrigins.length > 0 && (
        <ul class="blocked-origins" aria-label="Refused origins">
          {status.blockedOrigins.map(({ origin, count }) => (
            <li key={origin} class="blocked-origin">
              <span>
                <strong>{plural(count, 'blocked request')}</strong> from <code>{origin}</code> in the last hour — add this origin?
              </span>
              <Button size="sm" variant="secondary" loading={adding === origin} disabled={adding !== null} onClick={() => add(origin)} aria-label={`Add origin ${origin}`}>
                Add origin
              </Button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
