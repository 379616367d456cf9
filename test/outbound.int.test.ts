// The outbound pattern across its channels: one domain change writes its webhook deliveries and
// its email alerts in its own transaction (recordOutboundEvent), and the workers deliver both —
// a signed webhook at a real receiver, an email at a real SMTP server. These cases cross the
// channels that the webhook, reminder and email suites each test alone: a new inquiry, a lead
// turning hot, a reminder falling due, and an endpoint disabled by a 410 (whose owner is emailed).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WAIT } from '#test/env.ts';
import { makeRealtor, makeSite } from '#test/factories.ts';
import type { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { startTestReceiver, type TestReceiver } from '#test/webhook-receiver.ts';
import { useMailStack } from '#test/mail-stack.ts';

const ORIGIN = 'https://homes.example';
const freshIp = ipSource(11);

let receiver: TestReceiver;
let client: ApiClient;
let email: string;
let siteKey: string;
let endpointId: string;
let secret: string;

// The receiver starts before the app and closes after it (afterAll hooks run in reverse order).
beforeAll(async () => {
  receiver = await startTestReceiver();
});
afterAll(async () => {
  await receiver?.close();
});
const stack = useMailStack({ TRUST_PROXY: 'true', WEBHOOK_RETRY_SCHEDULE: '0,1,1', EMAIL_RETRY_SCHEDULE: '0,1,1' });
beforeAll(async () => {
  // Confirmed: alerts go only to a confirmed address.
  ({ client, email } = await makeRealtor(stack.server, { verified: true }));
  siteKey = (await makeSite({ client }, { allowedOrigins: [ORIGIN] })).publicKey;
  const endpoint = await client.post('/v1/webhook-endpoints', { url: receiver.url });
  expect(endpoint.status).toBe(201);
  ({ endpointId, secret } = endpoint.body);
});

const post = (path: string, body: Record<string, unknown>) => sendIngest(`${stack.server.url}${path}`, body, { defaultOrigin: ORIGIN, nextIp: freshIp });

function inquire(name: string, visitor: string) {
  const n = randomUUID().slice(0, 8);
  return post('/v1/inquiries', {
    site: siteKey, id: randomUUID(), visitor, name, email: `buyer-${n}@example.com`, message: 'Is 12 Oak St still available?',
    listing: 'oak-12', url: `${ORIGIN}/listings/oak-12`, consent: true, hp: '',
  });
}

const webhooksOf = (type: string, leadId: string) => receiver.received.filter((w) => w.payload.type === type && w.payload.data.leadId === leadId);

async function leadIdOf(name: string): Promise<string> {
  const [row] = await stack.server.sql<{ lead_id: string }>('select lead_id from leads where name = $1', [name]);
  return row.lead_id;
}

describe('one event, every channel', () => {
  it('a widget inquiry reaches the CRM as signed lead.created and inquiry.created, and the realtor by email', async () => {
    const name = `Ada ${randomUUID().slice(0, 6)}`;
    expect((await inquire(name, `v_${randomUUID().slice(0, 8)}`)).status).toBe(202);
    const leadId = await leadIdOf(name);
    await receiver.waitFor(() => webhooksOf('inquiry.created', leadId).length === 1 && webhooksOf('lead.created', leadId).length === 1);
    for (const w of [...webhooksOf('lead.created', leadId), ...webhooksOf('inquiry.created', leadId)]) expect(() => receiver.verify(w, secret)).not.toThrow();
    const mail = await stack.smtp.waitFor((m) => m.subject.includes(name), { timeoutMs: WAIT.timeout, description: 'the new-inquiry alert' });
    expect(mail.envelope.to).toContain(email);
    expect(mail.text).toContain(`/app/leads/${leadId}`);
  });

  it('a lead turning hot announces lead.hot to the CRM, emails the realtor its top score reasons and opens one "call" reminder', async () => {
    const name = `Hot ${randomUUID().slice(0, 6)}`;
    const visitor = `v_${randomUUID().slice(0, 8)}`;
    // Inquiry 40 + showing request 15 + saved listing 10 = 65: over the hot threshold (60). Three
    // smaller signals on top make six reasons, one more than the email lists: a mortgage
    // calculator (8), a view of a listing whose ref is markup (3) and a plain page view (1).
    const events = [
      ...['showing_request', 'save_listing'].map((type) => ({ id: randomUUID(), type, listing: 'oak-12', url: `${ORIGIN}/listings/oak-12` })),
      { id: randomUUID(), type: 'mortgage_calculator', url: `${ORIGIN}/tools/mortgage` },
      { id: randomUUID(), type: 'page_view', listing: '<b>x</b>', url: `${ORIGIN}/listings/x` },
      { id: randomUUID(), type: 'page_view', url: `${ORIGIN}/about` },
    ];
    expect((await post('/v1/collect', { site: siteKey, visitor, events })).status).toBe(202);
    expect((await inquire(name, visitor)).status).toBe(202);
    const leadId = await leadIdOf(name);
    await receiver.waitFor(() => webhooksOf('lead.hot', leadId).length === 1);
    expect(() => receiver.verify(webhooksOf('lead.hot', leadId)[0], secret)).not.toThrow();
    expect(webhooksOf('lead.hot', leadId)[0].payload.data).toMatchObject({ leadId, previousBand: expect.any(String) });
    // By its subject's wording: the name ("Hot …") is in the new-inquiry alert's subject too.
    const mail = await stack.smtp.waitFor((m) => m.subject.startsWith(`${name} is now a hot lead`), { timeoutMs: WAIT.timeout, description: 'the lead-hot alert' });

    // "Why": the stored breakdown's five largest contributions, largest first, in both parts.
    const [{ score_breakdown: breakdown }] = await stack.server.sql<{ score_breakdown: { signals: Array<{ label: string; points: number }> } }>(
      'select score_breakdown from leads where lead_id = $1', [leadId]);
    const top = breakdown.signals.filter((s) => s.points > 0).sort((a, b) => b.points - a.points).slice(0, 5).map((s) => `${s.label} +${s.points}`);
    expect(top.slice(0, 3)).toEqual(['Inquiry +40', 'Showing request +15', 'Saved listing +10']);
    expect(top).toContain('Viewed <b>x</b> +3');
    expect(breakdown.signals.filter((s) => s.points > 0).length).toBeGreaterThan(5);
    expect(mail.text).toContain(['Why:', ...top.map((r) => `- ${r}`)].join('\n'));
    const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    expect(mail.html).toContain(`Why</p><ul style="margin:0;padding-left:20px">${top.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>`);
    expect(mail.html).toContain('<li>Viewed &lt;b&gt;x&lt;/b&gt; +3</li>');
    expect(mail.html).not.toContain('<b>x</b>');
    const reminders = await stack.server.sql<{ kind: string; status: string }>('select kind, status from follow_up_reminders where lead_id = $1', [leadId]);
    expect(reminders.filter((r) => r.kind === 'auto' && r.status === 'pending').length).toBeGreaterThanOrEqual(1);
  });

  it('a reminder falling due is announced as reminder.due and emailed, once each', async () => {
    const name = `Due ${randomUUID().slice(0, 6)}`;
    expect((await inquire(name, `v_${randomUUID().slice(0, 8)}`)).status).toBe(202);
    const leadId = await leadIdOf(name);
    const created = await client.post(`/v1/leads/${leadId}/reminders`, { reminderDate: new Date(Date.now() + 500).toISOString(), reminderMessage: 'Send the disclosures' });
    expect(created.status).toBe(201);
    const reminderId = created.body.reminderId as string;
    await receiver.waitFor((all) => all.some((w) => w.payload.type === 'reminder.due' && w.payload.data.reminderId === reminderId));
    await stack.smtp.waitFor((m) => m.text.includes('Send the disclosures'), { timeoutMs: WAIT.timeout, description: 'the reminder-due alert' });
    const [row] = await stack.server.sql<{ status: string }>('select status from follow_up_reminders where reminder_id = $1', [reminderId]);
    expect(row.status).toBe('due');
    expect(receiver.received.filter((w) => w.payload.type === 'reminder.due' && w.payload.data.reminderId === reminderId)).toHaveLength(1);
    expect(stack.smtp.messages.filter((m) => m.text.includes('Send the disclosures'))).toHaveLength(1);
  });

  it('an endpoint failing for 5 days is disabled at its next failed attempt, with its reason, and its owner is emailed', async () => {
    const failing = await startTestReceiver();
    try {
      const created = await client.post('/v1/webhook-endpoints', { url: failing.url, eventTypes: ['webhook.test'] });
      expect(created.status).toBe(201);
      const id = created.body.endpointId as string;
      // Its every attempt has failed since six days ago (as the worker would have recorded it).
      await stack.server.sql(`update webhook_endpoints set failing_since = now() - interval '6 days', consecutive_failures = 1 where endpoint_id = $1`, [id]);
      failing.answers.push({ status: 500 });
      expect((await client.post(`/v1/webhook-endpoints/${id}/test`)).status).toBe(202);
      await vi.waitFor(async () => {
        const ep = (await client.get(`/v1/webhook-endpoints/${id}`)).body;
        expect(ep).toMatchObject({ enabled: false, health: { disabledReason: expect.stringMatching(/^Every delivery failed for 5 days or more; the last answer was: .*500/), disabledAt: expect.any(String), disabledBy: 'delivery' } });
      }, WAIT);
      expect(failing.received).toHaveLength(1);
      const mail = await stack.smtp.waitFor((m) => m.text.includes(failing.url), { timeoutMs: WAIT.timeout, description: 'the 5-day endpoint-disabled email' });
      expect(mail.envelope.to).toContain(email);
      expect(mail.text).toContain('5 days or more');
      // When, in the realtor's zone; no raw ISO time.
      expect(mail.text).toMatch(/\nDisabled \w{3}, \w{3} \d{1,2}, \d{1,2}:\d{2} [AP]M \S+ \(failing since \w{3}, \w{3} \d{1,2}, \d{1,2}:\d{2} [AP]M \S+\)\.\n/);
      expect(mail.text).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}/);
    } finally {
      await failing.close();
    }
  });

  it('an endpoint the receiver answers 410 is disabled with its reason, and its owner is emailed', async () => {
    receiver.answers.push({ status: 410 });
    const test = await client.post(`/v1/webhook-endpoints/${endpointId}/test`);
    expect(test.status).toBe(202);
    await vi.waitFor(async () => {
      const ep = (await client.get(`/v1/webhook-endpoints/${endpointId}`)).body;
      expect(ep).toMatchObject({ enabled: false, health: { disabledReason: expect.stringContaining('410'), disabledBy: 'delivery' } });
    }, WAIT);
    const mail = await stack.smtp.waitFor((m) => m.text.includes(receiver.url) || m.html.includes(receiver.url), { timeoutMs: WAIT.timeout, description: 'the endpoint-disabled email' });
    expect(mail.envelope.to).toContain(email);
    expect(mail.text).toContain('410');
  });
});
