import { describe, expect, it } from 'vitest';
import { itMaps } from '#test/table.ts';
import { normaliseEmail, normalisePhone } from './normalise-contact.ts';

describe('contact normalisation', () => {
  itMaps(normaliseEmail, 'normalises email %j to %j', [
    ['  Dana@Example.COM ', 'dana@example.com'],
    ['', null],
    [null, null],
  ]);

  // National numbers are read in the default country (US unless DEFAULT_PHONE_COUNTRY says otherwise).
  itMaps((s: string | null) => normalisePhone(s), 'stores phone %j as %j (default country US)', [
    ['+1 (555) 010-0199', '+15550100199'],
    ['555.010.0199', '+15550100199'],
    ['(415) 555-0134', '+14155550134'],
    ['1 415 555 0134', '+14155550134'],
    ['  415-555-0134  ', '+14155550134'],
    ['011 44 20 7946 0958', '+442079460958'],
    ['+44 (20) 7946-0958', '+442079460958'],
    ['+33 6 12 34 56 78', '+33612345678'],
    ['+61 2 9374 4000', '+61293744000'],
    // A UK number written nationally is not a US number: it needs its +44.
    ['020 7946 0958', null],
    ['415 555 013', null],
    ['12345', null],
    ['call me maybe', null],
    ['415-555-0134 ext 2', null],
    ['+999 123 456 789', null],
    ['+1234567890123456', null],
    ['', null],
    [null, null],
  ]);

  itMaps((s: string) => normalisePhone(s, 'GB'), 'stores phone %j as %j (default country GB)', [
    ['020 7946 0958', '+442079460958'],
    ['07700 900123', '+447700900123'],
    ['+1 415 555 0134', '+14155550134'],
    ['1234', null],
  ]);

  it('is idempotent: an E.164 number normalises to itself', () => {
    for (const n of ['+15550100199', '+442079460958', '+33612345678']) expect(normalisePhone(n)).toBe(n);
  });
});
