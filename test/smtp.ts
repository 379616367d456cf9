// A real SMTP server for tests (the `smtp-server` package) on 127.0.0.1 with an ephemeral port.
// Every accepted message is parsed with `mailparser` and kept; a test awaits the one it expects
// with `waitFor(predicate)` — resolved from the server's own data event, never by polling — and
// can make the server refuse the next N messages with a 4xx or 5xx reply, the way a real relay
// does when it is overloaded (4xx) or the recipient does not exist (5xx).
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface CapturedMail {
  /** MAIL FROM and RCPT TO of the SMTP session (not the headers). */
  envelope: { from: string | null; to: string[] };
  /** The user the client authenticated as, when it did. */
  user: string | null;
  raw: string;
  parsed: ParsedMail;
  subject: string;
  text: string;
  /** The HTML part ('' when the message had none). */
  html: string;
  /** The raw value of a header as sent (unfolded), or undefined; case-insensitive name. */
  header(name: string): string | undefined;
}

export interface Rejection {
  /** SMTP reply code, e.g. 451 (try again later) or 550 (no such mailbox). */
  code: number;
  message?: string;
  /** Refuse the recipient (RCPT TO) or the message body (end of DATA). Default: 'rcpt'. */
  stage?: 'rcpt' | 'data';
}

export interface TestSmtpServer {
  /** smtp://[user:pass@]127.0.0.1:PORT — a value for SMTP_URL. */
  url: string;
  port: number;
  /** Every message accepted so far, oldest first. */
  readonly messages: readonly CapturedMail[];
  /** Resolves with the first accepted message (already received or still to come) that matches. */
  waitFor(predicate?: (mail: CapturedMail) => boolean, opts?: { timeoutMs?: number; description?: string }): Promise<CapturedMail>;
  /** Refuses the next `count` messages with `rejection` (each refused recipient or body counts once). */
  rejectNext(count: number, rejection: Rejection): void;
  /** How many messages were refused by rejectNext so far. */
  readonly rejectedCount: number;
  /** Stops listening and closes open client connections (a pooled client gets a 421). */
  close(): Promise<void>;
}

const DEFAULT_WAIT_MS = 10_000;
/** How long close() lets connected clients say QUIT before the server hangs up on them. */
const CLOSE_GRACE_MS = 100;

interface Waiter {
  predicate: (mail: CapturedMail) => boolean;
  resolve: (mail: CapturedMail) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

function smtpError(rejection: Rejection): Error {
  const err = new Error(rejection.message ?? (rejection.code >= 500 ? 'Mailbox unavailable' : 'Try again later')) as Error & { responseCode: number };
  err.responseCode = rejection.code;
  return err;
}

function capture(raw: string, parsed: ParsedMail, envelope: CapturedMail['envelope'], user: string | null): CapturedMail {
  return {
    envelope,
    user,
    raw,
    parsed,
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    header(name) {
      const key = name.toLowerCase();
      const line = parsed.headerLines.find((h) => h.key === key)?.line;
      return line?.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    },
  };
}

/** The token of the `/app/<page>#token=…` link in an email the app sent (throws when it has none). */
export function linkTokenIn(mail: CapturedMail, page: string): string {
  const match = new RegExp(`/app/${page}#token=([A-Za-z0-9_-]+)`).exec(mail.text);
  if (!match) throw new Error(`no ${page} link in: ${mail.text}`);
  return match[1];
}

/** Starts the server. `auth`: require these credentials (the client must log in with them). */
export async function startTestSmtpServer(opts: { auth?: { user: string; pass: string } } = {}): Promise<TestSmtpServer> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<Waiter>();
  const pending: Rejection[] = [];
  let rejectedCount = 0;

  const takeRejection = (stage: 'rcpt' | 'data'): Rejection | undefined => {
    if (pending.length === 0 || (pending[0].stage ?? 'rcpt') !== stage) return undefined;
    rejectedCount++;
    return pending.shift();
  };

  const deliver = (mail: CapturedMail) => {
    messages.push(mail);
    for (const w of waiters) {
      if (!w.predicate(mail)) continue;
      waiters.delete(w);
      clearTimeout(w.timer);
      w.resolve(mail);
    }
  };

  const server = new SMTPServer({
    logger: false,
    // The built-in certificate is for tests only; plain SMTP keeps nodemailer from upgrading to it.
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    closeTimeout: CLOSE_GRACE_MS,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return callback(null, { user: auth.username });
      callback(smtpError({ code: 535, message: 'Authentication failed' }));
    },
    onRcptTo(_address: SMTPServerAddress, _session, callback) {
      const rejection = takeRejection('rcpt');
      callback(rejection ? smtpError(rejection) : null);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const rejection = takeRejection('data');
        if (rejection) return callback(smtpError(rejection));
        const raw = Buffer.concat(chunks).toString('utf8');
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        const user = typeof session.user === 'string' ? session.user : null;
        // Answer 250 only once the message is parsed and recorded, so "accepted" means "capturable".
        simpleParser(raw).then(
          (parsed) => {
            deliver(capture(raw, parsed, envelope, user));
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  const credentials = opts.auth ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@` : '';

  return {
    url: `smtp://${credentials}127.0.0.1:${port}`,
    port,
    messages,
    get rejectedCount() {
      return rejectedCount;
    },
    waitFor(predicate = () => true, waitOpts = {}) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      const timeoutMs = waitOpts.timeoutMs ?? DEFAULT_WAIT_MS;
      return new Promise<CapturedMail>((resolve, reject) => {
        const waiter: Waiter = {
          predicate,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            const seen = messages.map((m) => JSON.stringify(m.subject)).join(', ') || 'none';
            reject(new Error(`no email matching ${waitOpts.description ?? 'the predicate'} arrived within ${timeoutMs} ms (received: ${seen})`));
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    rejectNext(count, rejection) {
      for (let i = 0; i < count; i++) pending.push(rejection);
    },
    close() {
      for (const w of waiters) {
        clearTimeout(w.timer);
        w.reject(new Error('test SMTP server closed'));
      }
      waiters.clear();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
