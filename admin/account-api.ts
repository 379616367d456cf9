// The signed-in realtor's own account: sign-in email (changed only through a link sent to the new
// address), password, and the sessions signed in to it. Session-only routes: an API key cannot use
// them. See docs/accounts.md.
import type { AccountJson, AccountSessionJson } from '../core/accounts/account-schemas.ts';
import { adoptCsrfToken, api, type RequestOptions, refreshSession, request } from './api-client.ts';

/** `GET /v1/account`. */
export type AccountInfo = AccountJson;
/** One live session of the realtor, newest `lastSeenAt` first; `userAgent` as the browser sent it: match it (userAgentLabel), never show it raw. */
export type AccountSession = AccountSessionJson;

const sessionPath = (id: string) => `/v1/account/sessions/${encodeURIComponent(id)}`;

export const accountApi = {
  get: (opts?: RequestOptions) => api.get<AccountInfo>('/v1/account', opts),
  /** Sends the confirmation link to `newEmail`; nothing changes until it is opened (202). */
  changeEmail: (newEmail: string, password: string) => api.post<{ pendingEmail: string; expiresAt: string }>('/v1/account/email', { newEmail, password }),
  /** Kills the pending change's link (204 also when none is pending). */
  cancelEmailChange: () => api.delete('/v1/account/email/pending'),
  /**
   * Changes the password. The API ends every other session and rotates this one: its answer's
   * CSRF token replaces the one the client sends, or the next write would be refused.
   */
  changePassword: async (currentPassword: string, newPassword: string): Promise<{ signedOutSessions: number }> => {
    const answer = await api.post<{ signedOutSessions: number; csrfToken: string }>('/v1/account/password', { currentPassword, newPassword });
    adoptCsrfToken(answer.csrfToken);
    return { signedOutSessions: answer.signedOutSessions };
  },
  sessions: (opts?: RequestOptions) => api.get<{ items: AccountSession[] }>('/v1/account/sessions', opts),
  signOutSession: (sessionId: string) => api.delete(sessionPath(sessionId)),
  signOutOthers: () => api.post<{ signedOut: number }>('/v1/account/sessions/sign-out-others'),
  /** What deleting the account would erase (`GET /v1/account/deletion`). */
  deletionSummary: (opts?: RequestOptions) => api.get<{ sites: number; leads: number }>('/v1/account/deletion', opts),
  /**
   * Deletes the account (`DELETE /v1/account`, the current password as proof). The API ends every
   * session, this one included: the local session is then cleared too (a GET /v1/auth/me answers
   * 401), so the app shows its signed-out pages.
   */
  deleteAccount: async (password: string): Promise<{ deletedAt: string }> => {
    const answer = await request<{ deletedAt: string }>('DELETE', '/v1/account', { password });
    await refreshSession().catch(() => undefined);
    return answer;
  },
  /** Spends the link emailed to the new address (public: works signed out too). */
  confirmEmailChange: (token: string) => api.post<{ email: string }>('/v1/auth/confirm-email-change', { token }, { allowUnauthorized: true }),
};
