import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createWebhookHeaders, createWebhookSecret, selectSigningSecrets, signWebhook } from './sign-webhook.ts';

const body = JSON.stringify({ type: 'lead.hot', timestamp: '2026-11-29T10:00:00.000Z', data: { leadId: '0b6f4a52-5d0e-4a8e-9b1e-0f3f1b7f2f10' } });

describe('webhook signing (Standard Webhooks)', () => {
  it('creates whsec_ secrets of 32 random bytes that the official library accepts', () => {
    const a = createWebhookSecret();
    const b = createWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(32);
    expect(a).not.toBe(b);
    expect(() => new Webhook(a)).not.toThrow();
  });

  it('matches the specification’s published example signature', () => {
    const signature = signWebhook({
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    });
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('produces headers the official standardwebhooks package verifies', () => {
    const secret = createWebhookSecret();
    const headers = createWebhookHeaders({ id: 'msg_abc', timestamp: new Date(), body, secrets: [secret] });
    expect(headers['webhook-id']).toBe('msg_abc');
    expect(headers['webhook-timestamp']).toMatch(/^\d{10}$/);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    // Same bytes as the library's own signer.
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('msg_abc', new Date(Number(headers['webhook-timestamp']) * 1000), body));
  });

  it('signs non-ASCII bodies over their UTF-8 bytes like the official library', () => {
    const secret = createWebhookSecret();
    const text = JSON.stringify({ data: { name: 'Zoë Ångström 🏡' } });
    const headers = createWebhookHeaders({ id: 'msg_utf8', timestamp: new Date(), body: text, secrets: [secret] });
    expect(new Webhook(secret).verify(text, { ...headers })).toEqual(JSON.parse(text));
  });

  it('during a rotation both the old and the new secret verify, and an unrelated one does not', () => {
    const oldSecret = createWebhookSecret();
    const newSecret = createWebhookSecret();
    const headers = createWebhookHeaders({ id: 'msg_rot', timestamp: new Date(), body, secrets: [newSecret, oldSecret] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(oldSecret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(new Webhook(newSecret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(createWebhookSecret()).verify(body, { ...headers })).toThrow(WebhookVerificationError);
  });

  it.each([
    ['a changed body', { body: `${body} ` }],
    ['a changed id', { 'webhook-id': 'msg_other' }],
    ['a changed timestamp', { 'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 1) }],
  ])('fails verification for %s', (_name, change) => {
    const secret = createWebhookSecret();
    const headers = createWebhookHeaders({ id: 'msg_tamper', timestamp: new Date(), body, secrets: [secret] });
    const { body: changedBody = body, ...headerChanges } = change as Record<string, string>;
    expect(() => new Webhook(secret).verify(changedBody, { ...headers, ...headerChanges })).toThrow(WebhookVerificationError);
  });

  it('refuses to sign with no secret or a malformed one', () => {
    expect(() => signWebhook({ id: 'msg_x', timestamp: 1, body, secrets: [] })).toThrow(/at least one secret/);
    expect(() => signWebhook({ id: 'msg_x', timestamp: 1, body, secrets: ['sk_nope'] })).toThrow(/whsec_/);
    expect(() => signWebhook({ id: 'msg_x', timestamp: 1, body, secrets: ['whsec_c2hvcnQ='] })).toThrow(/24 to 64 bytes/);
    expect(() => signWebhook({ id: 'msg_x', timestamp: 1, body, secrets: ['whsec_!!!!not-base64!!!!!!!!!!!!!!!!!!!!!!!!!!'] })).toThrow(/base64/);
  });

  it('keeps the previous secret signing only until its grace period ends', () => {
    const now = new Date('2026-11-29T10:00:00Z');
    const endpoint = { secret: 'whsec_new', previousSecret: 'whsec_old', previousSecretExpiresAt: new Date('2026-11-30T10:00:00Z') };
    expect(selectSigningSecrets(endpoint, now)).toEqual(['whsec_new', 'whsec_old']);
    expect(selectSigningSecrets(endpoint, new Date('2026-11-30T10:00:00Z'))).toEqual(['whsec_new']);
    expect(selectSigningSecrets({ secret: 'whsec_new', previousSecret: null, previousSecretExpiresAt: null }, now)).toEqual(['whsec_new']);
  });
});
