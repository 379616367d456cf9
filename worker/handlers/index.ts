import type { JobHandler } from '../handler.ts';
import { refreshScoresHandler } from './refresh-scores.handler.ts';
import { rescoreAllHandler } from './rescore-all.handler.ts';
import { scoreLeadHandler } from './score-lead.handler.ts';
import { stitchVisitorHandler } from './stitch-visitor.handler.ts';
import { sweepHandler } from './sweep.handler.ts';

/** Job name → handler. Each capability registers its handlers here. */
export const HANDLERS: Record<string, JobHandler> = {
  'leads.stitch': stitchVisitorHandler,
  'leads.score': scoreLeadHandler,
  'leads.rescore-all': rescoreAllHandler,
  'maintenance.sweep': sweepHandler,
  'maintenance.refresh-scores': refreshScoresHandler,
};

/** Repeating jobs and their period in ms. */
export const SCHEDULES: Record<string, number> = {
  'maintenance.sweep': 30_000,
  'maintenance.refresh-scores': 60 * 60_000,
};
