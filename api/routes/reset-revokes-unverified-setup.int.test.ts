// A password reset that confirms the account's address also takes away what was set up before it
// (core/accounts/revoke-pre-verification-access.ts): with SIGNUP_VERIFY_FIRST off, someone can sign
// up with another person's address and, before its owner ever resets the password, create an API
// key and a webhook endpoint. When the owner resets through the emailed link, the key stops working
// and the endpoint is disabled with a reason. A reset of an already-verified account keeps both.
// Real Postgres, Redis, worker and SMTP server.
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
  const key = await makeApiKey({ client });
  const endpoint = await client.post('/v1/webhook-endpoints', { url: receiver.url, description: 'leads' });
  expect(endpoint.status, JSON.stringify(endpoint.body)).toBe(201);
  const bearer = createBearerClient(stack.server, key);
  expect((await bearer.get('/v1/leads')).status).toBe(200);
  return { client, bearer, endpointId: endpoint.body.endpointId as string };
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

describe('a password reset that verifies the address', () => {
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

  it('a reset of an account whose address was already verified keeps its API keys and endpoints', async () => {
    const email = uniqueEmail('verified');
    const realtor = await setUpAccount(email);
    const verification = await stack.smtp.waitFor((m) => m.envelope.to.includes(email) && /Confirm your email/.test(m.subject));
    expect((await new ApiClient(stack.server.url).post('/v1/auth/verify-email', { token: linkTokenIn(verification, 'verify-email') })).status).toBe(200);

    const owner = await resetThroughEmail(email);
    expect((await realtor.bearer.get('/v1/leads')).status).toBe(200);
    const endpoint = await owner.get(`/v1/webhook-endpoints/${realtor.endpointId}`);
    expect(endpoint.body).toMatchObject({ enabled: true, health: { disabledReason: null } });
  });
});
