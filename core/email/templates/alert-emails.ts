// The realtor's alerts: new inquiry, lead turned hot, reminder due, webhook endpoint disabled,
// and the morning digest. Plain functions of their data; every lead-supplied value goes through
// the `html` tag (escaped) in the HTML part and `cleanText`/`cleanHeaderText` elsewhere.
import type { ScoreBand } from '../../leads/lead.entity.ts';
import { ALERT_LABELS, type AlertKind } from '../alert-kinds.ts';
import { html, htmlLines, type SafeHtml } from './html.ts';
import {
  adminUrl,
  alertFooterHtml,
  alertFooterText,
  alertHeaders,
  button,
  cleanHeaderText,
  cleanText,
  formatLocalDate,
  formatLocalDateTime,
  formatLocalTime,
  leadDisplayName,
  leadUrl,
  mailtoHref,
  renderHtmlDocument,
  safeHttpUrl,
  telHref,
  type AlertContext,
  type EmailContent,
} from './layout.ts';

/** What an alert shows about a lead. */
export interface LeadSummary {
  leadId: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  score: number;
  band: ScoreBand;
}

const BAND_LABELS: Record<ScoreBand, string> = { hot: 'Hot', warm: 'Warm', cold: 'Cold' };
const BAND_COLOURS: Record<ScoreBand, string> = { hot: '#b91c1c', warm: '#b45309', cold: '#1d4ed8' };

function scoreBadge(lead: LeadSummary): SafeHtml {
  return html`<span style="display:inline-block;border-radius:999px;padding:2px 10px;font-size:13px;font-weight:600;color:#ffffff;background:${BAND_COLOURS[lead.band]}">${BAND_LABELS[lead.band]} · ${lead.score}</span>`;
}

function scoreText(lead: LeadSummary): string {
  return `${BAND_LABELS[lead.band]} lead, score ${lead.score}`;
}

/** Contact rows and the call / reply / open buttons for a lead. */
function contactParts(ctx: AlertContext, lead: LeadSummary, replySubject: string): { html: SafeHtml; text: string } {
  const tel = telHref(lead.phone);
  const mailto = mailtoHref(lead.email, replySubject);
  const phone = lead.phone ? cleanHeaderText(lead.phone, 40) : null;
  const email = lead.email ? cleanHeaderText(lead.email, 254) : null;
  const open = leadUrl(ctx.publicUrl, lead.leadId);
  return {
    html: html`<p style="margin:12px 0">
${phone ? html`Phone: ${tel ? html`<a href="${tel}">${phone}</a>` : phone}<br>` : ''}
${email ? html`Email: ${mailto ? html`<a href="${mailto}">${email}</a>` : email}<br>` : ''}
</p>
<p style="margin:16px 0">${tel ? button(tel, 'Call now') : ''}${mailto ? button(mailto, 'Reply by email') : ''}${button(open, 'Open lead')}</p>`,
    text: [phone ? `Phone: ${phone}${tel ? ` (${tel})` : ''}` : null, email ? `Email: ${email}` : null, `Open lead: ${open}`].filter(Boolean).join('\n'),
  };
}

export interface NewInquiryAlert extends AlertContext {
  lead: LeadSummary;
  inquiry: {
    message: string;
    /** The listing's title or reference, when the inquiry came from a listing page. */
    listing?: string | null;
    /** The page the form was on (shown only when it is an http(s) URL). */
    pageUrl?: string | null;
    receivedAt: Date;
  };
}

