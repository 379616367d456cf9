import { connect, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  LOGIN_MAX_FAILURES_PER_ACCOUNT,
  LOGIN_MAX_FAILURES_PER_ACCOUNT_IP,
  LOGIN_WINDOW_SEC,
} from '#api/middleware/login-throttle.ts';
import { issueAccountToken, PASSWORD_RESET_TTL_MS } from '#core/accounts/account-tokens.ts';
import { startTestServer, type TestServer } from '#test/app.ts';
import { TEST_REDIS_URL } from '#test/env.ts';
import { ApiClient } from '#test/http.ts';

// Behind one trusted proxy (TRUST_PROXY=true): the proxy appends the address it saw to X-Forwarded-For.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
});
afterAll(async () => {
  await server.close();
});

/** A login as the proxy forwards it: whatever the client claimed, then the address the proxy saw. */
function logIn(email: string, password: string, clientIp: string, claimed?: string) {
  const forwarded = claimed ? `${claimed}, ${clientIp}` : clientIp;
  return new ApiClient(server.url).request('POST', '/v1/auth/login', { json: { email, password }, headers: { 'x-forwarded-for': forwarded } });
}

/**
 * Logins that reach the server at the same moment: every socket is connected first, then all the
 * requests are written in one go (fetch would stagger them over connection setup).
 */
