// A site's data limits (docs/configuration.md, EVENT_RETENTION_MONTHS and DAILY_EVENT_QUOTA):
// how many months its analytics events are kept and how many it accepts per UTC day. Empty means
// the server's default, which the card shows. Shortening the retention deletes older events, so it
// asks first. Rendered on the site page, under the quota line it updates.
import { useState } from 'preact/hooks';
import { errorMessage, type Site, sitesApi } from '../api-client.ts';
import { formatCount as count } from '../format.ts';
import type { FieldErrors } from '../forms.ts';
import type { ApiState } from '../use-api.ts';
import { useForm } from '../use-form.ts';
import { Button } from './button.tsx';
import { ConfirmDialog } from './confirm-dialog.tsx';
import { Field } from './field.tsx';
import { FormError } from './form-error.tsx';
import type { SiteQuota } from './quota-notice.tsx';
import { showToast } from './toast.tsx';

/** The limits of the API's site settings (core/sites/site-schemas.ts). */
export const RETENTION_MONTHS_MAX = 120;
export const DAILY_EVENT_QUOTA_MAX = 100_000_000;

type Values = { retentionMonths: string; dailyEventQuota: string };

const asText = (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n));

/** "" → null (the default); otherwise the whole number typed (commas and spaces allowed). */
function parseLimit(text: string): number | null {
  const cleaned = text.replace(/[,\s_]/g, '');
  return cleaned === '' ? null : Number(cleaned);
}

function checkLimit(text: string, max: number, what: string): string | undefined {
  const n = parseLimit(text);
  if (n === null) return undefined;
  if (!Number.isInteger(n) || n < 1 || n > max) return `Enter a whole number of ${what} from 1 to ${count(max)}, or leave it empty for the default`;
  return undefined;
}

/** `quota`: the page's read of the site's quota (useSiteQuota), read again when the site changes. */
export function SiteLimitsCard({ site, onChange, quota }: { site: Site; onChange(site: Site): void; quota: ApiState<SiteQuota> }) {
  const defaults = quota.data?.defaults;
  const [pending, setPending] = useState<{ retentionMonths: number | null; dailyEventQuota: number | null } | null>(null);
  const [confirmBusy, setConfirmBusy] = useState(false);
  const [confirmError, setConfirmError] = useState<string | null>(null);

  const save = async (settings: { retentionMonths: number | null; dailyEventQuota: number | null }) => {
    const updated = await sitesApi.update(site.siteId, { settings });
    onChange(updated); // a new updatedAt: the page reads the quota again
    showToast('Data limits saved.');
  };

  const ids = { retentionMonths: 'site-retention-months', dailyEventQuota: 'site-daily-quota' };
  const form = useForm<Values>({
    initial: { retentionMonths: asText(site.settings.retentionMonths), dailyEventQuota: asText(site.settings.dailyEventQuota) },
    ids,
    validate: (v) => {
      const found: FieldErrors = {};
      const months = checkLimit(v.retentionMonths, RETENTION_MONTHS_MAX, 'months');
      const perDay = checkLimit(v.dailyEventQuota, DAILY_EVENT_QUOTA_MAX, 'events');
      if (months) found.retentionMonths = months;
      if (perDay) found.dailyEventQuota = perDay;
      return found;
    },
    send: async (v) => {
      const settings = { retentionMonths: parseLimit(v.retentionMonths), dailyEventQuota: parseLimit(v.dailyEventQuota) };
      const current = quota.data?.retentionMonths;
      const next = settings.retentionMonths ?? defaults?.retentionMonths;
      // Keeping events for less time deletes the older ones: ask first.
      if (current !== undefined && next !== undefined && next < current) {
        setConfirmError(null);
        setPending(settings);
        return;
      }
      await save(settings);
    },
    // The API names the settings' fields `settings.<name>`.
    explain: (_err, shown) => ({
      fields: Object.fromEntries(Object.entries(shown.fields).map(([k, m]) => [k.replace(/^settings\./, ''), m])),
      problem: shown.problem,
    }),
  });

  const confirm = async () => {
    if (!pending) return;
    setConfirmBusy(true);
    try {
      await save(pending);
      setPending(null);
    } catch (err) {
      setConfirmError(errorMessage(err));
    } finally {
      setConfirmBusy(false);
    }
  };

  const retentionDefault = defaults ? `Empty: the server default, ${defaults.retentionMonths} month${defaults.retentionMonths === 1 ? '' : 's'}.` : 'Empty: the server default.';
  const quotaDefault = defaults ? `Empty: the server default, ${count(defaults.dailyEventQuota)} a day.` : 'Empty: the server default.';
  const newRetention = pending ? (pending.retentionMonths ?? defaults?.retentionMonths) : undefined;

  return (
    <section class="card" aria-labelledby="site-limits-title">
      <h2 id="site-limits-title" class="card-title">
        Data limits
      </h2>
      <form class="form" onSubmit={form.submit} noValidate>
        <FormError problem={form.problem} />
        <Field
          label="Keep analytics events for (months)"
          hint={`Page views and tool uses older than this are deleted; leads, inquiries and daily totals stay. ${retentionDefault}`}
          inputMode="numeric"
          autocomplete="off"
          placeholder={defaults ? String(defaults.retentionMonths) : ''}
          {...form.field('retentionMonths')}
        />
        <Field
          label="Analytics events accepted per day"
          hint={`Over it, page views are dropped until midnight UTC; inquiries are always accepted. ${quotaDefault}`}
          inputMode="numeric"
          autocomplete="off"
          placeholder={defaults ? String(defaults.dailyEventQuota) : ''}
          {...form.field('dailyEventQuota')}
        />
        <div class="form-actions">
          <Button type="submit" loading={form.busy} busyLabel="Saving…">
            Save limits
          </Button>
        </div>
      </form>
      <ConfirmDialog
        open={pending !== null}
        title="Delete older events?"
        confirmLabel={`Keep ${newRetention ?? ''} month${newRetention === 1 ? '' : 's'}`}
        danger
        busy={confirmBusy}
        error={confirmError}
        onConfirm={confirm}
        onCancel={() => setPending(null)}
      >
        <p>
          Events older than {newRetention} month{newRetention === 1 ? '' : 's'} will be deleted within the hour (now {quota.data?.retentionMonths} months are kept).
          Daily totals in Analytics stay. This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}
