// Passwords are compared in NFC: "é" composed (U+00E9) or decomposed ("e" + U+0301) is one
// password, and hashes stored before normalisation still verify (real argon2, no database).
import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import { itMaps } from '#test/table.ts';
import { ZNewPassword, ZPassword } from './account-schemas.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

const COMPOSED = 'caf\u00e9 au lait, s\u00e9same';
const DECOMPOSED = 'cafe\u0301 au lait, se\u0301same';

describe('NFC', () => {
  it('a password typed composed or decomposed is the same password', async () => {
    expect(COMPOSED).not.toBe(DECOMPOSED);
    for (const stored of [COMPOSED, DECOMPOSED]) {
      const h = await hashPassword(stored);
      expect(await verifyPassword(h, COMPOSED)).toBe(true);
      expect(await verifyPassword(h, DECOMPOSED)).toBe(true);
      expect(await verifyPassword(h, 'cafe au lait, sesame')).toBe(false);
    }
  });

  it('hashes stored before normalisation still verify: an NFC (e.g. ASCII) password as it was, a decomposed one typed as then', async () => {
    // What hashPassword stored before: the string as sent, with the same argon2id settings.
    const hashAsBefore = (password: string) => hash(password, { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    const ascii = await hashAsBefore('correct horse battery');
    expect(await verifyPassword(ascii, 'correct horse battery')).toBe(true);
    expect(await verifyPassword(ascii, 'correct horse battery!')).toBe(false);
    const composed = await hashAsBefore(COMPOSED);
    expect(await verifyPassword(composed, COMPOSED)).toBe(true);
    expect(await verifyPassword(composed, DECOMPOSED)).toBe(true);
    const decomposed = await hashAsBefore(DECOMPOSED);
    expect(await verifyPassword(decomposed, DECOMPOSED)).toBe(true);
  });
});

describe('passwords must be well-formed Unicode', () => {
  const accepted = (schema: typeof ZPassword) => (password: string) => schema.safeParse(password).success;
  itMaps(accepted(ZNewPassword), 'new password %j → %j', [
    ['correct horse battery', true],
    [COMPOSED, true],
    ['emoji \u{1F3E1} in a pair', true],
    ['lone high \ud800 surrogate', false],
    ['lone low \udfff surrogate', false],
    ['reversed pair \udc00\ud800 here', false],
    ['ends on a high surrogate \ud83c', false],
  ]);
  itMaps(accepted(ZPassword), 'password %j → %j', [
    ['x', true],
    ['\ud800', false],
  ]);
});
