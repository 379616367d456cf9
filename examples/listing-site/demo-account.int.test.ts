// The demo account `npm run example` creates logs in with the README's password, also where
// signup verifies first (SIGNUP_VERIFY_FIRST, on whenever SMTP_URL is set, as in docker compose):
// its address receives no mail, so it is created confirmed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { DEMO_EMAIL, DEMO_PASSWORD, seedDemoAccount } from './serve.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ SIGNUP_VERIFY_FIRST: 'true' });
});
afterAll(() => server?.close());

describe('the demo account', () => {
  it('logs in with the documented password when signup verifies first, on the first run and on later ones', async () => {
    for (let run = 0; run < 2; run++) {
      await seedDemoAccount(server.orm, ['http://127.0.0.1:4000']);
      const res = await fetch(`${server.url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.url },
        body: JSON.stringify({ email: DEMO_EMAIL, password: DEMO_PASSWORD }),
      });
      expect(res.status).toBe(200);
      expect((await res.json()).user.email).toBe(DEMO_EMAIL);
    }
    const [row] = await server.sql<{ n: number }>('select count(*)::int as n from users where email = $1 and email_verified_at is not null', [DEMO_EMAIL]);
    expect(row.n).toBe(1);
  });
});
