import nodemailer, { type NodemailerError, type Transporter } from 'nodemailer';
import type { Logger } from '../logger.ts';

/** How long to wait for the TCP (and TLS) connection to the mail server. */
export const SMTP_CONNECTION_TIMEOUT_MS = 10_000;
/** How long to wait for the server's greeting once connected. */
export const SMTP_GREETING_TIMEOUT_MS = 10_000;
/** Longest silence on an open connection before giving up (bounds a server that stalls mid-send). */
export const SMTP_SOCKET_TIMEOUT_MS = 30_000;
/** Pooled connections per process: alerts go out in parallel without opening one socket each. */
export const SMTP_MAX_CONNECTIONS = 3;
/**
 * Longest a whole send may take, from handing the message to the pool to the server's reply.
 * The timeouts above only bound each wait: a server that answers every command just inside
 * SMTP_SOCKET_TIMEOUT_MS stretches one send for minutes. Past this deadline the send is aborted,
 * the connection carrying it is closed (its half-sent message dropped) and the result is a
 * retryable failure. A claim on an outbox row (NOTIFICATION_LEASE_MS) is derived from it: a send
 * that outlived its claim would let another worker claim and send the same email again.
 */
export const SMTP_SEND_DEADLINE_MS = 60_000;
/** Longest error text kept in a send result (it ends up in the attempt log). */
export const SEND_ERROR_MAX_CHARS = 500;

/** One email, as a template renders it, addressed to one recipient. */
export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
  /** Where replies go (a new-inquiry alert answers the lead directly). */
  replyTo?: string;
}

/** Why a message was deliberately not handed to any mail server (`SendResult.notSent`). */
export type NotSentReason = 'smtp_not_configured';

/**
 * The outcome of one send. `ok: false` never throws: a worker records it as an attempt and
 * retries only when `retryable` (the server or the network may accept the same message later).
 */
export interface SendResult {
  /** True only when a mail server accepted the message. */
  ok: boolean;
  /**
   * Set when the message was not sent on purpose and trying again cannot change that:
   * `smtp_not_configured` (SMTP_URL is unset; the message was logged, or in production only noted).
   */
  notSent?: NotSentReason;
  /** Message-ID of the sent (or logged) message. */
  messageId?: string;
  /** What went wrong, without credentials: the server's reply or the network error. */
  error?: string;
  /** SMTP reply code when the server answered with one. */
  responseCode?: number;
  retryable: boolean;
  /** `log`: SMTP_URL is not set and the message went to the log (in full, or only its envelope) instead of out (`ok: false`, `notSent`). */
  transport: 'smtp' | 'log';
}

export interface Mailer {
  /** False when SMTP_URL is unset: messages are logged, not sent (the admin says email is not configured). */
  readonly configured: boolean;
  /** Sends one message (without SMTP_URL: logs it and answers `ok: false, notSent: 'smtp_not_configured'`). Never throws. */
  send(email: OutgoingEmail): Promise<SendResult>;
  /** Closes pooled connections; call on shutdown and in tests. */
  close(): Promise<void>;
}

export interface MailerOptions {
  /** SMTP_URL; undefined: log transport. */
  smtpUrl?: string;
  /** MAIL_FROM. */
  from: string;
  logger: Logger;
  /**
   * Without SMTP_URL: write each message's recipient, subject and text (its links and their
   * one-time tokens included) to the log, for development. Off (the default, and always in
   * production): one line with the masked recipient and the subject, never the text.
   */
  logContent?: boolean;
  /** Overrides of the SMTP_*_TIMEOUT_MS defaults and of SMTP_SEND_DEADLINE_MS (`sendMs`); tests shorten them. */
  timeouts?: { connectionMs?: number; greetingMs?: number; socketMs?: number; sendMs?: number };
}

/** `smtp://user:pass@host:587` → nodemailer connection options (percent-encoded credentials decoded). */
export function parseSmtpUrl(smtpUrl: string): { host: string; port: number; secure: boolean; auth?: { user: string; pass: string } } {
  const url = new URL(smtpUrl);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') throw new Error('SMTP URL must start with smtp:// or smtps://');
  const secure = url.protocol === 'smtps:';
  const user = decodeURIComponent(url.username);
  return {
    // WHATWG keeps IPv6 hosts bracketed; sockets want them bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    ...(user ? { auth: { user, pass: decodeURIComponent(url.password) } } : {}),
  };
}

// Errors that say nothing about the message itself: the connection, not the content, failed.
const NETWORK_ERROR_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'EDNS', 'ETLS', 'EPROXY', 'EPROTOCOL', 'EMAXLIMIT']);
// The message or its envelope is at fault: sending it again gets the same answer.
const PERMANENT_ERROR_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'EMAXRECIPIENTS', 'ECONFIG', 'EFILEACCESS', 'EURLACCESS']);

/**
 * Splits send failures into retryable and permanent. SMTP replies follow RFC 5321: 4yz is
 * transient, 5yz permanent (except 503, a session-state error that a new connection clears).
 * Authentication failures (535 included) are retryable on purpose: they are the operator's
 * configuration, not the message's fault, and the outbox's attempt budget bounds the retries —
 * so alerts still go out once the password is fixed.
 */
