// One lead: who they are, why they score what they score, everything they did, and what to do next.
// Each card is its own file here; this page loads the lead and waits for rescores.
import { useRef, useState } from 'preact/hooks';
import { type Lead, leadsApi } from '../../api-client.ts';
import { breadcrumb, DetailFallback } from '../../components/detail-fallback.tsx';
import { SearchIcon } from '../../components/icons.tsx';
import { PageHeader } from '../../components/layout.tsx';
import { LeadContactBar } from '../../components/lead-contact-bar.tsx';
import { BandBadge } from '../../components/score.tsx';
import { formatRelativeTime } from '../../format.ts';
import { leadDisplayName, statusLabel } from '../../lead-format.ts';
import { lastLeadsPath } from '../../leads-list-memory.ts';
import type { RouteProps } from '../../router.tsx';
import { useApi } from '../../use-api.ts';
import { usePollUntil } from '../../use-poll-until.ts';
import { announceActivityChange } from './activity-api.ts';
import { ActivityCard } from './activity-card.tsx';
import { AddInquiryCard } from './add-inquiry-card.tsx';
import { ContactCard } from './contact-card.tsx';
import { DeleteLeadCard } from './delete-lead-card.tsx';
import { LogActivityCard } from './log-activity-card.tsx';
import { FormReportsCard } from '../../components/form-reports-card.tsx';
import { RemindersCard } from './reminders-card.tsx';
import { ScoreCard, type ScoreUpdate } from './score-card.tsx';

/** How long to wait for the scoring worker after an inquiry before saying "shortly". */
const SCORE_POLL_TIMEOUT_MS = 15_000;
const SCORE_POLL_FIRST_MS = 400;
const SCORE_POLL_MAX_MS = 2_000;
/** Clock skew tolerated between the API (inquiry time) and the worker (scoring time). */
const CLOCK_SKEW_MS = 1_000;

/** Back to the lead list as the realtor left it (filters kept). */
const list = () => ({ href: lastLeadsPath(), label: 'Leads' });

export function LeadDetailPage({ params }: RouteProps) {
  const { data: lead, error, reload, setData } = useApi((signal) => leadsApi.get(params.id, { signal }), [params.id]);
  if (lead === undefined) {
    return (
      <DetailFallback
        list={list()}
        noun="lead"
        error={error}
        onRetry={reload}
        missingIcon={<SearchIcon />}
        missingNote={<p>It may have been erased at the person’s request, or the link may be mistyped.</p>}
      />
    );
  }
  return <LeadDetail lead={lead} onChange={setData} />;
}

/** When the worker last scored the lead. */
function scoredStamp(lead: Lead): string | null {
  return lead.scoredAt ?? lead.scoreBreakdown?.computedAt ?? null;
}

function LeadDetail({ lead, onChange }: { lead: Lead; onChange(lead: Lead): void }) {
  const name = leadDisplayName(lead);
  const [scoreUpdate, setScoreUpdate] = useState<ScoreUpdate>({ state: 'idle' });
  const latest = useRef(lead);
  latest.current = lead;
  const poll = usePollUntil();

  /** After an inquiry: poll the lead with backoff until the worker has rescored it (bounded). */
  const waitForRescore = async (before: Lead, inquiryAt: string) => {
    setScoreUpdate({ state: 'updating' });
    const since = new Date(inquiryAt).getTime() - CLOCK_SKEW_MS;
    const result = await poll(
      async () => {
        const fresh = await leadsApi.get(before.leadId);
        const scoredAt = scoredStamp(fresh);
        return scoredAt !== scoredStamp(before) && scoredAt !== null && new Date(scoredAt).getTime() >= since ? fresh : undefined;
      },
      { firstDelayMs: SCORE_POLL_FIRST_MS, backoff: 1.5, maxDelayMs: SCORE_POLL_MAX_MS, timeoutMs: SCORE_POLL_TIMEOUT_MS },
    );
    if (result.state === 'timeout') setScoreUpdate({ state: 'slow' });
    if (result.state !== 'done') return;
    onChange(result.value);
    setScoreUpdate({ state: 'done', from: before.score, to: result.value.score, fromBand: before.scoreBand, toBand: result.value.scoreBand });
  };

  return (
    <>
      <PageHeader
        title={name}
        breadcrumb={breadcrumb(list(), name)}
        description={
          <span class="inline-list">
            <BandBadge band={lead.scoreBand} />
            <span>
              Score <strong>{lead.score}</strong>
            </span>
            <span>{statusLabel(lead.status)}</span>
            <span class="muted">Added {formatRelativeTime(lead.createdAt)}</span>
          </span>
        }
      />
      <LeadContactBar lead={lead} />

      <div class="detail-grid">
        <div class="stack">
          <LogActivityCard lead={lead} onChange={onChange} />
          <ScoreCard lead={lead} update={scoreUpdate} />
          <ActivityCard leadId={lead.leadId} />
          <AddInquiryCard
            leadId={lead.leadId}
            onAdded={(inquiryAt) => {
              announceActivityChange(lead.leadId); // the inquiry shows on the timeline
              void waitForRescore(latest.current, inquiryAt);
            }}
          />
        </div>
        <div class="stack">
          <ContactCard lead={lead} onChange={onChange} />
          <FormReportsCard lead={lead} onChange={onChange} />
          <RemindersCard leadId={lead.leadId} />
          <DeleteLeadCard lead={lead} />
        </div>
      </div>
    </>
  );
}