/** A new inquiry: who, what they wrote, which listing, how hot — and one tap to call or reply. */
export function renderNewInquiryEmail(a: NewInquiryAlert): EmailContent {
  const name = leadDisplayName(a.lead);
  const listing = a.inquiry.listing ? cleanHeaderText(a.inquiry.listing, 80) : null;
  const message = cleanText(a.inquiry.message);
  const page = safeHttpUrl(a.inquiry.pageUrl);
  const when = formatLocalDateTime(a.inquiry.receivedAt, a.timeZone);
  const contact = contactParts(a, a.lead, listing ? `Re: your inquiry about ${listing}` : 'Re: your inquiry');
  const subject = cleanHeaderText(`New inquiry from ${name}${listing ? ` about ${listing}` : ''}`);
  const body = html`<h1 style="font-size:20px;margin:0 0 8px">New inquiry from ${name}</h1>
<p style="margin:0 0 12px;color:#52525b">${when}${listing ? html` · about <strong>${listing}</strong>` : ''} · ${scoreBadge(a.lead)}</p>
<blockquote style="margin:12px 0;padding:12px 16px;background:#f4f4f5;border-left:4px solid #1d4ed8;white-space:normal">${htmlLines(message)}</blockquote>
${page ? html`<p style="margin:8px 0;font-size:13px;color:#52525b">Sent from <a href="${page}">${cleanHeaderText(page, 100)}</a></p>` : ''}
${contact.html}`;
  const text = [
    `New inquiry from ${name}`,
    `${when}${listing ? ` · about ${listing}` : ''} · ${scoreText(a.lead)}`,
    '',
    message,
    '',
    page ? `Sent from ${page}` : null,
    contact.text,
  ];
  return {
    ...composeAlertEmail(a, 'new_inquiry', { subject, preheader: truncateForPreheader(message), body, text }),
    // Replying to the alert answers the lead directly: the fastest reply there is.
    ...(a.lead.email && mailtoHref(a.lead.email, '') ? { replyTo: a.lead.email } : {}),
  };
}

/** How many reasons the hot-lead email lists under "Why". */
export const LEAD_HOT_MAX_REASONS = 5;

export interface LeadHotAlert extends AlertContext {
  lead: LeadSummary;
  /** The score breakdown's top lines, largest first ("Inquiry +40", "Viewed 12 Oak St 4× +9"; core/leads/format-score-reasons.ts); the first LEAD_HOT_MAX_REASONS are shown. */
  reasons?: string[];
}

/** A lead crossed into hot: call now, with the reasons the score gives. */
export function renderLeadHotEmail(a: LeadHotAlert): EmailContent {
  const name = leadDisplayName(a.lead);
  const reasons = (a.reasons ?? []).slice(0, LEAD_HOT_MAX_REASONS).map((r) => cleanHeaderText(r, 100)).filter(Boolean);
  const contact = contactParts(a, a.lead, 'Following up');
  const subject = cleanHeaderText(`${name} is now a hot lead (score ${a.lead.score})`);
  const body = html`<h1 style="font-size:20px;margin:0 0 8px">${name} just turned hot</h1>
<p style="margin:0 0 12px">${scoreBadge(a.lead)} Leads this engaged answer best when called within the hour.</p>
${reasons.length ? html`<p style="margin:12px 0 4px;font-weight:600">Why</p><ul style="margin:0;padding-left:20px">${reasons.map((r) => html`<li>${r}</li>`)}</ul>` : ''}
${contact.html}`;
  const text = [
    `${name} just turned hot (${scoreText(a.lead)})`,
    'Leads this engaged answer best when called within the hour.',
    ...(reasons.length ? ['', 'Why:', ...reasons.map((r) => `- ${r}`)] : []),
    '',
    contact.text,
  ];
  return composeAlertEmail(a, 'lead_hot', { subject, preheader: `${scoreText(a.lead)}. Call within the hour.`, body, text });
}

export interface ReminderDueAlert extends AlertContext {
  reminder: { reminderId: string; reminderDate: Date; reminderMessage: string };
  lead: LeadSummary;
}

/** A follow-up reminder fell due. */
export function renderReminderDueEmail(a: ReminderDueAlert): EmailContent {
  const name = leadDisplayName(a.lead);
  const note = cleanText(a.reminder.reminderMessage, 500);
  const when = formatLocalDateTime(a.reminder.reminderDate, a.timeZone);
  const contact = contactParts(a, a.lead, 'Following up');
  const reminders = adminUrl(a.publicUrl, '/reminders');
  const subject = cleanHeaderText(`Reminder: ${cleanHeaderText(note, 70)} (${name})`);
  const body = html`<h1 style="font-size:20px;margin:0 0 8px">Reminder: follow up with ${name}</h1>
<p style="margin:0 0 12px;color:#52525b">Due ${when} · ${scoreBadge(a.lead)}</p>
<blockquote style="margin:12px 0;padding:12px 16px;background:#f4f4f5;border-left:4px solid #b45309">${htmlLines(note)}</blockquote>
${contact.html}
<p style="margin:8px 0;font-size:13px"><a href="${reminders}">All reminders</a></p>`;
  const text = [
    `Reminder: follow up with ${name}`,
    `Due ${when} · ${scoreText(a.lead)}`,
    '',
    note,
    '',
    contact.text,
    `All reminders: ${reminders}`,
  ];
  return composeAlertEmail(a, 'reminder_due', { subject, preheader: cleanHeaderText(note, 100), body, text });
}

