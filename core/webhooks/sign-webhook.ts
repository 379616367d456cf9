import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com, "Signature scheme"): a receiver
 * verifies with the official libraries (`standardwebhooks` on npm, and its siblings in other
 * languages) using only the `whsec_` secret — nothing here is Porchlight-specific.
 */

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** Random bytes in a new secret; the spec asks for 24–64 (we use 32, the HMAC-SHA256 block-friendly size). */
export const WEBHOOK_SECRET_BYTES = 32;
/** How long the previous secret keeps signing beside the new one after a rotation. */
export const WEBHOOK_SECRET_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;

/** A new endpoint secret: `whsec_` + base64 of 32 random bytes. */
export function createWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(WEBHOOK_SECRET_BYTES).toString('base64')}`;
}

/** The HMAC key inside a `whsec_` secret. Throws on anything else, so a corrupt secret never signs. */
function decodeWebhookSecret(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) throw new Error('webhook secret must start with whsec_');
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  // Buffer.from(…, 'base64') silently skips invalid characters; insist on canonical base64 instead.
  const key = Buffer.from(encoded, 'base64');
  if (key.length < 24 || key.length > 64 || key.toString('base64') !== encoded) {
    throw new Error('webhook secret must be whsec_ followed by base64 of 24 to 64 bytes');
  }
  return key;
}

/** `webhook-timestamp` is whole Unix seconds; Dates are floored like the official libraries do. */
function toUnixSeconds(timestamp: Date | number): number {
  return typeof timestamp === 'number' ? Math.floor(timestamp) : Math.floor(timestamp.getTime() / 1000);
}

export interface SignWebhookInput {
  /** The message id (`msg_…`), the same on every attempt so receivers can deduplicate. */
  id: string;
  /** When this attempt is sent (a Date, or Unix seconds). Re-signed per attempt: receivers reject stale timestamps. */
  timestamp: Date | number;
  /** The exact bytes of the request body. */
  body: string;
  /** Every secret that should sign: the current one, plus the previous one during a rotation. */
  secrets: readonly string[];
}

/**
 * The `webhook-signature` header value: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` per secret,
 * space-separated. A receiver accepts the request when any one of them matches its secret, which
 * is what lets a rotation go unnoticed by receivers still holding the old secret.
 */
export function signWebhook({ id, timestamp, body, secrets }: SignWebhookInput): string {
  if (secrets.length === 0) throw new Error('signWebhook needs at least one secret');
  const signed = `${id}.${toUnixSeconds(timestamp)}.${body}`;
  return secrets.map((secret) => `v1,${createHmac('sha256', decodeWebhookSecret(secret)).update(signed, 'utf8').digest('base64')}`).join(' ');
}

export interface WebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three Standard Webhooks headers for one attempt. */
export function createWebhookHeaders(input: SignWebhookInput): WebhookHeaders {
  return {
    'webhook-id': input.id,
    'webhook-timestamp': String(toUnixSeconds(input.timestamp)),
    'webhook-signature': signWebhook(input),
  };
}

/**
 * The secrets that sign at `now`: the current one, and the previous one until its grace period
 * ends (`previousSecretExpiresAt`), so receivers can switch secrets at their own pace.
 */
export function selectSigningSecrets(
  endpoint: { secret: string; previousSecret?: string | null; previousSecretExpiresAt?: Date | null },
  now: Date,
): string[] {
  const { secret, previousSecret, previousSecretExpiresAt } = endpoint;
  if (previousSecret && previousSecretExpiresAt && previousSecretExpiresAt.getTime() > now.getTime()) return [secret, previousSecret];
  return [secret];
}
