// Every email template rendered from one piece of text placed in every field a lead (or a user)
// controls. The unit tests feed hostile text through these; the SMTP test sends them.
import { buildUnsubscribeUrl } from '../notification-preferences.ts';
import {
  buildAccountTokenUrl,
  renderEmailChangedEmail,
  renderEmailChangeEmail,
  renderAccountDeletedEmail,
  renderPasswordChangedEmail,
  renderPasswordResetEmail,
  renderVerifyEmailEmail,
} from './account-emails.ts';
import {
  renderDigestEmail,
  renderEndpointDisabledEmail,
  renderLeadHotEmail,
  renderNewInquiryEmail,
  renderReminderDueEmail,
  type LeadSummary,
} from './alert-emails.ts';
import type { EmailContent } from './layout.ts';
import { DAY_MS, HOUR_MS } from '../../shared/time.ts';

export const FIXTURE_PUBLIC_URL = 'https://leads.example.com';
export const FIXTURE_LEAD_ID = '3f0c2a8e-1b2c-4d5e-8f90-123456789abc';
export const FIXTURE_TIME_ZONE = 'America/New_York';
export const FIXTURE_UNSUBSCRIBE_TOKEN = 'unsub_tok3n-AbC';

function lead(text: string): LeadSummary {
  return { leadId: FIXTURE_LEAD_ID, name: text, email: 'ana@example.org', phone: '+1 (555) 010-2030', score: 72, band: 'hot' };
}

function ctx(kind: Parameters<typeof buildUnsubscribeUrl>[2]) {
  return { publicUrl: FIXTURE_PUBLIC_URL, timeZone: FIXTURE_TIME_ZONE, unsubscribeUrl: buildUnsubscribeUrl(FIXTURE_PUBLIC_URL, FIXTURE_UNSUBSCRIBE_TOKEN, kind) };
}

export interface TemplateCase {
  name: string;
  /** True for alerts (List-Unsubscribe and an unsubscribe link), false for account emails. */
  alert: boolean;
  render(text: string): EmailContent;
}

/** Each template with `text` in every lead- or user-supplied field. */
export const TEMPLATE_CASES: TemplateCase[] = [
  {
    name: 'new inquiry',
    alert: true,
    render: (text) => renderNewInquiryEmail({
      ...ctx('new_inquiry'),
      lead: lead(text),
      inquiry: { message: `${text}\nIs it still available?`, listing: text, pageUrl: 'https://homes.example.com/12-oak', receivedAt: new Date('2026-03-10T13:05:00Z') },
    }),
  },
  {
    name: 'lead turned hot',
    alert: true,
    render: (text) => renderLeadHotEmail({ ...ctx('lead_hot'), lead: lead(text), reasons: [`Viewed ${text} 4× +9`, 'Inquiry +40'] }),
  },
  {
    name: 'reminder due',
    alert: true,
    render: (text) => renderReminderDueEmail({
      ...ctx('reminder_due'),
      lead: lead(text),
      reminder: { reminderId: 'b1d4c0de-0000-4000-8000-000000000001', reminderDate: new Date('2026-03-10T13:00:00Z'), reminderMessage: `Call ${text}` },
    }),
  },
  {
    name: 'webhook endpoint disabled',
    alert: true,
    render: (text) => renderEndpointDisabledEmail({
      ...ctx('endpoint_disabled'),
      endpoint: { endpointId: 'e0000000-0000-4000-8000-000000000001', url: `https://crm.example.com/hooks?name=${text}`, description: text, disabledReason: `Receiver answered 410 Gone: ${text}` },
    }),
  },
  {
    name: 'morning digest',
    alert: true,
    render: (text) => renderDigestEmail({
      ...ctx('digest'),
      date: new Date('2026-03-10T11:00:00Z'),
      reminders: [{ reminderId: 'b1d4c0de-0000-4000-8000-000000000002', reminderDate: new Date('2026-03-10T14:30:00Z'), reminderMessage: `Send ${text} the comps`, lead: { leadId: FIXTURE_LEAD_ID, name: text } }],
      hotLeads: [{ leadId: FIXTURE_LEAD_ID, name: text, score: 81 }],
    }),
  },
  {
    name: 'email verification',
    alert: false,
    render: (text) => renderVerifyEmailEmail({ username: text, url: buildAccountTokenUrl(FIXTURE_PUBLIC_URL, 'email_verification', 'tok_verify'), validForMs: DAY_MS }),
  },
  {
    name: 'password reset',
    alert: false,
    render: (text) => renderPasswordResetEmail({ username: text, url: buildAccountTokenUrl(FIXTURE_PUBLIC_URL, 'password_reset', 'tok_reset'), validForMs: HOUR_MS }),
  },
  {
    name: 'email change link',
    alert: false,
    render: (text) => renderEmailChangeEmail({ username: text, newEmail: 'new.address@example.org', url: buildAccountTokenUrl(FIXTURE_PUBLIC_URL, 'email_change', 'tok_change'), validForMs: DAY_MS }),
  },
  {
    name: 'sign-in email changed',
    alert: false,
    render: (text) => renderEmailChangedEmail({ username: text, newEmail: 'new.address@example.org' }),
  },
  {
    name: 'password changed',
    alert: false,
    render: (text) => renderPasswordChangedEmail({ username: text, resetUrl: `${FIXTURE_PUBLIC_URL}/app/forgot-password` }),
  },
  {
    name: 'account deleted',
    alert: false,
    render: (text) => renderAccountDeletedEmail({ username: text }),
  },
];
