import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtpServer, type TestSmtpServer } from '#test/smtp.ts';
import { createMailer, type Mailer } from '../mailer.ts';
import { TEMPLATE_CASES } from './template-fixtures.ts';

let smtp: TestSmtpServer;
let mailer: Mailer;
beforeAll(async () => {
  smtp = await startTestSmtpServer();
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  mailer = createMailer({ smtpUrl: smtp.url, from: 'Porchlight <alerts@porchlight.test>', logger: pino(quiet) });
});
afterAll(async () => {
  await mailer.close();
  await smtp.close();
});

const HOSTILE_NAME = '<img src=x onerror=alert(1)> </a><script>alert(2)</script> Ñandú';

describe.each(TEMPLATE_CASES)('$name email over SMTP', ({ name, alert, render }) => {
  it('arrives with its subject, both parts, and headers intact, hostile text rendered as text', async () => {
    const content = render(HOSTILE_NAME);
    const to = `${name.replace(/\W+/g, '-')}@example.com`;
    const result = await mailer.send({ to, ...content });
    expect(result).toMatchObject({ ok: true, transport: 'smtp' });
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(to), { description: `the ${name} email` });

    expect(mail.subject).toBe(content.subject);
    expect(mail.parsed.text?.trim()).toBe(content.text.trim());
    expect(mail.html.trim()).toBe(content.html.trim());
    // Both parts, as multipart/alternative, in UTF-8.
    expect(mail.raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(mail.raw).toMatch(/Content-Type: text\/plain; charset=utf-8/);
    expect(mail.raw).toMatch(/Content-Type: text\/html; charset=utf-8/);

    expect(mail.html).not.toMatch(/<(img|script)\b/i);
    // Every template shows some user text (a lead's name, a description, a username): escaped.
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    if (alert) expect(mail.html).toContain('&lt;/a&gt;&lt;script&gt;alert(2)&lt;/script&gt; Ñandú');
    expect(mail.header('auto-submitted')).toBe('auto-generated');
    if (alert) {
      expect(mail.header('list-unsubscribe')).toBe(content.headers['List-Unsubscribe']);
      expect(mail.header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
    } else {
      expect(mail.header('list-unsubscribe')).toBeUndefined();
    }
    if (content.replyTo) expect(mail.parsed.replyTo?.value[0]?.address).toBe(content.replyTo);
  });
});
