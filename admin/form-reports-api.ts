// What the public form reported but did not establish (docs/lead-poisoning.md,
// docs/inquiry-flood.md): a lead's reported contacts and the Filtered list. Beside api-client.ts:
// types from core's zod schemas (`import type` only), calls through the same `api` door.
import type { z } from 'zod';
import type { ZFilteredInquiryJson, ZReleasedInquiryJson } from '../core/inquiries/filtered-inquiry-schemas.ts';
import type { ZReportedContactJson } from '../core/leads/reported-contact-schemas.ts';
import { api, type Lead, type Page, type RequestOptions } from './api-client.ts';

export type ReportedContact = z.output<typeof ZReportedContactJson>;
export type FilteredInquiry = z.output<typeof ZFilteredInquiryJson>;
export type ReleasedInquiry = z.output<typeof ZReleasedInquiryJson>;

export const FILTERED_PAGE_SIZE = 25;

/** Fired after a release or delete in the Filtered list, so the navigation count refreshes. */
export const FILTERED_CHANGED_EVENT = 'porchlight:filtered-changed';

function announce<T>(result: T): T {
  window.dispatchEvent(new Event(FILTERED_CHANGED_EVENT));
  return result;
}

const reportPath = (id: string) => `/v1/reported-contacts/${encodeURIComponent(id)}`;
const filteredPath = (id: string) => `/v1/filtered-inquiries/${encodeURIComponent(id)}`;

export const reportedContactsApi = {
  list: (leadId: string, opts?: RequestOptions) => api.get<{ items: ReportedContact[] }>(`/v1/leads/${encodeURIComponent(leadId)}/reported-contacts`, opts),
  adopt: (id: string) => api.post<{ lead: Lead; reportedContact: ReportedContact }>(`${reportPath(id)}/adopt`, {}),
  dismiss: (id: string) => api.delete(reportPath(id)),
};

export const filteredApi = {
  list: (cursor: string | null, opts?: RequestOptions) =>
    api.get<Page<FilteredInquiry> & { total: number }>('/v1/filtered-inquiries', { ...opts, query: { cursor: cursor ?? undefined, limit: FILTERED_PAGE_SIZE } }),
  /** How many submissions are held (all sites). */
  count: async (opts?: RequestOptions) => (await api.get<Page<FilteredInquiry> & { total: number }>('/v1/filtered-inquiries', { ...opts, query: { limit: 1 } })).total,
  release: async (id: string) => announce(await api.post<ReleasedInquiry>(`${filteredPath(id)}/release`, {})),
  remove: async (id: string) => announce(await api.delete(filteredPath(id))),
  /** Deletes every held submission received up to `receivedUpTo` (the newest the list showed): later ones are kept. */
  removeAll: async (receivedUpTo: string) => announce(await api.delete<{ deleted: number }>('/v1/filtered-inquiries', { query: { receivedUpTo } })),
};