export interface EndpointDisabledAlert extends AlertContext {
  endpoint: { endpointId: string; url: string; description?: string | null; disabledReason: string; disabledAt?: Date | null; failingSince?: Date | null };
}

/** A webhook endpoint was switched off (410, or failing for days): say why and where to fix it. */
export function renderEndpointDisabledEmail(a: EndpointDisabledAlert): EmailContent {
  const url = cleanHeaderText(a.endpoint.url, 200);
  let host = url;
  try {
    host = new URL(a.endpoint.url).host;
  } catch {
    // Not a URL after all: show it as stored.
  }
  const description = a.endpoint.description ? cleanHeaderText(a.endpoint.description, 100) : null;
  const reason = cleanText(a.endpoint.disabledReason, 500);
  const manage = adminUrl(a.publicUrl, '/webhooks');
  // When, in the realtor's zone: "Disabled Mon, Nov 30, 12:11 AM UTC (failing since Wed, Nov 25, …)".
  const when = a.endpoint.disabledAt
    ? `Disabled ${formatLocalDateTime(a.endpoint.disabledAt, a.timeZone)}${a.endpoint.failingSince ? ` (failing since ${formatLocalDateTime(a.endpoint.failingSince, a.timeZone)})` : ''}.`
    : null;
  const subject = cleanHeaderText(`Webhook endpoint disabled: ${host}`);
  const body = html`<h1 style="font-size:20px;margin:0 0 8px">A webhook endpoint was disabled</h1>
<p style="margin:0 0 12px">Porchlight stopped sending events to <strong>${url}</strong>${description ? html` (${description})` : ''}.</p>
<p style="margin:12px 0 4px;font-weight:600">Reason</p>
<blockquote style="margin:0 0 12px;padding:12px 16px;background:#f4f4f5;border-left:4px solid #b91c1c">${htmlLines(reason)}</blockquote>
${when ? html`<p style="margin:0 0 12px;color:#52525b">${when}</p>` : ''}
<p style="margin:12px 0">Events are kept: once the receiver works again, enable the endpoint and recover the failed deliveries.</p>
<p style="margin:16px 0">${button(manage, 'Open webhooks')}</p>`;
  const text = [
    'A webhook endpoint was disabled',
    `Porchlight stopped sending events to ${url}${description ? ` (${description})` : ''}.`,
    '',
    `Reason: ${reason}`,
    ...(when ? [when] : []),
    '',
    'Events are kept: once the receiver works again, enable the endpoint and recover the failed deliveries.',
    `Open webhooks: ${manage}`,
  ];
  return composeAlertEmail(a, 'endpoint_disabled', { subject, preheader: cleanHeaderText(reason, 100), body, text });
}

export interface DigestAlert extends AlertContext {
  /** The morning the digest is for (any instant of that local day). */
  date: Date;
  reminders: Array<{ reminderId: string; reminderDate: Date; reminderMessage: string; lead: { leadId: string; name: string | null; email?: string | null; phone?: string | null } }>;
  hotLeads: Array<{ leadId: string; name: string | null; email?: string | null; phone?: string | null; score: number }>;
  /** How many reminders are due today, when `reminders` holds only the first of them; default its length. */
  reminderCount?: number;
  /** How many of them fell due on an earlier day and are still open (the list shows them first, with their date). */
  overdueCount?: number;
  /** How many leads turned hot, when `hotLeads` holds only the first of them; default its length. */
  hotLeadCount?: number;
}

