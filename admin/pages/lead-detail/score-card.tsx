// The score card: the score, its band, what the last rescore changed, and why ("Inquiry +40, …").
import type { Lead, ScoreBreakdown } from '../../api-client.ts';
import { BandBadge, ScoreMeter } from '../../components/score.tsx';
import { Spinner } from '../../components/spinner.tsx';
import { formatRelativeTime } from '../../format.ts';
import { Link } from '../../router.tsx';
import { SCORE_MAP_KNEE } from '#core/shared/scoring-defaults.ts';

/** What the page knows about a rescore it is waiting for (after an inquiry was added). */
export type ScoreUpdate = { state: 'idle' } | { state: 'updating' } | { state: 'done'; from: number; to: number; fromBand: string; toBand: string } | { state: 'slow' };

/** A signal's label without a trailing "4×" when the count column says it already. */
function signalLabel(label: string, count: number): string {
  return label.replace(new RegExp(`\\s${count}×$`), '');
}

/**
 * How the points became the score: up to 50 points they are the score; above, the score
 * saturates toward 100 (core/shared/scoring-defaults.ts `scoreForPoints`), so busy leads still rank.
 */
function scoreMapNote(points: number, score: number): string {
  // Whole points, as the reasons above show them: they add up to this (compute-score.ts displayPoints).
  const shown = Math.round(points);
  if (shown <= SCORE_MAP_KNEE) return `${shown} points. `;
  return `${shown} points make a score of ${score}: above ${SCORE_MAP_KNEE} points the score rises ever more slowly toward 100, so more activity still ranks higher. `;
}

export function ScoreCard({ lead, update }: { lead: Lead; update: ScoreUpdate }) {
  const breakdown: ScoreBreakdown | null = lead.scoreBreakdown;
  const signals = breakdown?.signals ?? [];
  return (
    <section class="card score-panel" aria-labelledby="score-title">
      <div class="score-panel-head">
        <h2 id="score-title" class="card-title">
          Score
        </h2>
        <div class="score-panel-value">
          <ScoreMeter score={lead.score} band={lead.scoreBand} size="lg" />
          <BandBadge band={lead.scoreBand} />
        </div>
      </div>
      <div class="score-update" role="status" aria-live="polite">
        {update.state === 'updating' && (
          <span class="inline-list">
            <Spinner size="sm" /> Updating score…
          </span>
        )}
        {update.state === 'done' &&
          (update.from === update.to ? (
            <span>Score rechecked: still {update.to}.</span>
          ) : (
            <span class="score-change">
              Score {update.to > update.from ? 'rose' : 'fell'} from {update.from} to <strong>{update.to}</strong>
              {update.fromBand !== update.toBand && ` — now ${update.toBand}`}.
            </span>
          ))}
        {update.state === 'slow' && <span class="muted">The score will update in a moment; reload the page to see it.</span>}
      </div>
      <h3 class="subheading">Why this score</h3>
      {breakdown === null ? (
        <p class="muted">Not scored yet. Scores are computed in the background within a few seconds of new activity.</p>
      ) : signals.length === 0 ? (
        <p class="muted">No scored activity yet.</p>
      ) : (
        <>
          <ul class="breakdown">
            {signals.map((s) => (
              <li key={s.key} class="breakdown-item">
                <span class="breakdown-label">{signalLabel(s.label, s.count)}</span>
                <span class="breakdown-count">{s.count === 1 ? 'once' : `${s.count} times`}</span>
                <span class="breakdown-track" aria-hidden="true">
                  <span class={`breakdown-fill score-fill-${lead.scoreBand}`} style={{ width: `${Math.min(100, Math.max(0, s.points))}%` }} />
                </span>
                <span class="breakdown-points">+{s.points}</span>
              </li>
            ))}
          </ul>
          <p class="muted small score-footnote">
            {/* A breakdown without points predates the score map (its score was the plain sum): no map to explain. */}
            {breakdown.points === undefined ? '' : scoreMapNote(breakdown.points, lead.score)}
            Points fade as activity ages. Scored {formatRelativeTime(breakdown.computedAt)} with{' '}
            <Link href="/scoring">{breakdown.rulesVersion === 0 ? 'the default rules' : `rules version ${breakdown.rulesVersion}`}</Link>.
          </p>
        </>
      )}
    </section>
  );
}
