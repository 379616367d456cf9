// Times shown in a zone other than the browser's (Today shows the realtor's): the clock reading
// in that zone, whatever zone the test runs in.
import { describe, expect, it } from 'vitest';
import { formatDateTimeIn, formatRelativeTime, formatTimeIn, utcDayStartOnClock } from './format.ts';

describe('formatTimeIn (a time as the clock reads in a given zone)', () => {
  it.each([
    ['2026-12-01T18:30:00.000Z', 'America/New_York', '1:30 PM'],
    ['2026-12-01T18:30:00.000Z', 'Europe/London', '6:30 PM'],
    ['2026-12-01T18:30:00.000Z', 'Asia/Kolkata', '12:00 AM'],
    // UTC+14: already the next morning there.
    ['2026-12-01T18:30:00.000Z', 'Pacific/Kiritimati', '8:30 AM'],
    // Summer time in New York (UTC−4).
    ['2026-07-01T18:30:00.000Z', 'America/New_York', '2:30 PM'],
  ])('%s in %s reads %s', (iso, zone, expected) => {
    expect(formatTimeIn(iso, zone, 'en-US').replace(/\u202f/g, ' ')).toBe(expected);
  });

  it('falls back to the browser\'s zone for a zone it does not know, instead of throwing', () => {
    expect(formatTimeIn('2026-12-01T18:30:00.000Z', 'Mars/Olympus_Mons', 'en-US')).toMatch(/^\d{1,2}:30\s?[AP]M$/);
  });
});

describe('formatDateTimeIn', () => {
  it('gives the date of that zone too', () => {
    expect(formatDateTimeIn('2026-12-01T18:30:00.000Z', 'Pacific/Kiritimati').replace(/\u202f/g, ' ')).toBe('Dec 2, 2026, 8:30 AM');
  });
});

describe('formatRelativeTime', () => {
  const now = Date.parse('2026-12-01T12:00:00.000Z');
  it.each([
    ['2026-12-01T11:59:30.000Z', 'just now'],
    ['2026-12-01T12:00:00.000Z', 'just now'],
    // A reminder about to fall due reads as ahead, not as past.
    ['2026-12-01T12:00:20.000Z', 'in under a minute'],
    // A few seconds ahead: the server's clock ahead of the browser's, for something done just now.
    ['2026-12-01T12:00:03.000Z', 'just now'],
    ['2026-12-01T12:05:00.000Z', 'in 5 minutes'],
    ['2026-12-01T11:55:00.000Z', '5 minutes ago'],
  ])('%s reads %s', (iso, expected) => {
    expect(formatRelativeTime(iso, now)).toBe(expected);
  });
});

describe('utcDayStartOnClock (when the UTC day the Analytics page counts starts where the realtor is)', () => {
  it.each([
    ['2026-12-03T15:00:00.000Z', 'America/New_York', '7:00 PM'],
    // Summer time: an hour later on the clock.
    ['2026-07-03T15:00:00.000Z', 'America/New_York', '8:00 PM'],
    ['2026-12-03T15:00:00.000Z', 'Asia/Kolkata', '5:30 AM'],
    ['2026-12-03T15:00:00.000Z', 'Europe/Berlin', '1:00 AM'],
  ])('%s in %s: %s', (iso, zone, expected) => {
    expect(utcDayStartOnClock(new Date(iso), zone, 'en-US')?.replace(/\u202f/g, ' ')).toBe(expected);
  });

  it.each([['UTC'], ['Europe/London'], ['Africa/Abidjan']])('is null where the clock reads UTC in December (%s): nothing to explain', (zone) => {
    expect(utcDayStartOnClock(new Date('2026-12-03T15:00:00.000Z'), zone, 'en-US')).toBeNull();
  });

  it('is not null in London in summer (UTC+1)', () => {
    expect(utcDayStartOnClock(new Date('2026-07-03T15:00:00.000Z'), 'Europe/London', 'en-US')?.replace(/\u202f/g, ' ')).toBe('1:00 AM');
  });
});
