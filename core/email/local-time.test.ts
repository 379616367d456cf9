import { describe, expect, it } from 'vitest';
import { fromWallTime, nextAllowedSendTime, nextDigestTime, nextLocalTime, toWallTime, ZTimeZone } from './local-time.ts';

// 2026 transitions used below (checked against the tz database):
// America/New_York  springs forward Sun 8 Mar 02:00 EST → 03:00 EDT; falls back Sun 1 Nov 02:00 EDT → 01:00 EST.
// Pacific/Auckland  falls back Sun 5 Apr 03:00 NZDT → 02:00 NZST; springs forward Sun 27 Sep 02:00 NZST → 03:00 NZDT.
// Asia/Kolkata      UTC+05:30 all year.
const NY = 'America/New_York';
const AKL = 'Pacific/Auckland';
const IST = 'Asia/Kolkata';
const at = (iso: string) => new Date(iso);

describe('wall time in a zone', () => {
  it.each([
    ['2026-01-15T15:00:00Z', NY, '2026-01-15 10:00'],
    ['2026-07-15T15:00:00Z', NY, '2026-07-15 11:00'],
    ['2026-06-01T20:00:00Z', IST, '2026-06-02 01:30'],
    ['2026-01-15T15:00:00Z', AKL, '2026-01-16 04:00'],
  ])('%s in %s reads %s', (iso, tz, expected) => {
    const w = toWallTime(at(iso), tz);
    const pad = (n: number) => String(n).padStart(2, '0');
    expect(`${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`).toBe(expected);
  });

  it.each([
    // [wall time, zone, instant, why]
    [{ year: 2026, month: 3, day: 8, hour: 1, minute: 59 }, NY, '2026-03-08T06:59:00Z', 'just before the gap'],
    [{ year: 2026, month: 3, day: 8, hour: 2, minute: 30 }, NY, '2026-03-08T07:30:00Z', 'inside the gap: moves forward by the gap (03:30 EDT)'],
    [{ year: 2026, month: 3, day: 8, hour: 3, minute: 0 }, NY, '2026-03-08T07:00:00Z', 'first minute after the gap'],
    [{ year: 2026, month: 11, day: 1, hour: 1, minute: 30 }, NY, '2026-11-01T05:30:00Z', 'repeated hour: the earlier (EDT) instant'],
    [{ year: 2026, month: 11, day: 1, hour: 2, minute: 0 }, NY, '2026-11-01T07:00:00Z', 'after the repeat (EST)'],
    [{ year: 2026, month: 9, day: 27, hour: 2, minute: 30 }, AKL, '2026-09-26T14:30:00Z', 'Auckland gap: 03:30 NZDT'],
    [{ year: 2026, month: 4, day: 5, hour: 2, minute: 30 }, AKL, '2026-04-04T13:30:00Z', 'Auckland repeated hour: the earlier (NZDT) instant'],
    [{ year: 2026, month: 6, day: 2, hour: 9, minute: 0 }, IST, '2026-06-02T03:30:00Z', 'half-hour offset'],
    [{ year: 2026, month: 12, day: 32, hour: 9, minute: 0 }, NY, '2027-01-01T14:00:00Z', 'day 32 rolls into the next year'],
  ])('%j in %s is %s (%s)', (wall, tz, iso, _why) => {
    expect(fromWallTime(wall, tz).toISOString()).toBe(new Date(iso).toISOString());
  });
});

