import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureLogLines } from '#test/log-lines.ts';
import { startSlowSmtpServer } from '#test/slow-smtp.ts';
import { startTestSmtpServer, type TestSmtpServer } from '#test/smtp.ts';
import { createMailer, type Mailer, type OutgoingEmail } from './mailer.ts';

/** A real pino logger whose JSON lines the test can read. */
function createCapturingLogger() {
  const { destination, lines } = captureLogLines<Record<string, unknown>>();
  return { logger: pino({ level: 'debug' }, destination), lines };
}

const FROM = 'Porchlight <alerts@porchlight.test>';
const email = (over: Partial<OutgoingEmail> = {}): OutgoingEmail => ({
  to: 'realtor@example.com',
  subject: 'New inquiry from Ana',
  text: 'Ana asked about 12 Oak St.',
  html: '<p>Ana asked about <b>12 Oak St</b>.</p>',
  headers: { 'X-Porchlight-Test': 'yes' },
  ...over,
});

let smtp: TestSmtpServer;
const mailers: Mailer[] = [];
function mailerFor(smtpUrl: string | undefined, extra: Partial<Parameters<typeof createMailer>[0]> = {}) {
  const { logger, lines } = createCapturingLogger();
  const mailer = createMailer({ smtpUrl, from: FROM, logger, ...extra });
  mailers.push(mailer);
  return { mailer, lines };
}

beforeAll(async () => {
  smtp = await startTestSmtpServer({ auth: { user: 'porch@light', pass: 'p:ss w/rd' } });
});
afterEach(async () => {
  await Promise.all(mailers.splice(0).map((m) => m.close()));
});
afterAll(async () => {
  await smtp.close();
});

describe('mailer over SMTP', () => {
  it('delivers text, HTML and headers, logging in with the credentials from SMTP_URL', async () => {
    const { mailer } = mailerFor(smtp.url);
    expect(mailer.configured).toBe(true);
    const result = await mailer.send(email({ to: 'first@example.com', replyTo: 'ana@example.org' }));
    expect(result).toMatchObject({ ok: true, retryable: false, transport: 'smtp' });
    const mail = await smtp.waitFor((m) => m.envelope.to.includes('first@example.com'));
    expect(mail.user).toBe('porch@light');
    expect(mail.envelope.from).toBe('alerts@porchlight.test');
    expect(mail.parsed.from?.value[0]).toMatchObject({ name: 'Porchlight', address: 'alerts@porchlight.test' });
    expect(mail.parsed.replyTo?.text).toBe('ana@example.org');
    expect(mail.subject).toBe('New inquiry from Ana');
    expect(mail.text.trim()).toBe('Ana asked about 12 Oak St.');
    expect(mail.html).toContain('<b>12 Oak St</b>');
    expect(mail.header('x-porchlight-test')).toBe('yes');
    expect(mail.parsed.messageId).toBe(result.messageId);
  });

  it('reports a 4xx refusal as retryable, and the retry goes through', async () => {
    const { mailer } = mailerFor(smtp.url);
    smtp.rejectNext(1, { code: 451, message: 'Greylisted, try again', stage: 'data' });
    const first = await mailer.send(email({ to: 'greylisted@example.com' }));
    expect(first).toMatchObject({ ok: false, retryable: true, responseCode: 451, transport: 'smtp' });
    expect(first.error).toContain('Greylisted');
    const second = await mailer.send(email({ to: 'greylisted@example.com' }));
    expect(second.ok).toBe(true);
    await smtp.waitFor((m) => m.envelope.to.includes('greylisted@example.com'));
  });

  it('reports a refused recipient (5xx) as permanent', async () => {
    const { mailer } = mailerFor(smtp.url);
    const before = smtp.messages.length;
    smtp.rejectNext(1, { code: 550, message: 'No such user here', stage: 'rcpt' });
    const result = await mailer.send(email({ to: 'nobody@example.com' }));
    expect(result).toMatchObject({ ok: false, retryable: false, responseCode: 550 });
    expect(result.error).toContain('No such user');
    expect(smtp.messages.length).toBe(before);
  });

  it('treats 503 (bad command sequence) as retryable, unlike other 5xx replies', async () => {
    const { mailer } = mailerFor(smtp.url);
    smtp.rejectNext(1, { code: 503, message: 'Bad sequence', stage: 'data' });
    expect(await mailer.send(email())).toMatchObject({ ok: false, retryable: true, responseCode: 503 });
  });

  it('reports wrong credentials without leaking the password, as retryable (operator configuration)', async () => {
    const url = new URL(smtp.url);
    url.password = 'wrong-secret';
    const { mailer, lines } = mailerFor(url.toString());
    const result = await mailer.send(email());
    expect(result).toMatchObject({ ok: false, retryable: true, responseCode: 535 });
    expect(JSON.stringify([result, lines])).not.toContain('wrong-secret');
  });

  it('reports a refused connection as retryable and never throws', async () => {
    // A port that was just free: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const { mailer, lines } = mailerFor(`smtp://127.0.0.1:${port}`);
    const result = await mailer.send(email());
    expect(result).toMatchObject({ ok: false, retryable: true, transport: 'smtp' });
    expect(result.error).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);
    expect(lines.some((l) => l.msg === 'email not sent' && l.retryable === true)).toBe(true);
  });

  it('gives up on a server that accepts the connection but never greets, at the greeting timeout', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const { port } = silent.address() as AddressInfo;
      // The other bounds far off: only the greeting timeout can end this send within the test's timeout.
      const { mailer } = mailerFor(`smtp://127.0.0.1:${port}`, { timeouts: { greetingMs: 300, socketMs: 600_000, sendMs: 600_000 } });
      const started = performance.now();
      const result = await mailer.send(email());
      expect(result).toMatchObject({ ok: false, retryable: true });
      // nodemailer's greeting timeout, not the socket or send deadline (their errors read otherwise).
      expect(result.error).toMatch(/^ETIMEDOUT: Greeting never received/);
      // Not before its timeout (a lower bound only: a slow machine cannot fail it).
      expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('ends a send a server holds past the send deadline: retryable, connection closed before the held answer, nothing delivered', async () => {
    // The RCPT answer is held longer than the test may run and the socket timeout is as far off,
    // so only the deadline over the whole send can end it: were it broken, the send would hang
    // and the test time out. The deadline's own error says it was the one that fired.
    const slow = await startSlowSmtpServer({ rcptDelayMs: 600_000 });
    try {
      const { mailer, lines } = mailerFor(slow.url, { timeouts: { socketMs: 600_000, sendMs: 300 } });
      const started = performance.now();
      const result = await mailer.send(email({ subject: 'Slow one' }));
      expect(result).toMatchObject({ ok: false, retryable: true, transport: 'smtp' });
      expect(result.error).toMatch(/^ETIMEDOUT: send not finished within 300 ms/);
      // Not before its deadline (a lower bound only: a slow machine cannot fail it).
      expect(performance.now() - started).toBeGreaterThanOrEqual(250);
      expect(lines.some((l) => l.msg === 'email not sent' && l.retryable === true)).toBe(true);
      // The connection that carried it is closed while its RCPT answer is still held: no DATA can follow.
      await slow.sessionsClosed(1);
      expect(slow.subjects).toEqual([]);

      // The pool goes on with a new connection: the next send, on a server that answers at once, goes through.
      slow.rcptDelayMs = 0;
      expect(await mailer.send(email({ subject: 'Fast one' }))).toMatchObject({ ok: true });
      expect(slow.subjects).toEqual(['Fast one']);
    } finally {
      await slow.close();
    }
  });

  it('refuses an invalid recipient address as permanent instead of throwing', async () => {
    const { mailer } = mailerFor(smtp.url);
    const result = await mailer.send(email({ to: '' }));
    expect(result).toMatchObject({ ok: false, retryable: false });
  });

  it('sends several alerts at once over the pool', async () => {
    const { mailer } = mailerFor(smtp.url);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => mailer.send(email({ to: `burst${i}@example.com` }))));
    expect(results.every((r) => r.ok)).toBe(true);
    for (let i = 0; i < 6; i++) await smtp.waitFor((m) => m.envelope.to.includes(`burst${i}@example.com`));
  });
});

