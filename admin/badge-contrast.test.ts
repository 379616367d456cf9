// Every badge tone's text against its own background meets WCAG AA for small text (4.5:1), and
// an outlined button's edge stands 3:1 from the white it sits on (WCAG 1.4.11), computed from the
// colour variables in styles.css (the "Receiving" badge was 4.38:1; secondary buttons' edges 1.6:1).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('./styles.css', import.meta.url), 'utf8');
const vars = new Map([...css.matchAll(/(--c-[a-z-]+):\s*(#[0-9a-f]{6})/gi)].map((m) => [m[1], m[2]]));

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}
/** The colour of `prop` in the rule for `selector`, resolved through its var(). */
function ruleColour(selector: string, prop: 'color' | 'background' | 'border-color'): string {
  const body = css.match(new RegExp(`\\n${selector.replace('.', '\\.')}\\s*\\{([^}]*)\\}`))?.[1] ?? '';
  const name = body.match(new RegExp(`(?:^|\\s)${prop}:\\s*var\\((--c-[a-z-]+)\\)`))?.[1];
  const hex = name && vars.get(name);
  if (!hex) throw new Error(`no ${prop} for ${selector}`);
  return hex;
}

describe('badge contrast', () => {
  for (const tone of ['success', 'warning', 'danger', 'info', 'hot', 'warm', 'cold']) {
    it(`.badge-${tone} text is at least 4.5:1 on its background`, () => {
      expect(contrast(ruleColour(`.badge-${tone}`, 'color'), ruleColour(`.badge-${tone}`, 'background'))).toBeGreaterThanOrEqual(4.5);
    });
  }
});

describe('outlined button edges', () => {
  for (const variant of ['secondary', 'ghost']) {
    it(`.btn-${variant}'s border is at least 3:1 on the surface`, () => {
      expect(contrast(ruleColour(`.btn-${variant}`, 'border-color'), vars.get('--c-surface')!)).toBeGreaterThanOrEqual(3);
    });
  }
});
