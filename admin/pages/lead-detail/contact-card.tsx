// The contact card: status and pipeline stage (each saved as soon as it changes), contact details and where the lead came from.
import { useState } from 'preact/hooks';
import { extraContactInfo } from '#core/shared/contact-info.ts';
import { errorMessage, type Lead, type LeadStatus, leadsApi, leadsPath, sitesApi } from '../../api-client.ts';
import { Button } from '../../components/button.tsx';
import { Spinner } from '../../components/spinner.tsx';
import { showToast } from '../../components/toast.tsx';
import { formatDateTime, formatRelativeTime } from '../../format.ts';
import { LEAD_STATUSES, statusLabel } from '../../lead-format.ts';
import { Link } from '../../router.tsx';
import { pipelineApi } from '../../pipeline-api.ts';
import { useApi } from '../../use-api.ts';
import { announceActivityChange } from './activity-api.ts';
import { ContactForm } from './contact-form.tsx';
import { PhoneLink } from '../../components/contact-actions.tsx';

export function ContactCard({ lead, onChange }: { lead: Lead; onChange(lead: Lead): void }) {
  const [editing, setEditing] = useState(false);
  const [savingStatus, setSavingStatus] = useState(false);
  const [savingStage, setSavingStage] = useState(false);
  // The stages for the select; a lead without a stage is in the first one (docs/pipeline.md).
  const stages = useApi((signal) => pipelineApi.stages({ signal }), []);
  const stageList = stages.data?.items ?? [];
  const currentStageId = lead.stage?.stageId ?? stageList[0]?.stageId ?? '';
  const otherContact = extraContactInfo(lead.contactInfo, lead.email, lead.phone);
  const sites = useApi((signal) => (lead.siteId ? sitesApi.get(lead.siteId, { signal }) : Promise.resolve(null)), [lead.siteId]);

  /**
   * Saves a change made in one of the selects (status, stage) at once: the lead as the server
   * answers it, the timeline told (the change is recorded there), a notice; on a refusal, the
   * select put back to what the server holds.
   */
  const saveNow = async (setSaving: (saving: boolean) => void, save: () => Promise<Lead>, saved: (updated: Lead) => string, failed: string) => {
    setSaving(true);
    try {
      const updated = await save();
      onChange(updated);
      announceActivityChange(lead.leadId);
      showToast(saved(updated));
    } catch (err) {
      showToast(`${failed}: ${errorMessage(err)}`, 'error');
      onChange({ ...lead });
    } finally {
      setSaving(false);
    }
  };
  const changeStatus = (status: LeadStatus) =>
    status !== lead.status &&
    saveNow(setSavingStatus, () => leadsApi.update(lead.leadId, { status }), (updated) => `Status changed to ${statusLabel(updated.status)}.`, 'Could not change the status');
  const changeStage = (stageId: string) =>
    stageId !== currentStageId &&
    saveNow(setSavingStage, () => pipelineApi.moveLead(lead.leadId, stageId), (updated) => `Moved to ${updated.stage?.label ?? 'the stage'}.`, 'Could not move the lead');

  return (
    <section class="card" aria-labelledby="contact-title">
      <div class="card-head">
        <h2 id="contact-title" class="card-title">
          Contact
        </h2>
        {!editing && (
          <Button variant="secondary" size="sm" onClick={() => setEditing(true)}>
            Edit
          </Button>
        )}
      </div>
      <div class="field status-field">
        <label class="field-label" for="lead-status">
          Status
        </label>
        <div class="inline-list">
          <select id="lead-status" class="input select" value={lead.status} disabled={savingStatus} onChange={(e) => changeStatus(e.currentTarget.value as LeadStatus)}>
            {LEAD_STATUSES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
          {savingStatus && <Spinner size="sm" />}
        </div>
      </div>
      <div class="field status-field">
        <label class="field-label" for="lead-stage">
          Pipeline stage
        </label>
        <div class="inline-list">
          <select id="lead-stage" class="input select" value={currentStageId} disabled={savingStage || !stageList.length} onChange={(e) => changeStage(e.currentTarget.value)}>
            {!stageList.length && <option value="">{stages.error ? 'Could not load the stages' : 'Loading…'}</option>}
            {stageList.map((st) => (
              <option key={st.stageId} value={st.stageId}>
                {st.label}
              </option>
            ))}
          </select>
          {savingStage && <Spinner size="sm" />}
        </div>
      </div>
      {editing ? (
        <ContactForm
          lead={lead}
          onCancel={() => setEditing(false)}
          onSaved={(updated) => {
            onChange(updated);
            setEditing(false);
            showToast('Contact details saved.');
          }}
        />
      ) : (
        <dl class="details">
          <dt>Name</dt>
          <dd>{lead.name || <span class="muted">Not given</span>}</dd>
          <dt>Email</dt>
          <dd>{lead.email ? <a href={`mailto:${lead.email}`}>{lead.email}</a> : <span class="muted">Not given</span>}</dd>
          <dt>Phone</dt>
          <dd>{lead.phone ? <PhoneLink phone={lead.phone} /> : <span class="muted">Not given</span>}</dd>
          {/* contact_info is often generated as "email · phone": show it only when it adds something. */}
          {otherContact && (
            <>
              <dt>Other contact</dt>
              <dd class="prewrap">{otherContact}</dd>
            </>
          )}
          <dt>Site</dt>
          <dd>
            {!lead.siteId && lead.importId ? (
              <Link href={leadsPath({ sort: 'created', importId: lead.importId })}>Imported from a file</Link>
            ) : !lead.siteId ? (
              <span class="muted">Added by hand</span>
            ) : sites.data ? (
              <Link href={`/sites/${sites.data.siteId}`}>{sites.data.name}</Link>
            ) : (
              <span class="muted">{sites.loading ? '…' : 'Unknown site'}</span>
            )}
          </dd>
          <dt>Last activity</dt>
          <dd>
            {lead.lastActivityAt ? <time dateTime={lead.lastActivityAt} title={formatDateTime(lead.lastActivityAt)}>{formatRelativeTime(lead.lastActivityAt)}</time> : 'None yet'}
          </dd>
          <dt>Added</dt>
          <dd>
            <time dateTime={lead.createdAt}>{formatDateTime(lead.createdAt)}</time>
          </dd>
        </dl>
      )}
    </section>
  );
}
