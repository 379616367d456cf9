// The Sites page's install check and test inquiry (api/routes/sites.routes.ts).
import type { z } from 'zod';
import type { ZInstallStatusJson, ZTestInquiryJson } from '../core/sites/site-schemas.ts';
import { api, type RequestOptions, type Site } from './api-client.ts';

export type InstallStatusJson = z.output<typeof ZInstallStatusJson>;
export type TestInquiryJson = z.output<typeof ZTestInquiryJson>;

const sitePath = (id: string) => `/v1/sites/${encodeURIComponent(id)}`;

export const installApi = {
  status: (siteId: string, opts?: RequestOptions) => api.get<InstallStatusJson>(`${sitePath(siteId)}/install-status`, opts),
  addOrigin: (siteId: string, origin: string) => api.post<Site>(`${sitePath(siteId)}/allowed-origins`, { origin }),
  testInquiry: (siteId: string) => api.post<TestInquiryJson>(`${sitePath(siteId)}/test-inquiry`, {}),
};