export const DIGEST_MAX_ITEMS = 20;

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The morning digest: today's reminders and the leads that turned hot since yesterday. */
export function renderDigestEmail(a: DigestAlert): EmailContent {
  const day = formatLocalDate(a.date, a.timeZone);
  const reminders = a.reminders.slice(0, DIGEST_MAX_ITEMS).map((r) => ({
    // A reminder of an earlier day still open: its date, not a time that would read as today's.
    time: formatLocalDate(r.reminderDate, a.timeZone) === day ? formatLocalTime(r.reminderDate, a.timeZone) : `overdue since ${formatLocalDate(r.reminderDate, a.timeZone)}`,
    note: cleanHeaderText(r.reminderMessage, 120),
    name: leadDisplayName(r.lead),
    url: leadUrl(a.publicUrl, r.lead.leadId),
  }));
  const hot = a.hotLeads.slice(0, DIGEST_MAX_ITEMS).map((l) => ({ name: leadDisplayName(l), score: l.score, url: leadUrl(a.publicUrl, l.leadId) }));
  // The counts, not the lists, say how many: the caller may pass only the first DIGEST_MAX_ITEMS.
  const reminderCount = Math.max(a.reminderCount ?? 0, a.reminders.length);
  const hotLeadCount = Math.max(a.hotLeadCount ?? 0, a.hotLeads.length);
  const moreReminders = reminderCount - reminders.length;
  const moreHot = hotLeadCount - hot.length;
  const overdue = a.overdueCount ? ` (${a.overdueCount} overdue)` : '';
  const summary = `${plural(reminderCount, 'reminder', 'reminders')} today${overdue}, ${plural(hotLeadCount, 'new hot lead', 'new hot leads')}`;
  const subject = cleanHeaderText(`Your Porchlight morning, ${day}: ${summary}`);
  const body = html`<h1 style="font-size:20px;margin:0 0 8px">Good morning</h1>
<p style="margin:0 0 16px;color:#52525b">${day}: ${summary}.</p>
<h2 style="font-size:16px;margin:16px 0 8px">Today's reminders</h2>
${reminders.length
    ? html`<ul style="margin:0;padding-left:20px">${reminders.map((r) => html`<li><strong>${r.time}</strong> · <a href="${r.url}">${r.name}</a> — ${r.note}</li>`)}</ul>${moreReminders ? html`<p style="margin:4px 0;font-size:13px">and ${moreReminders} more</p>` : ''}`
    : html`<p style="margin:0">Nothing due today.</p>`}
<h2 style="font-size:16px;margin:16px 0 8px">New hot leads</h2>
${hot.length
    ? html`<ul style="margin:0;padding-left:20px">${hot.map((l) => html`<li><a href="${l.url}">${l.name}</a> · score ${l.score}</li>`)}</ul>${moreHot ? html`<p style="margin:4px 0;font-size:13px">and ${moreHot} more</p>` : ''}`
    : html`<p style="margin:0">No new hot leads since yesterday.</p>`}
<p style="margin:16px 0">${button(adminUrl(a.publicUrl, '/reminders'), 'Open reminders')}${button(adminUrl(a.publicUrl, '/leads?band=hot'), 'Hot leads')}</p>`;
  const text = [
    `Good morning — ${day}: ${summary}.`,
    '',
    "Today's reminders:",
    ...(reminders.length ? reminders.map((r) => `- ${r.time} · ${r.name} — ${r.note}\n  ${r.url}`) : ['Nothing due today.']),
    ...(moreReminders ? [`and ${moreReminders} more`] : []),
    '',
    'New hot leads:',
    ...(hot.length ? hot.map((l) => `- ${l.name} · score ${l.score}\n  ${l.url}`) : ['No new hot leads since yesterday.']),
    ...(moreHot ? [`and ${moreHot} more`] : []),
    '',
    `Reminders: ${adminUrl(a.publicUrl, '/reminders')}`,
  ];
  return composeAlertEmail(a, 'digest', { subject, preheader: summary, body, text });
}

/** What every alert shares: the document with its alert footer, the text with the same footer, the unsubscribe headers. */
function composeAlertEmail(a: AlertContext, kind: AlertKind, parts: { subject: string; preheader: string; body: SafeHtml; text: Array<string | null> }): EmailContent {
  const label = ALERT_LABELS[kind];
  return {
    subject: parts.subject,
    html: renderHtmlDocument({ title: parts.subject, preheader: parts.preheader, body: parts.body, footer: alertFooterHtml(a, label) }),
    text: [...parts.text, '', alertFooterText(a, label)].filter((l) => l !== null).join('\n'),
    headers: alertHeaders(kind, a.unsubscribeUrl),
  };
}

function truncateForPreheader(message: string): string {
  return cleanHeaderText(message, 110);
}
