// A password reset takes away what was set up before the account's address was confirmed
// (core/accounts/revoke-pre-verification-access.ts): with SIGNUP_VERIFY_FIRST off, someone can sign
// up with another person's address and, before its owner takes the account back, create an API key
// and a webhook endpoint. When the owner resets through the emailed link, the key stops working and
// the endpoint is disabled with a reason — also when the owner first clicked "Confirm your email
// address", which with the setting off takes no password and so proves nothing about who chose it.
// What was set up after the address was confirmed is kept. Real Postgres, Redis, worker and SMTP.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNVERIFIED_SETUP_DISABLED_REASON } from '#core/webhooks/disable-webhook-endpoint.ts';
import { createBearerClient, makeApiKey } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { linkTokenIn } from '#test/smtp.ts';
import { useMailStack } from '#test/mail-stack.ts';
import { startTestReceiver, type TestReceiver } from '#test/webhook-receiver.ts';

const stack = useMailStack({ SIGNUP_VERIFY_FIRST: 'false' });
const uniqueEmail = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}@example.com`;
const NEW_PASSWORD = 'the owner takes it back';

let receiver: TestReceiver;
beforeAll(async () => {
  receiver = await startTestReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

/** Signs up with `email` (a session at once: SIGNUP_VERIFY_FIRST is off), then creates an API key and a webhook endpoint. */
async function setUpAccount(email: string) {
  const client = new ApiClient(stack.server.url);
  await client.signUp({ email });
  return { client, ...(await setUpIntegration(client)) };
}

/** An API key and a webhook endpoint made with `client`'s session; the key works. */
async function setUpIntegration(client: ApiClient) {
  const key = await makeApiKey({ client });
  const endpoint = await client.post('/v1/webhook-endpoints', { url: receiver.url, description: 'leads' });
  expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
  const bearer = createBearerClient(stack.server, key);
  expect((await bearer.get('/v1/leads')).status).toBe(200);
  return { bearer, endpointId: endpoint.body.endpointId as string };
}

/** The signup's "Confirm your email address" link, opened without a password (SIGNUP_VERIFY_FIRST off), as the mailbox's owner does. */
async function confirmThroughEmail(email: string) {
  const verification = await stack.smtp.waitFor((m) => m.envelope.to.includes(email) && /Confirm your email/.test(m.subject));
  const verified = await new ApiClient(stack.server.url).post('/v1/auth/verify-email', { token: linkTokenIn(verification, 'verify-email') });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
}

/** "Forgot password" for `email` and the emailed link, as the mailbox's owner does; then logs in with the new password. */
async function resetThroughEmail(email: string): Promise<ApiClient> {
  const before = stack.smtp.messages.length;
  expect((await new ApiClient(stack.server.url).post('/v1/auth/forgot-password', { email })).status).toBe(202);
  const mail = await stack.smtp.waitFor((m) => stack.smtp.messages.indexOf(m) >= before && m.envelope.to.includes(email) && /Reset your Porchlight password/.test(m.subject));
  const reset = await new ApiClient(stack.server.url).post('/v1/auth/reset-password', { token: linkTokenIn(mail, 'reset-password'), password: NEW_PASSWORD });
  expect(reset.status, JSON.stringify(reset.body)).toBe(204);
  const owner = new ApiClient(stack.server.url);
  const login = await owner.post('/v1/auth/login', { email, password: NEW_PASSWORD });
  expect(login.status).toBe(200);
  owner.csrfToken = login.body.csrfToken;
  return owner;
}

describe('a password reset and what was set up before the address was confirmed', () => {
  it("deletes the account's API keys and disables its webhook endpoints, set up before anyone proved the address", async () => {
    const email = uniqueEmail('claimed');
    const squatter = await setUpAccount(email);

    const owner = await resetThroughEmail(email);
    expect((await owner.get('/v1/auth/me')).body.user.emailVerified).toBe(true);
    const refused = await squatter.bearer.get('/v1/leads');
    expect(refused.status).toBe(401);
    expect((await squatter.client.get('/v1/auth/me')).status).toBe(401);
    expect((await owner.get('/v1/api-keys')).body).toMatchObject({ items: [] });
    const endpoint = await owner.get(`/v1/webhook-endpoints/${squatter.endpointId}`);
    expect(endpoint.status).toBe(200);
    expect(endpoint.body).toMatchObject({ enabled: false, health: { disabledReason: UNVERIFIED_SETUP_DISABLED_REASON, disabledAt: expect.any(String), disabledBy: 'password_reset' } });
  });

  it("a verification link clicked before the reset still ends the squatter's key and endpoint", async () => {
    const email = uniqueEmail('confirmed-first');
    const squatter = await setUpAccount(email);
    // The owner's first reaction to "Confirm your email address": the link. It takes no password
    // here, so it does not tell the owner from whoever chose the password; the squatter goes on.
    await confirmThroughEmail(email);
    expect((await squatter.client.get('/v1/auth/me')).body.user.emailVerified).toBe(true);
    expect((await squatter.bearer.get('/v1/leads')).status).toBe(200);

    const owner = await resetThroughEmail(email);
    expect((await squatter.bearer.get('/v1/leads')).status).toBe(401);
    expect((await squatter.bearer.post('/v1/webhook-endpoints', { url: receiver.url, description: 'again' })).status).toBe(401);
    expect((await squatter.client.get('/v1/auth/me')).status).toBe(401);
    expect((await owner.get('/v1/api-keys')).body).toMatchObject({ items: [] });
    const endpoint = await owner.get(`/v1/webhook-endpoints/${squatter.endpointId}`);
    expect(endpoint.body).toMatchObject({ enabled: false, health: { disabledReason: UNVERIFIED_SETUP_DISABLED_REASON, disabledBy: 'password_reset' } });
  });

  it('a reset keeps the API keys and endpoints set up after the address was confirmed, and ends those from before', async () => {
    const email = uniqueEmail('verified');
    const realtor = await setUpAccount(email);
    await confirmThroughEmail(email);
    const integration = await setUpIntegration(realtor.client);

    const owner = await resetThroughEmail(email);
    expect((await integration.bearer.get('/v1/leads')).status).toBe(200);
    expect((await owner.get(`/v1/webhook-endpoints/${integration.endpointId}`)).body).toMatchObject({ enabled: true, health: { disabledReason: null } });
    expect((await realtor.bearer.get('/v1/leads')).status).toBe(401);
    expect((await owner.get(`/v1/webhook-endpoints/${realtor.endpointId}`)).body).toMatchObject({ enabled: false, health: { disabledBy: 'password_reset' } });
  });

  it('a move to another sign-in address does not move the line: what was set up after the first confirmation survives a reset', async () => {
    const email = uniqueEmail('mover');
    const realtor = new ApiClient(stack.server.url);
    const { password } = await realtor.signUp({ email });
    await confirmThroughEmail(email);
    const integration = await setUpIntegration(realtor);
    const newEmail = uniqueEmail('moved');
    expect((await realtor.post('/v1/account/email', { newEmail, password })).status).toBe(202);
    const change = await stack.smtp.waitFor((m) => m.envelope.to.includes(newEmail) && /Confirm your new Porchlight sign-in email/.test(m.subject));
    expect((await new ApiClient(stack.server.url).post('/v1/auth/confirm-email-change', { token: linkTokenIn(change, 'confirm-email') })).status).toBe(200);

    const owner = await resetThroughEmail(newEmail);
    expect((await integration.bearer.get('/v1/leads')).status).toBe(200);
    expect((await owner.get(`/v1/webhook-endpoints/${integration.endpointId}`)).body).toMatchObject({ enabled: true });
  });
});
