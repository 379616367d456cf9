// Above every page: a webhook endpoint Porchlight disabled on its own (the receiver answered 410,
// or every attempt failed for 5 days) — its owner was emailed, and this is the notice in the admin,
// so the realtor sees it without opening the Webhooks page. Shown until the endpoint is re-enabled
// or deleted, or the realtor dismisses that disabling (remembered in this browser). Asked on load,
// on each navigation, at once when an endpoint is enabled, disabled or deleted in this tab
// (WEBHOOKS_CHANGED_EVENT), when the tab comes back, and every 5 minutes while it is visible
// (usePollWhileVisible).
import { useState } from 'preact/hooks';
import { getSession, WEBHOOKS_CHANGED_EVENT, webhooksApi } from '../api-client.ts';
import { Link, useLocation } from '../router.tsx';
import { usePollWhileVisible } from '../use-poll-while-visible.ts';
import { Button } from './button.tsx';

/** How often the endpoints are asked again while the tab is visible. */
export const WEBHOOK_NOTICE_POLL_MS = 5 * 60_000;
const DISMISSED_KEY = 'porchlight.dismissedWebhookNotices';

interface Notice {
  endpointId: string;
  name: string;
  reason: string;
  /** One disabling of one endpoint: a later disabling of the same endpoint is a new notice. */
  key: string;
}

function readDismissed(): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(DISMISSED_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    return [];
  }
}

export function WebhookDisabledBanner() {
  const { path } = useLocation();
  const [notices, setNotices] = useState<Notice[]>([]);
  const [dismissed, setDismissed] = useState<string[]>(readDismissed);

  usePollWhileVisible(
    async (signal) => {
      if (!getSession()) return;
      const page = await webhooksApi.list({ signal });
      if (signal.aborted) return;
      setNotices(page.items
        .filter((e) => !e.enabled && e.health.disabledBy !== null && e.health.disabledBy !== 'realtor')
        .map((e) => ({ endpointId: e.endpointId, name: e.description || e.url, reason: e.health.disabledReason ?? '', key: `${e.endpointId}@${e.health.disabledAt}` })));
    },
    WEBHOOK_NOTICE_POLL_MS,
    // Each navigation asks again, and so does a change made on the endpoint's page: re-enabled
    // or deleted there, the notice goes without the realtor leaving the page.
    { deps: [path], refreshOn: [WEBHOOKS_CHANGED_EVENT] },
  );

  const dismiss = (key: string) => {
    // Only keys of notices still shown are kept: the list cannot grow without bound.
    const next = [...dismissed.filter((k) => notices.some((n) => n.key === k)), key];
    setDismissed(next);
    try {
      localStorage.setItem(DISMISSED_KEY, JSON.stringify(next));
    } catch {
      // Storage full or blocked: dismissed for this page view only.
    }
  };

  const shown = notices.filter((n) => !dismissed.includes(n.key));
  if (!shown.length) return null;
  return (
    <>
      {shown.map((n) => (
        <div key={n.key} class="banner banner-warning" role="note" data-testid="webhook-disabled-notice">
          <span>
            Webhook endpoint <strong>{n.name}</strong> was disabled: {n.reason}
          </span>
          <Link href={`/webhooks/${encodeURIComponent(n.endpointId)}`}>Review</Link>
          <Button size="sm" variant="ghost" onClick={() => dismiss(n.key)}>
            Dismiss
          </Button>
        </div>
      ))}
    </>
  );
}
