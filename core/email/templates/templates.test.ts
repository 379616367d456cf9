import { describe, expect, it } from 'vitest';
import { itMaps } from '#test/table.ts';
import { buildAccountTokenUrl, describeDuration, maskEmail, renderEmailChangedEmail, renderEmailChangeEmail, renderPasswordResetEmail, renderVerifyEmailEmail } from './account-emails.ts';
import { DIGEST_MAX_ITEMS, renderDigestEmail, renderEndpointDisabledEmail, renderNewInquiryEmail, type LeadSummary } from './alert-emails.ts';
import { html, htmlLines } from './html.ts';
import { cleanHeaderText, cleanText, mailtoHref, SUBJECT_MAX_CHARS, telHref } from './layout.ts';
import { FIXTURE_LEAD_ID, FIXTURE_PUBLIC_URL, FIXTURE_UNSUBSCRIBE_TOKEN, TEMPLATE_CASES } from './template-fixtures.ts';

const HOSTILE = [
  '<img src=x onerror=alert(1)>',
  '</a><script>alert(1)</script>',
  '"><svg onload=alert(1)>',
  "' onmouseover='alert(1)",
  // A template-literal placeholder, in case text ever reaches a JS template.
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal characters are the attack
  '`${alert(1)}`',
  'javascript:alert(1)',
  'Ana\r\nBcc: evil@example.com',
  'Ana\nSubject: free money',
  '&lt;b&gt;already escaped&lt;/b&gt;',
  'Ana \u202Egnp.exe',
  '<!-- <style>body{display:none}</style>',
  'x'.repeat(5000),
];

/** Tag names in order: the document's structure, which no input may change (`br` follows line breaks). */
function tagStructure(doc: string): string[] {
  return [...doc.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1].toLowerCase()).filter((t) => t !== 'br');
}

