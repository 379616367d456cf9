import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dataKeyId, deriveDataKey, openSecret, parseDataKey, SecretBoxError, sealSecret } from './secret-box.ts';

const key = randomBytes(32);
const secret = `whsec_${randomBytes(32).toString('base64')}`;

describe('secret box', () => {
  it('opens what it sealed, and seals the same text differently each time (random IV)', () => {
    const a = sealSecret(secret, key);
    const b = sealSecret(secret, key);
    expect(a).toMatch(new RegExp(`^enc1:${dataKeyId(key)}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$`));
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret.slice(6));
    expect(openSecret(a, key)).toBe(secret);
    expect(openSecret(b, key)).toBe(secret);
    expect(openSecret(sealSecret('', key), key)).toBe('');
  });

  it('refuses a tampered ciphertext, tag or IV instead of opening it to something else', () => {
    const sealed = sealSecret(secret, key);
    const parts = sealed.split(':');
    for (const i of [2, 3, 4]) {
      const bytes = Buffer.from(parts[i], 'base64url');
      bytes[0] ^= 1;
      const tampered = [...parts.slice(0, i), bytes.toString('base64url'), ...parts.slice(i + 1)].join(':');
      expect(() => openSecret(tampered, key)).toThrow(SecretBoxError);
      expect(() => openSecret(tampered, key)).toThrow(/does not authenticate/);
    }
    expect(() => openSecret(sealed.slice(0, -4), key)).toThrow(SecretBoxError);
    expect(() => openSecret('whsec_abc', key)).toThrow(/not a sealed value/);
  });

  it('opened with another key, says which key sealed it and which one is configured', () => {
    const other = randomBytes(32);
    const sealed = sealSecret(secret, key);
    expect(() => openSecret(sealed, other)).toThrow(SecretBoxError);
    expect(() => openSecret(sealed, other)).toThrow(`sealed with data encryption key ${dataKeyId(key)}, but the configured key is ${dataKeyId(other)}`);
  });

  it('opens a value sealed under a previous key (a rotation), by the key id it names', () => {
    const next = randomBytes(32);
    const sealed = sealSecret(secret, key);
    expect(openSecret(sealed, next, [randomBytes(32), key])).toBe(secret);
    expect(openSecret(sealSecret(secret, next), next, [key])).toBe(secret);
    const stranger = randomBytes(32);
    expect(() => openSecret(sealed, next, [stranger])).toThrow(`sealed with data encryption key ${dataKeyId(key)}, but the configured key is ${dataKeyId(next)} (previous keys: ${dataKeyId(stranger)})`);
  });

  it('reads a key as 64 hex characters or base64 of 32 bytes, and nothing else', () => {
    expect(parseDataKey(key.toString('hex'))?.equals(key)).toBe(true);
    expect(parseDataKey(key.toString('base64'))?.equals(key)).toBe(true);
    expect(parseDataKey(key.toString('base64url'))?.equals(key)).toBe(true);
    expect(parseDataKey(randomBytes(16).toString('hex'))).toBeNull();
    expect(parseDataKey(randomBytes(31).toString('base64'))).toBeNull();
    expect(parseDataKey('a session secret of at least 32 characters, not a key')).toBeNull();
  });

  it('derives a stable 32-byte key from SESSION_SECRET, different for another secret', () => {
    const derived = deriveDataKey('a-session-secret-of-at-least-32-characters');
    expect(derived).toHaveLength(32);
    expect(deriveDataKey('a-session-secret-of-at-least-32-characters').equals(derived)).toBe(true);
    expect(deriveDataKey('another-session-secret-of-32-characters!').equals(derived)).toBe(false);
  });
});
