// Times shown in a zone other than the browser's (Today shows the realtor's): the clock reading
// in that zone, whatever zone the test runs in.
import { describe, expect, it } from 'vitest';
import { formatDateTimeIn, formatTimeIn } from './format.ts';

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
