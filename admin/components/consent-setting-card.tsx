// A site's consent requirement (docs/consent.md): whether POST /v1/inquiries refuses a submission
// without consent. Saved as soon as it changes, like a lead's status. Rendered on the site page.
import { useEffect, useState } from 'preact/hooks';
import { errorMessage, type Site, sitesApi } from '../api-client.ts';
import { CheckboxField } from './field.tsx';
import { Spinner } from './spinner.tsx';
import { showToast } from './toast.tsx';

export function ConsentSettingCard({ site, onChange }: { site: Site; onChange(site: Site): void }) {
  const [saving, setSaving] = useState(false);
  // Shown at once (the box follows the click); put back if the save fails.
  const [checked, setChecked] = useState(site.settings.requireConsent);
  useEffect(() => setChecked(site.settings.requireConsent), [site.settings.requireConsent]);
  const change = async (requireConsent: boolean) => {
    setChecked(requireConsent);
    setSaving(true);
    try {
      const updated = await sitesApi.update(site.siteId, { settings: { requireConsent } });
      setChecked(updated.settings.requireConsent);
      onChange(updated);
      showToast(requireConsent ? 'Inquiries now need the visitor’s consent.' : 'Inquiries without consent are accepted now.');
    } catch (err) {
      showToast(`Could not save: ${errorMessage(err)}`, 'error');
      setChecked(site.settings.requireConsent);
    } finally {
      setSaving(false);
    }
  };
  return (
    <section class="card" aria-labelledby="consent-setting-title">
      <h2 id="consent-setting-title" class="card-title">
        Consent {saving && <Spinner size="sm" />}
      </h2>
      <CheckboxField
        id="site-require-consent"
        label="Require consent with every inquiry"
        hint="The Porchlight form always asks (“I agree that the agent may contact me…”) and its wording is kept with each inquiry. Turn this off only if your own form posts inquiries and gathers consent another way."
        name="requireConsent"
        checked={checked}
        disabled={saving}
        onChange={(e) => change(e.currentTarget.checked)}
      />
    </section>
  );
}
