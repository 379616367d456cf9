import { hash, verify } from '@node-rs/argon2';

// argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).
const ARGON2_OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

// Passwords are hashed and compared in Unicode NFC, so the same characters typed on systems that
// compose them differently ("é" as U+00E9, or "e" + U+0301 from a macOS file name or a
// password manager) are the same password. Why this is safe for the hashes stored before:
// normalising a string that is already NFC returns it unchanged — every ASCII password and nearly
// everything keyboards and browsers send — so those hashes verify exactly as before; a password
// stored in another form (decomposed) is still accepted as it was typed then (`verifyPassword`
// falls back to the raw string when it differs from its NFC form). Callers refuse lone surrogates
// first (ZPassword): normalisation keeps them and the hash library would make them all U+FFFD.

export function hashPassword(password: string): Promise<string> {
  return hash(password.normalize('NFC'), ARGON2_OPTIONS);
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  const nfc = password.normalize('NFC');
  if (await verifyHash(passwordHash, nfc)) return true;
  // A hash made before normalisation from a decomposed password: costs a second verify only for
  // input that is not NFC.
  return nfc !== password && verifyHash(passwordHash, password);
}

async function verifyHash(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

/** A real hash to verify against when the email is unknown, so both paths cost the same. */
let dummyHash: Promise<string> | undefined;
export function getDummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword('porchlight-timing-equaliser');
  return dummyHash;
}
