// A lead's score as people scan it: the band as a badge, the number with a small bar.
import type { ScoreBand } from '../api-client.ts';
import { scorePercent } from '../lead-format.ts';
import { Badge } from './badge.tsx';

const BAND_LABEL: Record<ScoreBand, string> = { hot: 'Hot', warm: 'Warm', cold: 'Cold' };

export function BandBadge({ band }: { band: ScoreBand }) {
  return <Badge tone={band}>{BAND_LABEL[band] ?? band}</Badge>;
}

/** "72" and a bar 72 % wide, coloured by band. The bar is decorative; the number is the value. */
export function ScoreMeter({ score, band, size = 'sm' }: { score: number; band: ScoreBand; size?: 'sm' | 'lg' }) {
  return (
    <span class={`score-meter score-meter-${size}`}>
      <span class="score-value">{score}</span>
      <span class="score-track" aria-hidden="true">
        <span class={`score-fill score-fill-${band}`} style={{ width: `${scorePercent(score)}%` }} />
      </span>
    </span>
  );
}