async function sendSimultaneousLogins(email: string, passwords: string[], clientIp: string) {
  const { port } = new URL(server.url);
  const sockets = await Promise.all(passwords.map(() => new Promise<Socket>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  })));
  const answers = sockets.map((socket) => new Promise<{ status: number; setsCookie: boolean }>((resolve) => {
    let raw = '';
    socket.on('data', (d) => (raw += d));
    socket.on('end', () => resolve({ status: Number(raw.slice(9, 12)), setsCookie: /^set-cookie:/im.test(raw) }));
  }));
  sockets.forEach((socket, i) => {
    const body = JSON.stringify({ email, password: passwords[i] });
    socket.write(`POST /v1/auth/login HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-forwarded-for: ${clientIp}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  return Promise.all(answers);
}

/**
 * Calls `onCommand` with the arguments of every command Redis runs (MONITOR), on a raw socket.
 * Not ioredis' `monitor()`: it enters monitoring mode a microtask after MONITOR's +OK, so command
 * lines arriving in the same packet as that +OK (likely while other test files keep Redis busy)
 * were taken for replies with no command waiting: "Command queue state error", thrown as uncaught
 * exceptions. Resolves once monitoring has started.
 */
async function monitorRedis(onCommand: (args: string[]) => void): Promise<{ close(): void }> {
  const url = new URL(TEST_REDIS_URL);
  const socket = connect(Number(url.port || 6379), url.hostname);
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      let end = buffered.indexOf('\r\n');
      while (end >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        end = buffered.indexOf('\r\n');
        if (line === '+OK') resolve();
        else if (line.startsWith('-')) reject(new Error(`MONITOR: ${line.slice(1)}`));
        // +<time> [<db> <client>] "command" "arg" …
        else if (line.startsWith('+')) onCommand([...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]));
      }
    });
    socket.write('MONITOR\r\n');
  }).catch((err: unknown) => {
    socket.destroy();
    throw err;
  });
  socket.on('error', () => undefined);
  return { close: () => socket.destroy() };
}

describe('login limits', () => {
  it('counts parallel guesses before verifying them: the right password sent in the burst gets no session', async () => {
    const { email, password } = await new ApiClient(server.url).signUp();
    const passwords = [...Array.from({ length: 59 }, (_, i) => `wrong password ${i}`), password];
    // One limiter read per login for this email (a GET or a script call), whatever the limiter's design.
    let limiterCalls = 0;
    const monitor = await monitorRedis((args) => {
      const read = ['get', 'eval', 'evalsha'].includes(args[0].toLowerCase());
      if (read && args.some((a) => a.includes(':rl:login') && a.includes(email))) limiterCalls++;
    });
    // Hold every verification at its user lookup until all 60 requests have passed the limiter:
    // the widest possible race between counting an attempt and verifying it.
    const lock = new pg.Client({ connectionString: server.db.url });
    let answers: ReturnType<typeof sendSimultaneousLogins> | undefined;
    try {
      await lock.connect();
      await lock.query('begin');
      await lock.query('lock table users in access exclusive mode');
      answers = sendSimultaneousLogins(email, passwords, '198.51.100.10');
      await vi.waitFor(() => expect(limiterCalls).toBeGreaterThanOrEqual(passwords.length), { timeout: 10_000 });
    } finally {
      // Whatever failed above, the lock must go: held, it stalls every later test's sign-up and the file's teardown.
      await lock.query('commit').catch(() => undefined);
      await lock.end();
      monitor.close();
    }
    const results = await answers!;
    const verified = results.filter((a) => a.status !== 429);
    expect(verified.length).toBeLessThanOrEqual(LOGIN_MAX_FAILURES_PER_ACCOUNT_IP);
    const right = results.at(-1)!;
    expect(right.status).toBe(429);
    expect(right.setsCookie).toBe(false);
  });

  it("does not lock the owner out: a stranger's failures from IP A leave the right password working from IP B", async () => {
    const { email, password } = await new ApiClient(server.url).signUp();
    const statuses: number[] = [];
    for (let i = 0; i < LOGIN_MAX_FAILURES_PER_ACCOUNT_IP + 5; i++) statuses.push((await logIn(email, `guess ${i}`, '198.51.100.1')).status);
    expect(statuses.slice(0, LOGIN_MAX_FAILURES_PER_ACCOUNT_IP).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(LOGIN_MAX_FAILURES_PER_ACCOUNT_IP).every((s) => s === 429)).toBe(true);
    const owner = await logIn(email, password, '198.51.100.2');
    expect(owner.status).toBe(200);
    // …while IP A stays blocked, even with the right password.
    expect((await logIn(email, password, '198.51.100.1')).status).toBe(429);
  });

  it('blocks a repeat offender longer each time (progressive delay)', async () => {
    const { email } = await new ApiClient(server.url).signUp();
    const ip = '198.51.100.20';
    const blockFor = async () => {
      for (let i = 0; i < LOGIN_MAX_FAILURES_PER_ACCOUNT_IP; i++) expect((await logIn(email, `guess ${i}`, ip)).status).toBe(401);
      const refused = await logIn(email, 'one more', ip);
      expect(refused.status).toBe(429);
      return Number(refused.headers.get('retry-after'));
    };
    const first = await blockFor();
    expect(first).toBeGreaterThan(LOGIN_WINDOW_SEC - 5);
    expect(first).toBeLessThanOrEqual(LOGIN_WINDOW_SEC);
    // Let the first block run out (its key expiring is what the clock would do).
    await server.redis.del(`${server.config.QUEUE_PREFIX}:rl:login:pair:${email}|${ip}:block`);
    const second = await blockFor();
    expect(second).toBeGreaterThan(2 * LOGIN_WINDOW_SEC - 5);
  });

  it('caps failures per account across all IPs, more loosely than per (account, IP)', async () => {
    const { email, password } = await new ApiClient(server.url).signUp();
    const ips = Math.ceil(LOGIN_MAX_FAILURES_PER_ACCOUNT / LOGIN_MAX_FAILURES_PER_ACCOUNT_IP);
    for (let n = 0; n < ips; n++) {
      const results = await Promise.all(Array.from({ length: LOGIN_MAX_FAILURES_PER_ACCOUNT_IP }, (_, i) => logIn(email, `guess ${i}`, `192.0.2.${n + 1}`)));
      expect(results.every((r) => r.status === 401)).toBe(true);
    }
    const refused = await logIn(email, password, '192.0.2.200');
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('a password reset lifts a lock-out spread over many IPs: the new password logs in, the guessers stay blocked', async () => {
    const { email, userId } = await new ApiClient(server.url).signUp();
    const ips = Math.ceil(LOGIN_MAX_FAILURES_PER_ACCOUNT / LOGIN_MAX_FAILURES_PER_ACCOUNT_IP);
    for (let n = 0; n < ips; n++) {
      for (let i = 0; i < LOGIN_MAX_FAILURES_PER_ACCOUNT_IP; i++) expect((await logIn(email, `guess ${i}`, `203.0.113.${n + 1}`)).status).toBe(401);
    }
    const owner = '198.51.100.77';
    expect((await logIn(email, 'anything', owner)).status).toBe(429); // locked for everyone
    // The owner asks for a link (what the email carries) and sets a new password through the proxy.
    const { token } = await issueAccountToken({ em: server.orm.em.fork(), userId, purpose: 'password_reset', ttlMs: PASSWORD_RESET_TTL_MS });
    const reset = await new ApiClient(server.url).request('POST', '/v1/auth/reset-password', { json: { token, password: 'a brand new passphrase' }, headers: { 'x-forwarded-for': owner } });
    expect(reset.status).toBe(204);
    expect((await logIn(email, 'a brand new passphrase', owner)).status).toBe(200);
    expect((await logIn(email, 'a brand new passphrase', '198.51.100.78')).status).toBe(200);
    // A guesser's own (account, IP) pair is not forgiven.
    expect((await logIn(email, 'a brand new passphrase', '203.0.113.1')).status).toBe(429);
  });
});