describe('nextLocalTime (reminder snooze: "tomorrow 9:00")', () => {
  it.each([
    // [now, options, expected, why]
    ['2026-01-15T15:00:00Z', { hour: 9, timeZone: NY, dayOffset: 1 }, '2026-01-16T14:00:00Z', 'plain winter day'],
    ['2026-01-15T04:30:00Z', { hour: 9, timeZone: NY, dayOffset: 1 }, '2026-01-15T14:00:00Z', '23:30 local: tomorrow is the local tomorrow, the same UTC date'],
    ['2026-03-07T15:00:00Z', { hour: 9, timeZone: NY, dayOffset: 1 }, '2026-03-08T13:00:00Z', 'across spring-forward: 09:00 EDT'],
    ['2026-10-31T14:00:00Z', { hour: 9, timeZone: NY, dayOffset: 1 }, '2026-11-01T14:00:00Z', 'across fall-back: 09:00 EST'],
    ['2027-01-01T01:00:00Z', { hour: 9, timeZone: NY, dayOffset: 1 }, '2027-01-01T14:00:00Z', 'New Year\u2019s Eve evening: tomorrow is 1 January'],
    ['2026-06-01T20:00:00Z', { hour: 9, timeZone: IST, dayOffset: 1 }, '2026-06-03T03:30:00Z', 'east of UTC, local date already 2 June'],
    ['2026-04-04T10:00:00Z', { hour: 9, timeZone: AKL, dayOffset: 1 }, '2026-04-04T21:00:00Z', 'Auckland, across its fall-back: 09:00 NZST'],
    ['2026-01-15T15:00:00Z', { hour: 8, timeZone: NY, dayOffset: 0 }, '2026-01-15T13:00:00Z', 'dayOffset 0 may be in the past'],
    ['2026-01-15T15:00:00Z', { hour: 17, minute: 30, timeZone: NY }, '2026-01-15T22:30:00Z', 'no dayOffset: later today'],
    ['2026-01-15T15:00:00Z', { hour: 8, timeZone: NY }, '2026-01-16T13:00:00Z', 'no dayOffset: already past today, so tomorrow'],
    ['2026-01-15T15:00:00Z', { hour: 10, timeZone: NY }, '2026-01-16T15:00:00Z', 'no dayOffset: exactly now is not next'],
  ])('from %s with %j → %s (%s)', (now: string, opts: Parameters<typeof nextLocalTime>[1], expected: string, _why: string) => {
    expect(nextLocalTime(at(now), opts).toISOString()).toBe(new Date(expected).toISOString());
  });

  it.each([
    [{ hour: 24, timeZone: NY }, /hour/],
    [{ hour: 9, minute: 60, timeZone: NY }, /minute/],
    [{ hour: 9.5, timeZone: NY }, /hour/],
    [{ hour: 9, timeZone: NY, dayOffset: 0.5 }, /dayOffset/],
    [{ hour: 9, timeZone: 'Mars/Olympus_Mons' }, /Unknown time zone "Mars\/Olympus_Mons"/],
  ])('refuses %j with a clear error', (opts, message) => {
    expect(() => nextLocalTime(at('2026-01-15T15:00:00Z'), opts)).toThrow(message);
  });
});

describe('nextDigestTime', () => {
  it.each([
    ['2026-01-15T11:59:00Z', { hour: 7, timeZone: NY }, '2026-01-15T12:00:00Z', '06:59: this morning'],
    ['2026-01-15T12:00:00Z', { hour: 7, timeZone: NY }, '2026-01-16T12:00:00Z', 'at 07:00 sharp: the next one is tomorrow'],
    ['2026-03-07T12:30:00Z', { hour: 7, timeZone: NY }, '2026-03-08T11:00:00Z', 'spring-forward morning: 07:00 EDT, 23 h later'],
    ['2026-10-31T11:30:00Z', { hour: 7, timeZone: NY }, '2026-11-01T12:00:00Z', 'fall-back morning: 07:00 EST, 25 h later'],
    ['2026-06-01T20:00:00Z', { hour: 7, timeZone: IST }, '2026-06-02T01:30:00Z', 'Kolkata: local morning of 2 June'],
    ['2026-09-26T12:00:00Z', { hour: 2, timeZone: AKL }, '2026-09-26T14:00:00Z', 'Auckland 02:00 does not exist on 27 Sep: 03:00 NZDT'],
  ])('from %s with %j → %s (%s)', (now: string, opts: Parameters<typeof nextDigestTime>[1], expected: string, _why: string) => {
    expect(nextDigestTime(at(now), opts).toISOString()).toBe(new Date(expected).toISOString());
  });
});