export function classifySendError(err: unknown): { retryable: boolean; responseCode?: number; error: string } {
  const e = (err ?? {}) as NodemailerError;
  const text = String(e.response ?? e.message ?? err).replace(/\s+/g, ' ').trim().slice(0, SEND_ERROR_MAX_CHARS);
  const error = e.code ? `${e.code}: ${text}` : text;
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') return { retryable: true, responseCode, error };
  if (responseCode !== undefined) {
    const permanent = responseCode >= 500 && responseCode < 600 && responseCode !== 503;
    return { retryable: !permanent, responseCode, error };
  }
  if (e.code && NETWORK_ERROR_CODES.has(e.code)) return { retryable: true, error };
  if (e.code && PERMANENT_ERROR_CODES.has(e.code)) return { retryable: false, error };
  // Unknown failures: try again; the attempt budget ends a hopeless case.
  return { retryable: true, error };
}

/** `ana.lopez@example.com` → `a***@example.com`: enough to tell whose email it was, not the address. */
export function maskEmailAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return '***';
  return `${address.slice(0, Math.min(1, at))}***${address.slice(at)}`;
}

/**
 * The mail channel. With `smtpUrl`, a pooled SMTP transport with bounded timeouts; without,
 * a log transport that composes the same MIME message (so a bad header fails the same way) and
 * writes its recipient, subject and text to the logger — only with `logContent`: a password
 * reset or verification link in a production log is an account takeover for anyone who reads it.
 */
export function createMailer(opts: MailerOptions): Mailer {
  const log = opts.logger.child({ component: 'mailer' });
  const configured = opts.smtpUrl !== undefined;
  const transport: 'smtp' | 'log' = configured ? 'smtp' : 'log';
  // Neither transport may read files or fetch URLs named in a message (nodemailer allows both by default).
  const safety = { disableFileAccess: true, disableUrlAccess: true };
  const transporter: Transporter = opts.smtpUrl
    ? nodemailer.createTransport(
        {
          ...parseSmtpUrl(opts.smtpUrl),
          ...safety,
          pool: true,
          maxConnections: SMTP_MAX_CONNECTIONS,
          connectionTimeout: opts.timeouts?.connectionMs ?? SMTP_CONNECTION_TIMEOUT_MS,
          greetingTimeout: opts.timeouts?.greetingMs ?? SMTP_GREETING_TIMEOUT_MS,
          socketTimeout: opts.timeouts?.socketMs ?? SMTP_SOCKET_TIMEOUT_MS,
        },
        { from: opts.from },
      )
    : nodemailer.createTransport({ jsonTransport: true, ...safety }, { from: opts.from });
  const sendDeadlineMs = opts.timeouts?.sendMs ?? SMTP_SEND_DEADLINE_MS;

  return {
    configured,
    async send(email) {
      // The deadline covers a wait for a free pooled connection too, so the worker runs at most
      // SMTP_MAX_CONNECTIONS sends at once (QUEUE_CONCURRENCY.notifications): none waits in the pool.
      // Aborting closes only the connection carrying this message (nodemailer's per-send signal);
      // the other sends in the pool go on.
      const deadline = configured ? new AbortController() : undefined;
      const timer = deadline ? setTimeout(() => deadline.abort(), sendDeadlineMs) : undefined;
      try {
        const info = await transporter.sendMail({
          to: email.to,
          subject: email.subject,
          text: email.text,
          html: email.html,
          headers: email.headers,
          replyTo: email.replyTo,
          signal: deadline?.signal,
        });
        const messageId = String(info.messageId);
        if (!configured) {
          if (opts.logContent) log.info({ to: email.to, subject: email.subject, text: email.text, messageId }, 'email not sent (SMTP_URL is not set): logged instead');
          else log.warn({ to: maskEmailAddress(email.to), subject: email.subject, messageId }, 'email not sent: SMTP_URL is not set');
          // Not `ok`: nothing left the machine, and the outbox must not record it as sent.
          const where = opts.logContent ? 'written to the log instead' : 'dropped (only its masked recipient and subject logged)';
          return { ok: false, notSent: 'smtp_not_configured', error: `smtp_not_configured: SMTP_URL is not set; ${where}`, messageId, retryable: false, transport };
        }
        // A pooled SMTP send resolves even when some recipients were refused; one recipient per message here.
        const rejected = (info as { rejected?: string[] }).rejected ?? [];
        if (rejected.length > 0) return { ok: false, error: `recipient refused: ${rejected.join(', ')}`, retryable: false, transport };
        log.debug({ messageId }, 'email sent');
        return { ok: true, messageId, retryable: false, transport };
      } catch (err) {
        if (deadline?.signal.aborted) {
          // Retryable: the message did not get through in time. One case stays ambiguous (SMTP
          // cannot tell): a server that had the whole message and had not answered yet may still
          // accept it, and the retry then delivers it a second time.
          const error = `ETIMEDOUT: send not finished within ${sendDeadlineMs} ms (SMTP_SEND_DEADLINE_MS); connection closed`;
          log.warn({ retryable: true, error }, 'email not sent');
          return { ok: false, error, retryable: true, transport };
        }
        const { retryable, responseCode, error } = classifySendError(err);
        log.warn({ retryable, responseCode, error }, 'email not sent');
        return { ok: false, error, responseCode, retryable, transport };
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      transporter.close();
    },
  };
}
