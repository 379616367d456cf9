// Erasing a lead while one of the person's held submissions is being released: the release locks
// the held row, then the visitor, then the lead; the erasure locks the lead, then deletes the held
// rows. Postgres breaks the deadlock by failing one of them — the erasure used to answer 500 and
// erase nothing. The interleaving is made exact with row locks (test/row-locks.ts).
import { describe, expect, it } from 'vitest';
import { makeFilteredInquiry, makeLead, makeVisitor } from '#test/factories.ts';
import { holdRowLocks, sendQueuedBehind } from '#test/row-locks.ts';
import { useLeadsApi } from '#test/leads-api.ts';

const api = useLeadsApi();

describe('an erasure racing the release of a held submission', () => {
  it('neither answers 500 (the one Postgres fails for the deadlock is retried), and the person is gone', async () => {
    const { client, userId } = await api.makeRealtor();
    const siteId = await api.makeSite(client, 'Race Realty');
    const { leadId } = await makeLead(api.server, { userId, name: 'Dana', email: 'dana@example.com' });
    const { visitorId } = await makeVisitor(api.server, { siteId, leadId });
    const { filteredInquiryId } = await makeFilteredInquiry(api.server, { userId, siteId, email: 'dana@example.com', visitorId, name: 'Dana', message: 'Still available?' });

    // The release stops at the visitor row (held here) with the held row already deleted; the
    // erasure then locks the lead and waits for that held row; letting go deadlocks them.
    const holder = await holdRowLocks(api.server, 'select 1 from visitors where site_id = $1 and visitor_id = $2 for update', [siteId, visitorId]);
    const { first: release, second: erase } = await sendQueuedBehind(
      api.server,
      holder,
      () => client.post(`/v1/filtered-inquiries/${filteredInquiryId}/release`, {}),
      () => client.delete(`/v1/leads/${leadId}`),
    );
    // Postgres fails whichever of the two checks for the deadlock first (each waits deadlock_timeout,
    // so load decides): the erasure is retried and erases the lead the release attached the inquiry
    // to, or the release is retried and finds its held row erased (404). Never a 500; the person is
    // gone either way.
    expect(erase.status).toBe(204);
    expect([200, 404]).toContain(release.status);
    expect(await api.server.sql('select 1 from leads where lead_id = $1', [leadId])).toEqual([]);
    expect(await api.server.sql('select 1 from filtered_inquiries where filtered_inquiry_id = $1', [filteredInquiryId])).toEqual([]);
    expect(await api.server.sql("select 1 from leads where email = 'dana@example.com'")).toEqual([]);
  });
});
