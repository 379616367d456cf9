// Shared pieces of every email: the HTML frame, the plain-text footer, the alert headers, and
// the small helpers that turn lead-supplied values into safe subjects, links and text.
import type { AlertKind } from '../alert-kinds.ts';
import { safeHttpUrl } from '../../shared/safe-url.ts';
import { html, type SafeHtml } from './html.ts';

/** What a template renders: both parts, the headers, and optionally where replies go. */
export interface EmailContent {
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  replyTo?: string;
}

/** What every alert needs besides its own data. */
export interface AlertContext {
  /** PUBLIC_URL, without a trailing slash. */
  publicUrl: string;
  /** The realtor's one-click unsubscribe URL for this alert (see buildUnsubscribeUrl). */
  unsubscribeUrl: string;
  /** The realtor's IANA time zone, for the times the email shows. */
  timeZone: string;
}

export const SUBJECT_MAX_CHARS = 120;
/** Longest lead message quoted in an alert; the admin link shows the rest. */
export const QUOTED_MESSAGE_MAX_CHARS = 2000;

// C0/C1 controls (CR, LF, tab…), DEL, and the Unicode line/paragraph separators some clients break lines on.
const CONTROL_CHARS = /[\p{Cc}\u2028\u2029]/gu;
// Bidirectional overrides and marks let a name display reversed ("moc.evil" as "live.com"); drop them.
const BIDI_CONTROLS = /\p{Bidi_Control}/gu;

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** One line for a subject or header: no CR/LF or other controls, collapsed spaces, bounded length. */
export function cleanHeaderText(text: string, max = SUBJECT_MAX_CHARS): string {
  return truncate(text.replace(CONTROL_CHARS, ' ').replace(BIDI_CONTROLS, '').replace(/\s+/g, ' ').trim(), max);
}

/** Multi-line user text for either part: newlines kept (as \n), other controls and bidi overrides removed. */
export function cleanText(text: string, max = QUOTED_MESSAGE_MAX_CHARS): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n').map((l) => l.replace(CONTROL_CHARS, ' ').replace(BIDI_CONTROLS, '').trimEnd());
  return truncate(lines.join('\n').replace(/\n{3,}/g, '\n\n').trim(), max);
}

/** How a lead is called in an email: name, else email, else phone, else "A new lead". */
export function leadDisplayName(lead: { name?: string | null; email?: string | null; phone?: string | null }): string {
  for (const v of [lead.name, lead.email, lead.phone]) {
    const cleaned = v ? cleanHeaderText(v, 80) : '';
    if (cleaned) return cleaned;
  }
  return 'A new lead';
}

export function adminUrl(publicUrl: string, path: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/app${path}`;
}

export function leadUrl(publicUrl: string, leadId: string): string {
  return adminUrl(publicUrl, `/leads/${encodeURIComponent(leadId)}`);
}

/** `tel:` link for a phone number (digits and a leading + only), or null when it has no digits. */
export function telHref(phone: string | null | undefined): string | null {
  if (!phone) return null;
  const digits = phone.replace(/[^\d+]/g, '').replace(/(?!^)\+/g, '');
  return /\d{3,}/.test(digits) ? `tel:${digits}` : null;
}

/** `mailto:` link with a subject, or null for something that is not an address. */
export function mailtoHref(email: string | null | undefined, subject: string): string | null {
  if (!email || !/^[^\s@]+@[^\s@]+$/.test(email)) return null;
  const [local, domain] = [email.slice(0, email.lastIndexOf('@')), email.slice(email.lastIndexOf('@') + 1)];
  return `mailto:${encodeURIComponent(local)}@${encodeURIComponent(domain)}?subject=${encodeURIComponent(subject)}`;
}

// Shared with the admin (core/shared); the templates import it from here with the rest.
export { safeHttpUrl };

/** "Tue, Mar 10, 9:00 AM EDT" in the realtor's zone. */
export function formatLocalDateTime(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }).format(instant);
}

/** "9:00 AM" in the realtor's zone. */
export function formatLocalTime(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone, hour: 'numeric', minute: '2-digit' }).format(instant);
}

/** "Tuesday, March 10" in the realtor's zone. */
export function formatLocalDate(instant: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'long', month: 'long', day: 'numeric' }).format(instant);
}

/**
 * Headers every alert carries: one-click unsubscribe (RFC 8058, which Gmail and Yahoo require of
 * bulk senders) and Auto-Submitted so auto-responders do not answer an alert (RFC 3834).
 */
export function alertHeaders(kind: AlertKind, unsubscribeUrl: string): Record<string, string> {
  const url = safeHttpUrl(unsubscribeUrl);
  if (!url) throw new Error('unsubscribeUrl must be an http(s) URL');
  return {
    'List-Unsubscribe': `<${url}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'Auto-Submitted': 'auto-generated',
    'X-Porchlight-Alert': kind,
  };
}

/** Headers of account emails (verification, reset): transactional, so no unsubscribe. */
export function accountHeaders(): Record<string, string> {
  return { 'Auto-Submitted': 'auto-generated' };
}

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

/** A button-styled link. */
export function button(href: string, label: string): SafeHtml {
  return html`<a href="${href}" style="display:inline-block;background:#1d4ed8;color:#ffffff;text-decoration:none;font-weight:600;padding:10px 18px;border-radius:6px;margin:4px 8px 4px 0">${label}</a>`;
}

/** The HTML document around a body: a light frame that reads well in every client, and a footer. */
export function renderHtmlDocument(opts: { title: string; preheader: string; body: SafeHtml; footer: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${opts.title}</title></head>
<body style="margin:0;padding:0;background:#f4f4f5;font-family:${FONT};color:#18181b">
<div style="display:none;max-height:0;overflow:hidden">${opts.preheader}</div>
<div style="max-width:560px;margin:0 auto;padding:24px 16px">
<div style="background:#ffffff;border-radius:8px;padding:24px;line-height:1.5;font-size:15px">
${opts.body}
</div>
<div style="color:#71717a;font-size:12px;line-height:1.5;padding:16px 8px">${opts.footer}</div>
</div>
</body></html>`.value;
}

/** The footer of an alert: why it was sent, where to change that, and the unsubscribe link. */
export function alertFooterHtml(ctx: AlertContext, what: string): SafeHtml {
  return html`You get this email because ${what} alerts are on for your Porchlight account.
<a href="${adminUrl(ctx.publicUrl, '/settings')}" style="color:#71717a">Alert settings</a> ·
<a href="${ctx.unsubscribeUrl}" style="color:#71717a">Unsubscribe from these alerts</a>`;
}

export function alertFooterText(ctx: AlertContext, what: string): string {
  return `--\nYou get this email because ${what} alerts are on for your Porchlight account.\nAlert settings: ${adminUrl(ctx.publicUrl, '/settings')}\nUnsubscribe from these alerts: ${ctx.unsubscribeUrl}`;
}
