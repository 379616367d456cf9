import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

// Secrets Porchlight must be able to read back (webhook signing secrets: it signs with them and
// the realtor can reveal them), so they cannot be hashed: AES-256-GCM under DATA_ENCRYPTION_KEY.
// A database dump or a read-only SQL injection then yields ciphertext without the key, which
// lives only in the processes' environment. GCM's tag makes a tampered or truncated value fail
// instead of opening to garbage.
//
// Format: `enc1:<keyId>:<iv>:<tag>:<ciphertext>` (base64url parts). keyId is the first 8 hex
// characters of sha256(key): it names the key a value needs without revealing it, so opening
// with another key says which one was expected instead of a bare "unable to authenticate".

/** Bytes of a data encryption key (AES-256). */
export const DATA_KEY_BYTES = 32;
/** Prefix of every sealed value (bump the version if the format changes). */
export const SEALED_PREFIX = 'enc1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SEALED_PATTERN = /^enc1:([0-9a-f]{8}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22}):([A-Za-z0-9_-]*)$/;

/** A sealed value that cannot be opened: wrong key, tampered, or not in the format. */
export class SecretBoxError extends Error {}

/** The public name of a key: first 8 hex characters of its SHA-256. */
export function dataKeyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * The key used when DATA_ENCRYPTION_KEY is unset: HKDF-SHA256 of SESSION_SECRET. Changing
 * SESSION_SECRET then changes this key, and values sealed under the old one no longer open.
 */
export function deriveDataKey(sessionSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', sessionSecret, '', 'porchlight webhook secrets v1', DATA_KEY_BYTES));
}

/** DATA_ENCRYPTION_KEY as written: 64 hex characters or base64 (or base64url) of 32 bytes; null if neither. */
export function parseDataKey(text: string): Buffer | null {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (!/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(s)) return null;
  const key = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === DATA_KEY_BYTES ? key : null;
}

function assertKey(key: Buffer): void {
  if (key.length !== DATA_KEY_BYTES) throw new SecretBoxError(`data encryption key must be ${DATA_KEY_BYTES} bytes, got ${key.length}`);
}

export function isSealed(value: string): boolean {
  return value.startsWith(SEALED_PREFIX);
}

/** `plaintext` encrypted under `key` with a fresh random IV: sealing the same text twice gives two values. */
export function sealSecret(plaintext: string, key: Buffer): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${SEALED_PREFIX}${dataKeyId(key)}:${iv.toString('base64url')}:${cipher.getAuthTag().toString('base64url')}:${ciphertext.toString('base64url')}`;
}

/** The key id a sealed value names, or null when it is not one. */
export function sealedKeyId(value: string): string | null {
  return SEALED_PATTERN.exec(value)?.[1] ?? null;
}

/**
 * The plaintext of a sealed value, opened with whichever of `key` and `previousKeys` (keys being
 * rotated out, DATA_ENCRYPTION_PREVIOUS_KEYS) it names. Throws SecretBoxError on a key not
 * configured (naming the ids), a tampered value or a malformed one.
 */
export function openSecret(sealed: string, key: Buffer, previousKeys: readonly Buffer[] = []): string {
  assertKey(key);
  const m = SEALED_PATTERN.exec(sealed);
  if (!m) throw new SecretBoxError('not a sealed value (expected enc1:<keyId>:<iv>:<tag>:<ciphertext>)');
  const [, keyId, iv, tag, ciphertext] = m;
  const ours = dataKeyId(key);
  const match = [key, ...previousKeys].find((k) => dataKeyId(k) === keyId);
  if (!match) {
    const others = previousKeys.length ? ` (previous keys: ${previousKeys.map(dataKeyId).join(', ')})` : '';
    throw new SecretBoxError(`sealed with data encryption key ${keyId}, but the configured key is ${ours}${others}: set DATA_ENCRYPTION_KEY, or DATA_ENCRYPTION_PREVIOUS_KEYS while rotating, to the key it was sealed with (docs/configuration.md)`);
  }
  assertKey(match);
  const decipher = createDecipheriv('aes-256-gcm', match, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretBoxError(`sealed value does not authenticate under key ${keyId}: it was altered or truncated`);
  }
}
