// Consent records (issue #10): each inquiry stores the consent wording the visitor saw, its
// version and the time; sites require consent by default (as the widget's form does), and a site
// may turn that off for its own forms. The lead's inquiries and the CSV export show it.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '#test/app.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';

const ORIGIN = 'https://homes.example';
const freshIp = ipSource(43);
const WORDING = 'I agree that the agent may contact me about this inquiry.';

let server: TestServer;
let realtor: ApiClient;
let site: { siteId: string; publicKey: string; settings: Record<string, boolean> };

const inquire = (body: Record<string, unknown>) =>
  sendIngest(`${server.url}/v1/inquiries`, { site: site.publicKey, id: randomUUID(), message: 'Still available?', ...body }, { defaultOrigin: ORIGIN, nextIp: freshIp });
const inquiryCount = async () => (await server.sql<any>('select count(*)::int as n from inquiries'))[0].n;

/** The export's rows as objects keyed by the header. */
async function exportRows(): Promise<Record<string, string>[]> {
  const res = await fetch(`${server.url}/v1/leads/export.csv`, { headers: { cookie: realtor.cookie } });
  const [header, ...lines] = (await res.text()).slice(1).trim().split('\r\n');
  const names = header.split(',');
  // The cells here hold no commas or quotes except the wording, which is the only quoted cell.
  return lines.map((line) => {
    const cells = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));
    return Object.fromEntries(names.map((n, i) => [n, cells[i]]));
  });
}

beforeAll(async () => {
  server = await startTestServer({ TRUST_PROXY: 'true' });
  realtor = new ApiClient(server.url);
  await realtor.signUp();
  site = (await realtor.post('/v1/sites', { name: 'Oak Realty', allowedOrigins: [ORIGIN] })).body;
});
afterAll(async () => {
  await server?.close();
});

describe('consent records', () => {
  it('a site requires consent by default: without it the API answers 400 naming the field and stores nothing', async () => {
    expect(site.settings.requireConsent).toBe(true);
    const before = await inquiryCount();
    for (const consent of [undefined, false]) {
      const res = await inquire({ email: 'no-consent@example.com', consent });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: any) => d.path)).toEqual(['consent']);
    }
    expect(await inquiryCount()).toBe(before);
  });

  it('stores the wording, version and time with the inquiry, shows it on the lead’s inquiries and in the CSV export', async () => {
    const before = Date.now();
    const res = await inquire({ email: 'consenting@example.com', name: 'Cora Consent', consent: true, consentText: `  ${WORDING} `, consentVersion: 'porchlight-form-1' });
    expect(res.status).toBe(202);
    const [row] = await server.sql<any>("select i.inquiry_id, i.lead_id, i.consent_text, i.consent_version, i.consent_at from inquiries i join leads l using (lead_id) where l.email = 'consenting@example.com'");
    expect(row).toMatchObject({ consent_text: WORDING, consent_version: 'porchlight-form-1' });
    expect(row.consent_at.getTime()).toBeGreaterThanOrEqual(before - 1000);

    const inquiries = (await realtor.get(`/v1/leads/${row.lead_id}/inquiries`)).body.items;
    expect(inquiries[0].consent).toEqual({ text: WORDING, version: 'porchlight-form-1', at: row.consent_at.toISOString() });

    const exported = (await exportRows()).find((r) => r.email === 'consenting@example.com')!;
    expect(exported).toMatchObject({ consentText: WORDING, consentVersion: 'porchlight-form-1', consentAt: row.consent_at.toISOString() });
  });

  it('consent without wording (a site’s own form) is recorded with its time only', async () => {
    expect((await inquire({ email: 'bare@example.com', consent: true })).status).toBe(202);
    const [row] = await server.sql<any>("select i.consent_text, i.consent_version, i.consent_at from inquiries i join leads l using (lead_id) where l.email = 'bare@example.com'");
    expect(row.consent_text).toBeNull();
    expect(row.consent_version).toBeNull();
    expect(row.consent_at).toBeInstanceOf(Date);
  });

  it('a site that turns requireConsent off accepts inquiries without consent, recording none', async () => {
    const patched = await realtor.patch(`/v1/sites/${site.siteId}`, { settings: { requireConsent: false } });
    expect(patched.status).toBe(200);
    expect(patched.body.settings).toEqual({ respectDnt: true, requireConsent: false });
    expect((await inquire({ email: 'optional@example.com' })).status).toBe(202);
    const [row] = await server.sql<any>("select i.consent_at from inquiries i join leads l using (lead_id) where l.email = 'optional@example.com'");
    expect(row.consent_at).toBeNull();
    const exported = (await exportRows()).find((r) => r.email === 'optional@example.com')!;
    expect(exported).toMatchObject({ consentText: '', consentVersion: '', consentAt: '' });
    expect((await realtor.patch(`/v1/sites/${site.siteId}`, { settings: { requireConsent: true } })).body.settings.requireConsent).toBe(true);
  });

  it('refuses bad consent fields with a 400 and stores nothing', async () => {
    const before = await inquiryCount();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ consentText: 'x'.repeat(2001) }, 'consentText'],
      [{ consentText: 'I agree\u0000' }, 'consentText'],
      [{ consentVersion: 'v'.repeat(41) }, 'consentVersion'],
      [{ consentVersion: 42 }, 'consentVersion'],
    ];
    for (const [fields, path] of cases) {
      const res = await inquire({ email: 'bad-consent@example.com', consent: true, ...fields });
      expect(res.status, path).toBe(400);
      expect(res.body.error.details.map((d: any) => d.path)).toContain(path);
    }
    expect((await realtor.patch(`/v1/sites/${site.siteId}`, { settings: { requireConsent: 'yes' } })).status).toBe(400);
    expect(await inquiryCount()).toBe(before);
  });
});
