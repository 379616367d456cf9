import { z } from 'zod';
import { ZScoringRules } from './scoring-rules.ts';

/** `PUT /v1/scoring-rules` and `POST /v1/scoring-rules/preview`: `{rules}`; missing keys take the defaults. */
export const ZScoringRulesBody = z.strictObject({ rules: ZScoringRules });
export type ScoringRulesBody = z.output<typeof ZScoringRulesBody>;

export const ZRescoreProgress = z.object({
  version: z.number().int(),
  total: z.number().int(),
  done: z.number().int(),
  /** Null while the rescore runs. */
  finishedAt: z.string().nullable(),
  idleMs: z.number().int().nullable().describe('Milliseconds since the rescore last moved (saved, a batch written), by the server\u2019s clock; null once finished and for version 0'),
});
export type RescoreProgress = z.output<typeof ZRescoreProgress>;

export const ZScoringRulesDoc = z.object({
  /** 0 = the built-in defaults (nothing saved yet). */
  version: z.number().int(),
  rules: ZScoringRules,
  createdAt: z.string().nullable(),
  rescore: ZRescoreProgress.nullable(),
  /** On save only: true when the rules equal the current version, so nothing was saved or rescored. */
  unchanged: z.boolean().optional(),
});
export type ScoringRulesDoc = z.output<typeof ZScoringRulesDoc>;

export const ZScoringPreview = z.object({
  /** Leads compared (the most recently active, at most `cap`). */
  sampled: z.number().int(),
  cap: z.number().int(),
  /** All of the user's leads (sampled ≤ total). */
  total: z.number().int(),
  changed: z.number().int(),
  /** "warm→hot" → leads that would move so. */
  byTransition: z.record(z.string(), z.number().int()),
});
export type ScoringPreview = z.output<typeof ZScoringPreview>;
