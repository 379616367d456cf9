// Times shown in a zone other than the browser's (Today shows the realtor's): the clock reading
// in that zone, whatever zone the test runs in.
import { describe, expect, it } from 'vitest';
import { dateIn, formatDateTimeIn, formatRelativeTime, formatTimeIn } from './format.ts';

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

describe('dateIn (the day the Analytics page counts to, where the realtor is)', () => {
  it.each([
    ['2026-12-03T07:30:00.000Z', 'America/Los_Angeles', '2026-12-02'],
    ['2026-12-03T07:30:00.000Z', 'UTC', '2026-12-03'],
    ['2026-12-03T20:00:00.000Z', 'Asia/Kolkata', '2026-12-04'],
    ['2026-12-31T23:59:59.000Z', 'Pacific/Kiritimati', '2027-01-01'],
  ])('%s in %s is %s', (iso, zone, expected) => {
    expect(dateIn(new Date(iso), zone)).toBe(expected);
  });
});
