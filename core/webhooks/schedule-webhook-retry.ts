import { z } from 'zod';

/**
 * When a delivery is attempted (Svix's schedule, DESIGN.md "Webhooks"): entry n is the delay
 * before attempt n+1, counted from the message for the first attempt and from the previous
 * failure after that — immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: eight attempts
 * over about 27.5 hours. WEBHOOK_RETRY_SCHEDULE replaces it (tests compress it to seconds).
 */
export const DEFAULT_WEBHOOK_RETRY_SCHEDULE_S = [0, 5, 300, 1800, 7200, 18000, 36000, 36000] as const;
/** Each delay is moved by up to ±10 % so deliveries that failed together do not retry together. */
export const WEBHOOK_RETRY_JITTER_RATIO = 0.1;
/** A receiver's Retry-After is honoured up to this long; a longer ask would silently park the delivery. */
export const WEBHOOK_RETRY_AFTER_MAX_MS = 24 * 60 * 60 * 1000;
const MAX_DELAY_S = 7 * 24 * 60 * 60;
const MAX_ATTEMPTS = 50;

/** WEBHOOK_RETRY_SCHEDULE: whole seconds, comma-separated ("0,5,300"); one-line messages for config errors. */
export const ZWebhookRetrySchedule = z.string().transform((text, ctx) => {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length > MAX_ATTEMPTS) {
    ctx.addIssue({ code: 'custom', message: `at most ${MAX_ATTEMPTS} delays` });
    return z.NEVER;
  }
  const delays: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part) || Number(part) > MAX_DELAY_S) {
      ctx.addIssue({ code: 'custom', message: `each delay must be whole seconds from 0 to ${MAX_DELAY_S}, got "${part.slice(0, 20)}"` });
      return z.NEVER;
    }
    delays.push(Number(part));
  }
  return delays;
});

/** Parses a retry schedule, throwing an Error with a one-line message. */
export function parseRetrySchedule(text: string): number[] {
  const parsed = ZWebhookRetrySchedule.safeParse(text);
  if (!parsed.success) throw new Error(`WEBHOOK_RETRY_SCHEDULE: ${parsed.error.issues[0].message}`);
  return parsed.data;
}

export interface NextAttemptInput {
  /** Attempts already made in this delivery's budget (0 before the first). */
  attemptCount: number;
  /** Delays in seconds (WEBHOOK_RETRY_SCHEDULE). */
  schedule: readonly number[];
  now: Date;
  /** What the receiver's Retry-After asked for, if anything. */
  retryAfterMs?: number | null;
  /** Source of jitter in [0, 1); default Math.random (tests pass a constant). */
  random?: () => number;
}

/**
 * When the next attempt is due, or null when the schedule is exhausted (the delivery fails).
 * A Retry-After pushes the attempt later — never earlier than the schedule — up to
 * WEBHOOK_RETRY_AFTER_MAX_MS.
 */
export function computeNextAttemptAt({ attemptCount, schedule, now, retryAfterMs = null, random = Math.random }: NextAttemptInput): Date | null {
  if (attemptCount < 0 || attemptCount >= schedule.length) return null;
  const scheduledMs = schedule[attemptCount] * 1000;
  let delayMs = Math.round(scheduledMs * (1 + (random() * 2 - 1) * WEBHOOK_RETRY_JITTER_RATIO));
  if (retryAfterMs != null && retryAfterMs > 0) delayMs = Math.max(delayMs, Math.min(retryAfterMs, WEBHOOK_RETRY_AFTER_MAX_MS));
  return new Date(now.getTime() + delayMs);
}
