// A small SVG of latency distributions (percentile on x, log-scaled ms on y), one line a series.
import type { LatencySeries } from '../scenarios/scenario.ts';

const PERCENTILES: [keyof LatencySeries['latencyMs'], number][] = [
  ['p1', 1], ['p10', 10], ['p25', 25], ['p50', 50], ['p75', 75], ['p90', 90], ['p97_5', 97.5], ['p99', 99], ['p99_9', 99.9],
];
const COLORS = ['#1b9e77', '#d95f02', '#7570b3', '#e7298a', '#66a61e', '#e6ab02'];
const W = 640;
const H = 320;
const PAD = { left: 56, right: 16, top: 28, bottom: 40 };

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);

export function renderLatencyChart(title: string, series: LatencySeries[]): string {
  const values = series.flatMap((s) => PERCENTILES.map(([k]) => Math.max(0.1, s.latencyMs[k])));
  const lo = Math.floor(Math.log10(Math.min(...values, 1)));
  const hi = Math.ceil(Math.log10(Math.max(...values, 10)));
  // x: evenly spaced percentile ticks (the tail gets room).
  const x = (i: number) => PAD.left + (i / (PERCENTILES.length - 1)) * (W - PAD.left - PAD.right);
  const y = (ms: number) => H - PAD.bottom - ((Math.log10(Math.max(0.1, ms)) - lo) / (hi - lo)) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="16" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
  ];
  for (let e = lo; e <= hi; e++) {
    const ms = 10 ** e;
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(ms)}" y2="${y(ms)}" stroke="#ddd"/>`, `<text x="${PAD.left - 6}" y="${y(ms) + 4}" text-anchor="end">${ms} ms</text>`);
  }
  for (const [i, [, p]] of PERCENTILES.entries()) parts.push(`<text x="${x(i)}" y="${H - PAD.bottom + 16}" text-anchor="middle">p${p}</text>`);
  for (const [j, s] of series.entries()) {
    const color = COLORS[j % COLORS.length];
    const points = PERCENTILES.map(([k], i) => `${x(i).toFixed(1)},${y(s.latencyMs[k]).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>`);
    parts.push(`<text x="${PAD.left + 8}" y="${PAD.top + 14 + j * 14}" fill="${color}">${escapeXml(s.label)}</text>`);
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
