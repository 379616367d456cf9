import { describe, expect, it } from 'vitest';
import { computeNextAttemptAt, DEFAULT_WEBHOOK_RETRY_SCHEDULE_S, parseRetrySchedule } from './schedule-webhook-retry.ts';

const now = new Date('2026-11-29T10:00:00.000Z');
const schedule = DEFAULT_WEBHOOK_RETRY_SCHEDULE_S;
const HOUR_MS = 3_600_000;
const noJitter = () => 0.5;

describe('webhook retry schedule', () => {
  it.each([
    // attempts made, delay before the next one (ms), without jitter
    [0, 0],
    [1, 5_000],
    [2, 300_000],
    [3, 1_800_000],
    [4, 2 * HOUR_MS],
    [5, 5 * HOUR_MS],
    [6, 10 * HOUR_MS],
    [7, 10 * HOUR_MS],
  ])('after %i attempt(s) the next one is due %i ms later', (attemptCount, delayMs) => {
    expect(computeNextAttemptAt({ attemptCount, schedule, now, random: noJitter })?.getTime()).toBe(now.getTime() + delayMs);
  });

  it('gives up after the last delay: eight attempts in all, over about 27.5 hours', () => {
    expect(computeNextAttemptAt({ attemptCount: 8, schedule, now, random: noJitter })).toBeNull();
    expect(computeNextAttemptAt({ attemptCount: 99, schedule, now })).toBeNull();
    expect(schedule.reduce((a: number, b: number) => a + b, 0) / 3600).toBeCloseTo(27.6, 1);
  });

  it.each([
    // random(), attempts made, expected delay (ms): jitter stays within ±10 %
    [0, 2, 270_000],
    [0.999999, 2, 330_000],
    [0.25, 4, 2 * HOUR_MS * 0.95],
    [0, 0, 0],
  ])('with random()=%f after %i attempts the delay is %i ms', (r, attemptCount, delayMs) => {
    const at = computeNextAttemptAt({ attemptCount, schedule, now, random: () => r });
    expect(Math.abs(at!.getTime() - now.getTime() - delayMs)).toBeLessThanOrEqual(1);
  });

  it.each([
    // Retry-After (ms), attempts made, expected delay (ms)
    [120_000, 1, 120_000], // asks for longer than the 5 s step: honoured
    [1_000, 2, 300_000], // asks for sooner than the 5 min step: the schedule wins
    [0, 1, 5_000],
    [7 * 24 * HOUR_MS, 1, 24 * HOUR_MS], // asks for a week: capped at a day
    [null, 3, 1_800_000],
  ])('honours Retry-After %j ms within bounds after %i attempts (delay %i ms)', (retryAfterMs, attemptCount, delayMs) => {
    const at = computeNextAttemptAt({ attemptCount, schedule, now, retryAfterMs, random: noJitter });
    expect(at!.getTime() - now.getTime()).toBe(delayMs);
  });

  it('does not let Retry-After revive an exhausted schedule', () => {
    expect(computeNextAttemptAt({ attemptCount: 8, schedule, now, retryAfterMs: 1000 })).toBeNull();
  });

  it.each([
    ['0,5,300,1800,7200,18000,36000,36000', [0, 5, 300, 1800, 7200, 18000, 36000, 36000]],
    ['1, 2 ,3', [1, 2, 3]],
    ['0', [0]],
  ])('parses %j', (text, expected) => {
    expect(parseRetrySchedule(text)).toEqual(expected);
  });

  it.each([
    ['5,soon', 'WEBHOOK_RETRY_SCHEDULE: each delay must be whole seconds from 0 to 604800, got "soon"'],
    ['1,,2', 'WEBHOOK_RETRY_SCHEDULE: each delay must be whole seconds from 0 to 604800, got ""'],
    ['-5', 'WEBHOOK_RETRY_SCHEDULE: each delay must be whole seconds from 0 to 604800, got "-5"'],
    ['1.5', 'WEBHOOK_RETRY_SCHEDULE: each delay must be whole seconds from 0 to 604800, got "1.5"'],
    ['999999999', 'WEBHOOK_RETRY_SCHEDULE: each delay must be whole seconds from 0 to 604800, got "999999999"'],
    [Array(51).fill('1').join(','), 'WEBHOOK_RETRY_SCHEDULE: at most 50 delays'],
  ])('rejects %j with one line', (text, message) => {
    expect(() => parseRetrySchedule(text)).toThrow(message);
  });
});