describe('nextAllowedSendTime (quiet hours)', () => {
  const overnight = { quietStart: '21:00', quietEnd: '07:00' };
  it.each([
    ['2026-01-15T15:00:00Z', { ...overnight, timeZone: NY }, 'now', '10:00: not quiet'],
    ['2026-01-15T03:00:00Z', { ...overnight, timeZone: NY }, '2026-01-15T12:00:00Z', '22:00: held until 07:00 the next morning'],
    ['2026-01-15T10:00:00Z', { ...overnight, timeZone: NY }, '2026-01-15T12:00:00Z', '05:00: held until 07:00 this morning'],
    ['2026-01-16T02:00:00Z', { ...overnight, timeZone: NY }, '2026-01-16T12:00:00Z', '21:00 sharp is quiet'],
    ['2026-01-15T11:59:59Z', { ...overnight, timeZone: NY }, '2026-01-15T12:00:00Z', '06:59:59 is quiet'],
    ['2026-01-15T12:00:00Z', { ...overnight, timeZone: NY }, 'now', '07:00 sharp is not quiet'],
    ['2026-03-08T03:00:00Z', { ...overnight, timeZone: NY }, '2026-03-08T11:00:00Z', 'spring-forward night: 07:00 EDT'],
    ['2026-11-01T02:00:00Z', { ...overnight, timeZone: NY }, '2026-11-01T12:00:00Z', 'fall-back night: 07:00 EST'],
    ['2026-11-01T06:15:00Z', { quietStart: '00:00', quietEnd: '01:30', timeZone: NY }, '2026-11-01T06:30:00Z', 'second 01:15 of a fall-back night: the clock is in the window again, until the second 01:30'],
    ['2026-01-15T17:30:00Z', { quietStart: '12:00', quietEnd: '13:00', timeZone: NY }, '2026-01-15T18:00:00Z', 'a daytime window'],
    ['2026-01-15T19:00:00Z', { quietStart: '12:00', quietEnd: '13:00', timeZone: NY }, 'now', 'after a daytime window'],
    ['2026-01-15T03:00:00Z', { quietStart: '21:00', quietEnd: '21:00', timeZone: NY }, 'now', 'start = end: no quiet hours'],
    ['2026-01-15T03:00:00Z', { quietStart: null, quietEnd: null, timeZone: NY }, 'now', 'no quiet hours set'],
    ['2026-06-01T17:00:00Z', { quietStart: '22:00', quietEnd: '06:30', timeZone: IST }, '2026-06-02T01:00:00Z', 'Kolkata 22:30: held until 06:30 IST'],
    ['2026-04-04T09:00:00Z', { ...overnight, timeZone: AKL }, '2026-04-04T19:00:00Z', 'Auckland fall-back night: 07:00 NZST'],
    ['2026-09-26T10:00:00Z', { ...overnight, timeZone: AKL }, '2026-09-26T18:00:00Z', 'Auckland spring-forward night: 07:00 NZDT'],
  ])('at %s with %j → %s (%s)', (now: string, opts: Parameters<typeof nextAllowedSendTime>[1], expected: string, _why: string) => {
    const result = nextAllowedSendTime(at(now), opts);
    expect(result.toISOString()).toBe(expected === 'now' ? at(now).toISOString() : new Date(expected).toISOString());
  });

  it('never answers a time before now', () => {
    const tzs = [NY, AKL, IST, 'Europe/London', 'Australia/Lord_Howe'];
    // Every 15 minutes across both 2026 New York transitions and Auckland's.
    for (const [from, to] of [['2026-03-07T00:00:00Z', '2026-03-09T12:00:00Z'], ['2026-10-31T00:00:00Z', '2026-11-02T12:00:00Z'], ['2026-09-25T00:00:00Z', '2026-09-28T00:00:00Z']]) {
      for (let t = Date.parse(from); t < Date.parse(to); t += 15 * 60_000) {
        for (const timeZone of tzs) {
          const now = new Date(t);
          const next = nextAllowedSendTime(now, { ...overnight, timeZone });
          expect(next.getTime()).toBeGreaterThanOrEqual(t);
          // Either now (outside quiet hours) or exactly when they end, at most one night (plus a DST hour) away.
          const w = toWallTime(next, timeZone);
          const minutes = w.hour * 60 + w.minute;
          if (next.getTime() === t) expect(minutes >= 21 * 60 || minutes < 7 * 60).toBe(false);
          else expect([w.hour, w.minute, w.second]).toEqual([7, 0, 0]);
          expect(next.getTime() - t).toBeLessThanOrEqual(11 * 3_600_000);
        }
      }
    }
  });

  it('refuses malformed quiet hours and unknown zones with a clear error', () => {
    expect(() => nextAllowedSendTime(at('2026-01-15T03:00:00Z'), { quietStart: '9pm', quietEnd: '07:00', timeZone: NY })).toThrow(/HH:MM/);
    expect(() => nextAllowedSendTime(at('2026-01-15T03:00:00Z'), { ...overnight, timeZone: 'EST5EDT-ish' })).toThrow(/Unknown time zone/);
  });
});