describe.each(TEMPLATE_CASES)('$name email', ({ render, alert }) => {
  const benign = render('Ana Silva');

  it('has a subject, an HTML part and a plain-text part', () => {
    expect(benign.subject.length).toBeGreaterThan(5);
    expect(benign.html).toMatch(/^<!doctype html>/);
    expect(benign.text.length).toBeGreaterThan(20);
    expect(benign.headers['Auto-Submitted']).toBe('auto-generated');
  });

  it.each(HOSTILE)('renders %j as text: no new tags, attributes, or header lines', (input) => {
    const email = render(input);
    expect(tagStructure(email.html)).toEqual(tagStructure(benign.html));
    expect(email.html).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
    expect(email.html).not.toMatch(/href\s*=\s*["']?\s*javascript:/i);
    expect(email.html).not.toMatch(/<(script|img|svg|style)\b/i);
    expect(email.subject).not.toMatch(/[\r\n\u2028\u2029\u202e]/);
    expect(email.subject.length).toBeLessThanOrEqual(SUBJECT_MAX_CHARS);
    for (const [name, value] of Object.entries(email.headers)) {
      expect(name).toMatch(/^[A-Za-z-]+$/);
      expect(value).not.toMatch(/[\r\n]/);
    }
  });

  it('escapes markup so it reads as the characters typed', () => {
    const email = render('<b>Ana</b> & "Bo"');
    expect(email.html).toContain('&lt;b&gt;Ana&lt;/b&gt; &amp; &quot;Bo&quot;');
    expect(email.html).not.toContain('<b>Ana</b>');
    expect(email.text).toContain('<b>Ana</b> & "Bo"');
    // Already-escaped text is escaped again, so it shows literally.
    expect(render('&lt;b&gt;').html).toContain('&amp;lt;b&amp;gt;');
  });

  if (alert) {
    it('carries one-click unsubscribe headers and an unsubscribe link in both parts', () => {
      const url = benign.headers['List-Unsubscribe'].slice(1, -1);
      expect(benign.headers['List-Unsubscribe']).toMatch(/^<https:\/\/leads\.example\.com\/v1\/unsubscribe\/unsub_tok3n-AbC\?alert=[a-z_]+>$/);
      expect(benign.headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
      expect(benign.html).toContain(`href="${url}"`);
      expect(benign.text).toContain(url);
      expect(url).toContain(FIXTURE_UNSUBSCRIBE_TOKEN);
    });
  } else {
    it('has no unsubscribe header (the user asked for it)', () => {
      expect(benign.headers['List-Unsubscribe']).toBeUndefined();
    });
  }
});

describe('new inquiry alert', () => {
  const lead: LeadSummary = { leadId: FIXTURE_LEAD_ID, name: 'Ana Silva', email: 'ana@example.org', phone: '+1 (555) 010-2030', score: 72, band: 'hot' };
  const render = (over: Partial<Parameters<typeof renderNewInquiryEmail>[0]['inquiry']> = {}, leadOver: Partial<LeadSummary> = {}) => renderNewInquiryEmail({
    publicUrl: FIXTURE_PUBLIC_URL,
    unsubscribeUrl: `${FIXTURE_PUBLIC_URL}/v1/unsubscribe/t?alert=new_inquiry`,
    timeZone: 'America/New_York',
    lead: { ...lead, ...leadOver },
    inquiry: { message: 'Hi!\nIs 12 Oak St still available?', listing: '12 Oak St', pageUrl: 'https://homes.example.com/12-oak', receivedAt: new Date('2026-03-10T13:05:00Z'), ...over },
  });

  it('shows who, what, which listing, the score and band, in the realtor\u2019s time zone', () => {
    const email = render();
    expect(email.subject).toBe('New inquiry from Ana Silva about 12 Oak St');
    for (const part of [email.html, email.text]) {
      expect(part).toContain('Ana Silva');
      expect(part).toContain('12 Oak St');
      expect(part).toContain('Tue, Mar 10, 9:05 AM EDT');
    }
    expect(email.html).toContain('Hot · 72');
    expect(email.text).toContain('Hot lead, score 72');
    expect(email.html).toContain('Hi!<br>Is 12 Oak St still available?');
    expect(email.text).toContain('Hi!\nIs 12 Oak St still available?');
  });

  it('links to the lead in the admin, tap-to-call and reply, and replies go to the lead', () => {
    const email = render();
    const leadLink = `https://leads.example.com/app/leads/${FIXTURE_LEAD_ID}`;
    expect(email.html).toContain(`href="${leadLink}"`);
    expect(email.text).toContain(leadLink);
    expect(email.html).toContain('href="tel:+15550102030"');
    expect(email.html).toContain('href="mailto:ana@example.org?subject=Re%3A%20your%20inquiry%20about%2012%20Oak%20St"');
    expect(email.replyTo).toBe('ana@example.org');
    expect(email.headers['X-Porchlight-Alert']).toBe('new_inquiry');
  });

  it('leaves out call and reply when the lead gave no phone or email', () => {
    const email = render({}, { phone: null, email: null });
    expect(email.html).not.toContain('tel:');
    expect(email.html).not.toContain('mailto:');
    expect(email.replyTo).toBeUndefined();
    expect(email.html).toContain('Open lead');
  });

  it('names a lead without a name by email, then phone', () => {
    expect(render({}, { name: null }).subject).toBe('New inquiry from ana@example.org about 12 Oak St');
    expect(render({}, { name: '  ', email: null }).subject).toBe('New inquiry from +1 (555) 010-2030 about 12 Oak St');
    expect(render({ listing: null }, { name: null, email: null, phone: null }).subject).toBe('New inquiry from A new lead');
  });

  it.each(['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'not a url'])('does not link a page URL like %j', (pageUrl) => {
    const email = render({ pageUrl });
    expect(email.html).not.toContain('Sent from');
    expect(email.html).not.toMatch(/href="(javascript|data):/);
  });

  it('quotes at most 2,000 characters of a long message', () => {
    const email = render({ message: 'y'.repeat(10_000) });
    expect(email.text).toContain(`${'y'.repeat(1999)}…`);
    expect(email.text).not.toContain('y'.repeat(2000));
  });
});

describe('digest', () => {
  const base = { publicUrl: FIXTURE_PUBLIC_URL, unsubscribeUrl: `${FIXTURE_PUBLIC_URL}/v1/unsubscribe/t?alert=digest`, timeZone: 'Asia/Kolkata', date: new Date('2026-06-02T01:30:00Z') };

  it('says so when there is nothing to report', () => {
    const email = renderDigestEmail({ ...base, reminders: [], hotLeads: [] });
    expect(email.subject).toBe('Your Porchlight morning, Tuesday, June 2: 0 reminders today, 0 new hot leads');
    expect(email.text).toContain('Nothing due today.');
    expect(email.text).toContain('No new hot leads since yesterday.');
  });

  it('lists reminders at local times and caps long lists with a count of the rest', () => {
    const reminders = Array.from({ length: DIGEST_MAX_ITEMS + 3 }, (_, i) => ({
      reminderId: `r${i}`, reminderDate: new Date(Date.UTC(2026, 5, 2, 3, 30 + i)), reminderMessage: `Call #${i}`, lead: { leadId: `l${i}`, name: `Lead ${i}` },
    }));
    const email = renderDigestEmail({ ...base, reminders, hotLeads: [{ leadId: 'h1', name: 'Ravi', score: 77 }] });
    expect(email.subject).toContain('23 reminders today, 1 new hot lead');
    expect(email.text).toContain('- 9:00 AM · Lead 0 — Call #0');
    expect(email.text).toContain('and 3 more');
    expect(email.text).not.toContain('Lead 20');
    expect(email.html).toContain(`href="${FIXTURE_PUBLIC_URL}/app/leads/h1"`);
  });

  it('shows a reminder of an earlier day still open with its date, and counts the overdue ones', () => {
    const reminders = [
      { reminderId: 'old', reminderDate: new Date('2026-05-30T05:00:00Z'), reminderMessage: 'Send the comps', lead: { leadId: 'l0', name: 'Mira' } },
      { reminderId: 'now', reminderDate: new Date('2026-06-02T03:30:00Z'), reminderMessage: 'Call back', lead: { leadId: 'l1', name: 'Dev' } },
    ];
    const email = renderDigestEmail({ ...base, reminders, overdueCount: 1, hotLeads: [] });
    expect(email.subject).toBe('Your Porchlight morning, Tuesday, June 2: 2 reminders today (1 overdue), 0 new hot leads');
    expect(email.text).toContain('- overdue since Saturday, May 30 · Mira — Send the comps');
    expect(email.text).toContain('- 9:00 AM · Dev — Call back');
    expect(email.html).toContain('overdue since Saturday, May 30');
  });

  it('takes the totals from the counts when only the first items are passed', () => {
    const reminders = Array.from({ length: DIGEST_MAX_ITEMS }, (_, i) => ({
      reminderId: `r${i}`, reminderDate: new Date(Date.UTC(2026, 5, 2, 3, 30 + i)), reminderMessage: `Call #${i}`, lead: { leadId: `l${i}`, name: `Lead ${i}` },
    }));
    const email = renderDigestEmail({ ...base, reminders, reminderCount: 60, hotLeads: [{ leadId: 'h1', name: 'Ravi', score: 77 }], hotLeadCount: 1 });
    expect(email.subject).toContain('60 reminders today, 1 new hot lead');
    expect(email.text).toContain('and 40 more');
    expect(email.html).toContain('and 40 more');
  });
});

describe('webhook endpoint disabled alert', () => {
  it('gives the host in the subject and the reason in the body', () => {
    const email = renderEndpointDisabledEmail({
      publicUrl: FIXTURE_PUBLIC_URL, unsubscribeUrl: `${FIXTURE_PUBLIC_URL}/v1/unsubscribe/t?alert=endpoint_disabled`, timeZone: 'UTC',
      endpoint: { endpointId: 'e1', url: 'https://crm.example.com/hooks/porchlight', description: null, disabledReason: 'All deliveries failed for 5 days (last: HTTP 502)' },
    });
    expect(email.subject).toBe('Webhook endpoint disabled: crm.example.com');
    expect(email.text).toContain('Reason: All deliveries failed for 5 days (last: HTTP 502)');
    expect(email.html).toContain(`href="${FIXTURE_PUBLIC_URL}/app/webhooks"`);
  });

  it('says when it was disabled, and since when it failed, in the realtor\'s zone', () => {
    const email = renderEndpointDisabledEmail({
      publicUrl: FIXTURE_PUBLIC_URL, unsubscribeUrl: `${FIXTURE_PUBLIC_URL}/v1/unsubscribe/t?alert=endpoint_disabled`, timeZone: 'America/Chicago',
      endpoint: {
        endpointId: 'e1', url: 'https://crm.example.com/hooks/porchlight', description: null, disabledReason: 'Every delivery failed for 5 days or more; the last answer was: receiver answered 502.',
        disabledAt: new Date('2026-11-30T00:11:26Z'), failingSince: new Date('2026-11-24T18:02:00Z'),
      },
    });
    const when = 'Disabled Sun, Nov 29, 6:11 PM CST (failing since Tue, Nov 24, 12:02 PM CST).';
    expect(email.text).toContain(`Reason: Every delivery failed for 5 days or more; the last answer was: receiver answered 502.\n${when}\n`);
    expect(email.html).toContain(when);
    expect(email.text).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
  });
});

describe('account emails', () => {
  it('put the token in the link fragment, out of server logs', () => {
    expect(buildAccountTokenUrl('https://leads.example.com/', 'password_reset', 'a+b/c')).toBe('https://leads.example.com/app/reset-password#token=a%2Bb%2Fc');
    expect(buildAccountTokenUrl('https://leads.example.com', 'email_verification', 'tok')).toBe('https://leads.example.com/app/verify-email#token=tok');
  });

  it('show the link in both parts and how long it works', () => {
    const url = buildAccountTokenUrl(FIXTURE_PUBLIC_URL, 'password_reset', 'tok');
    const email = renderPasswordResetEmail({ username: 'Ana', url, validForMs: 3_600_000 });
    expect(email.subject).toBe('Reset your Porchlight password');
    expect(email.html).toContain(`href="${url}"`);
    expect(email.text).toContain(url);
    expect(email.text).toContain('works once, for 1 hour');
    const verify = renderVerifyEmailEmail({ username: 'Ana', url, validForMs: 24 * 3_600_000 });
    expect(verify.text).toContain('for 1 day');
  });

  it('send the email-change link to the confirm-email page, like the others (token in the fragment)', () => {
    expect(buildAccountTokenUrl('https://leads.example.com', 'email_change', 'tok')).toBe('https://leads.example.com/app/confirm-email#token=tok');
    const email = renderEmailChangeEmail({ username: 'Ana', newEmail: 'ana.new@example.org', url: buildAccountTokenUrl(FIXTURE_PUBLIC_URL, 'email_change', 'tok'), validForMs: 86_400_000 });
    expect(email.text).toContain('ana.new@example.org');
    expect(email.text).toContain('works once, for 1 day');
  });

  it.each([
    ['new@example.com', 'n•••@example.com'],
    ['a@b.co', 'a•••@b.co'],
    ['élodie.martin@example.fr', 'é•••@example.fr'],
    ['😀x@example.com', '😀•••@example.com'],
    ['no-at-sign', '•••'],
  ])('mask %j as %j', (address, masked) => {
    expect(maskEmail(address)).toBe(masked);
  });

  it('tell the old address the new one masked, never in full', () => {
    const email = renderEmailChangedEmail({ username: 'Ana', newEmail: 'nadia.secret@example.org' });
    expect(email.text).toContain('n•••@example.org');
    expect(email.html).toContain('n•••@example.org');
    expect(`${email.subject} ${email.text} ${email.html}`).not.toContain('nadia.secret');
  });

  it.each(['javascript:alert(1)', '/relative', ''])('refuse a link like %j', (url) => {
    expect(() => renderVerifyEmailEmail({ username: 'Ana', url, validForMs: 60_000 })).toThrow(/http/);
  });

  it.each([[30 * 60_000, '30 minutes'], [60_000, '1 minute'], [2 * 3_600_000, '2 hours'], [3 * 86_400_000, '3 days']])('describe %d ms as %j', (ms, words) => {
    expect(describeDuration(ms)).toBe(words);
  });
});

describe('the html tag', () => {
  it('escapes every interpolation, once', () => {
    expect(html`<p title="${`"'<>&\``}">${'<b>'}</p>`.value).toBe('<p title="&quot;&#39;&lt;&gt;&amp;&#96;">&lt;b&gt;</p>');
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}</p>`.value).toBe('<p><b>&lt;i&gt;</b></p>');
  });

  it('renders arrays item by item, and null, undefined and false as nothing', () => {
    expect(html`${['<a>', html`<b></b>`]}|${null}|${undefined}|${false}|${0}`.value).toBe('&lt;a&gt;<b></b>||||0');
  });

  it('keeps line breaks of user text as <br>', () => {
    expect(htmlLines('a<\nb').value).toBe('a&lt;<br>b');
  });

  it('treats an object that merely looks like SafeHtml as text', () => {
    expect(html`${{ value: '<script>' }}`.value).toBe('[object Object]');
  });
});

describe('text helpers', () => {
  itMaps(cleanHeaderText, 'cleanHeaderText(%j) → %j', [
    ['Ana\r\nBcc: x@example.com', 'Ana Bcc: x@example.com'],
    ['  many   spaces\there ', 'many spaces here'],
    ['a\u2028b\u0085c', 'a b c'],
    ['Ana \u202Egnp.exe', 'Ana gnp.exe'],
    ['x'.repeat(200), `${'x'.repeat(SUBJECT_MAX_CHARS - 1)}…`],
  ]);

  it('cleanText keeps paragraphs but drops other controls', () => {
    expect(cleanText('a\r\nb\u0000c\n\n\n\nd\u202E')).toBe('a\nb c\n\nd');
  });

  itMaps(telHref, 'telHref(%j) → %j', [
    ['+1 (555) 010-2030', 'tel:+15550102030'],
    ['555.010.2030 ext<script>', 'tel:5550102030'],
    ['+44 +20 7946 0958', 'tel:+442079460958'],
    ['call me', null],
    [null, null],
  ]);

  itMaps((input: string) => mailtoHref(input, 'Hi'), 'mailtoHref(%j) → %j', [
    ['ana@example.org', 'mailto:ana@example.org?subject=Hi'],
    ['"><script>@example.org', 'mailto:%22%3E%3Cscript%3E@example.org?subject=Hi'],
    ['not an address', null],
    ['a@b@c', null],
  ]);

});