describe('mailer without SMTP_URL', () => {
  it('writes the recipient, subject and text to the log with logContent (development) and says it is not configured', async () => {
    const { mailer, lines } = mailerFor(undefined, { logContent: true });
    expect(mailer.configured).toBe(false);
    const before = smtp.messages.length;
    const result = await mailer.send(email({ to: 'dev@example.com', subject: 'Reminder due: call Ana' }));
    // Logged is not sent: the outbox records it as not_sent, not as a delivery.
    expect(result).toMatchObject({ ok: false, notSent: 'smtp_not_configured', retryable: false, transport: 'log' });
    expect(result.messageId).toMatch(/^<.+@.+>$/);
    const line = lines.find((l) => l.subject === 'Reminder due: call Ana');
    expect(line).toMatchObject({ to: 'dev@example.com', text: 'Ana asked about 12 Oak St.', component: 'mailer', level: 30 });
    expect(String(line?.msg)).toContain('SMTP_URL is not set');
    expect(smtp.messages.length).toBe(before);
  });

  it('without logContent (production) logs one warning with the masked recipient and subject, never the text or its link', async () => {
    const { mailer, lines } = mailerFor(undefined);
    const link = 'http://localhost:3000/app/reset-password#token=SeCrEtToKeN123';
    const result = await mailer.send(email({ to: 'ana.lopez@example.com', subject: 'Reset your Porchlight password', text: `Reset it: ${link}`, html: `<a href="${link}">Reset</a>` }));
    expect(result).toMatchObject({ ok: false, notSent: 'smtp_not_configured', retryable: false, transport: 'log' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, component: 'mailer', msg: 'email not sent: SMTP_URL is not set', to: 'a***@example.com', subject: 'Reset your Porchlight password' });
    expect(JSON.stringify(lines)).not.toMatch(/SeCrEtToKeN123|reset-password#|ana\.lopez/);
  });
});

describe('header injection', () => {
  it('cannot add recipients or headers through a CR/LF in the subject or a header value', async () => {
    const { mailer } = mailerFor(smtp.url);
    const result = await mailer.send(email({
      to: 'injected@example.com',
      subject: 'Hello\r\nBcc: evil@example.com',
      headers: { 'X-Note': 'a\r\nBcc: evil2@example.com', 'X-Bad\r\nBcc': 'evil3@example.com' },
    }));
    expect(result.ok).toBe(true);
    const mail = await smtp.waitFor((m) => m.envelope.to.includes('injected@example.com'));
    expect(mail.envelope.to).toEqual(['injected@example.com']);
    expect(mail.parsed.bcc).toBeUndefined();
    expect(mail.parsed.headerLines.filter((h) => h.key === 'bcc')).toEqual([]);
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });
});

describe('test SMTP server', () => {
  it('times out a waitFor with the subjects it did receive', async () => {
    await expect(smtp.waitFor((m) => m.subject === 'never sent', { timeoutMs: 50, description: 'the never-sent email' }))
      .rejects.toThrow(/the never-sent email.*within 50 ms/);
  });
});