describe('ZTimeZone (API validation)', () => {
  it.each([
    ['America/New_York', 'America/New_York'],
    ['america/new_york', 'America/New_York'],
    ['  Asia/Kolkata ', 'Asia/Kolkata'],
    ['asia/calcutta', 'Asia/Calcutta'],
    ['US/Eastern', 'US/Eastern'],
    ['Pacific/Auckland', 'Pacific/Auckland'],
    ['UTC', 'UTC'],
  ])('accepts %j as %j', (input, expected) => {
    expect(ZTimeZone.parse(input)).toBe(expected);
  });

  it.each(['', 'Mars/Olympus_Mons', 'America/New York', '+05:30', 'EST+5', 'x'.repeat(100)])('refuses %j with one clear message', (input) => {
    const result = ZTimeZone.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues).toHaveLength(1);
    expect(result.error?.issues[0].message).toBe('Unknown time zone: use an IANA name such as America/New_York');
  });
});

describe('quiet hours on the nights the clocks change', () => {
  const MINUTE_MS = 60_000;
  // Windows whose start or end falls in New York's and Auckland's repeated or skipped hour, and the usual overnight one.
  const windows: Array<[string, string]> = [
    ['21:00', '07:00'], ['00:00', '01:30'], ['00:00', '02:00'], ['00:00', '02:30'], ['00:30', '03:00'], ['00:00', '03:30'],
    ['01:15', '01:45'], ['01:30', '07:00'], ['02:15', '07:00'], ['23:00', '02:30'], ['23:00', '01:30'],
  ];
  const nights: Array<[string, string, string]> = [
    [NY, '2026-03-07T20:00:00Z', 'spring forward'],
    [NY, '2026-10-31T20:00:00Z', 'fall back'],
    [AKL, '2026-04-04T06:00:00Z', 'fall back'],
    [AKL, '2026-09-26T06:00:00Z', 'spring forward'],
  ];
  const clockAt = (instant: number, timeZone: string) => {
    const w = toWallTime(new Date(instant), timeZone);
    return w.hour * 60 + w.minute;
  };
  const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  /**
   * Minute by minute from `first`: quiet while the clock shows a time in the window, or while the
   * night's quiet hours run — begun when the clock passed the start going forward, ended when it
   * passed the end going forward (a fall-back jump passes neither).
   */
  function quietMinutes(first: number, count: number, start: number, end: number, timeZone: string): boolean[] {
    const inWindow = (m: number) => (start > end ? m >= start || m < end : m >= start && m < end);
    const passed = (m: number, from: number, step: number) => (m - from - 1 + 1440) % 1440 < step;
    let clock = clockAt(first, timeZone);
    let running = inWindow(clock);
    const quiet = [running];
    for (let i = 1; i < count; i++) {
      const next = clockAt(first + i * MINUTE_MS, timeZone);
      const step = (next - clock + 1440) % 1440; // 1; 61 over a spring-forward gap; 1381 (back) on a fall-back
      if (step < 720) {
        if (passed(end, clock, step)) running = false;
        if (passed(start, clock, step)) running = true;
      }
      clock = next;
      quiet.push(running || inWindow(clock));
    }
    return quiet;
  }

  // An alert waits while the clock shows a time in quiet hours or the night's quiet hours still
  // run, and goes at the first minute neither holds: not while the clock repeats 01:15 after the
  // first 01:30 (released inside quiet hours), not at 01:00 EST in quiet hours begun at 01:30 EDT
  // (released mid-night), and not at 03:30 when the clock jumped from 02:00 over a 02:30 end
  // (held half an hour after quiet hours ended).
  it.each(nights)('%s, %s night (%s): every 5 minutes, an alert goes at the first minute quiet hours allow', (timeZone, from) => {
    const first = Date.parse(from);
    const minutes = 18 * 60;
    for (const [quietStart, quietEnd] of windows) {
      const quiet = quietMinutes(first, minutes + 12 * 60, minutesOf(quietStart), minutesOf(quietEnd), timeZone);
      // The first minute at or after i whose clock is outside the window.
      const release: number[] = new Array(quiet.length);
      for (let i = quiet.length - 1, next = Number.NaN; i >= 0; i--) release[i] = next = quiet[i] ? next : i;
      for (let i = 0; i < minutes; i += 5) {
        const now = new Date(first + i * MINUTE_MS);
        const expected = new Date(first + release[i] * MINUTE_MS).toISOString();
        expect(nextAllowedSendTime(now, { quietStart, quietEnd, timeZone }).toISOString(), `${quietStart}–${quietEnd} at ${now.toISOString()}`).toBe(expected);
      }
    }
  });

  it.each([
    // New York, 1 November 2026: 01:00–02:00 happens twice (EDT, UTC−4, then EST, UTC−5).
    ['2026-11-01T05:15:00Z', '00:00', '01:30', '2026-11-01T05:30:00Z', 'first 01:15 (EDT): until the first 01:30, not the second'],
    ['2026-11-01T06:15:00Z', '00:00', '01:30', '2026-11-01T06:30:00Z', 'second 01:15 (EST): the clock is inside quiet hours again, until the second 01:30'],
    ['2026-11-01T05:45:00Z', '00:00', '01:30', 'now', 'first 01:45 (EDT): after quiet hours'],
    ['2026-11-01T05:45:00Z', '01:30', '07:00', '2026-11-01T12:00:00Z', 'first 01:45: quiet until 07:00 EST'],
    ['2026-11-01T06:15:00Z', '01:30', '07:00', '2026-11-01T12:00:00Z', 'second 01:15: quiet hours began at the first 01:30 and run until 07:00 EST'],
    ['2026-11-01T05:15:00Z', '01:30', '07:00', 'now', 'first 01:15 (EDT): before quiet hours begin'],
    ['2026-11-01T02:00:00Z', '21:00', '07:00', '2026-11-01T12:00:00Z', '22:00 on the fall-back night: 07:00 EST, not 06:00 or 08:00'],
    // New York, 8 March 2026: 02:00 EST jumps to 03:00 EDT; 02:00–03:00 never happens.
    ['2026-03-08T06:15:00Z', '00:00', '02:30', '2026-03-08T07:00:00Z', '01:15 EST: the clock jumps past 02:30, so quiet hours end at the jump (03:00 EDT), not 03:30'],
    ['2026-03-08T06:15:00Z', '00:00', '02:00', '2026-03-08T07:00:00Z', '01:15 EST: 02:00 becomes 03:00 EDT'],
    ['2026-03-08T06:15:00Z', '00:00', '03:30', '2026-03-08T07:30:00Z', '01:15 EST: 03:30 EDT'],
    ['2026-03-08T07:10:00Z', '02:15', '07:00', '2026-03-08T11:00:00Z', '03:10 EDT (02:15 was skipped): quiet until 07:00 EDT'],
    ['2026-03-08T03:00:00Z', '21:00', '07:00', '2026-03-08T11:00:00Z', '22:00 on the spring-forward night: 07:00 EDT'],
  ])('New York at %s, quiet %s–%s → %s (%s)', (now, quietStart, quietEnd, expected, _why) => {
    const result = nextAllowedSendTime(at(now), { quietStart, quietEnd, timeZone: NY });
    expect(result.toISOString()).toBe(expected === 'now' ? at(now).toISOString() : new Date(expected).toISOString());
  });
});
