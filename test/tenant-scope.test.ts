// Tenant scope check: every realtor query is scoped through core/accounts/tenant.ts (`ownedBy`,
// `ownedFilter`, `sameAccount`, …), never by a hand-written `user_id` comparison — the one place a
// brokerage's rules (several agents per account) will live. Scans the sources of core/ and api/
// (not tests) for the shapes such a filter takes; the allow-list below names the system queries
// that legitimately look rows up by an id from a row, a job payload or a session.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromRoot, ROOT, sourceFiles } from './source-files.ts';

const SCANNED = ['core', 'api'];

/**
 * Files allowed to compare `user_id` by hand, how many times, and why. Not realtor requests: none
 * of them has a tenant, or the row is a person's, not the account's. The count is exact, so a
 * realtor query added to one of these files fails the suite like anywhere else (it belongs in
 * tenant.ts terms); a reviewed system query raises the count. Keep each reason true.
 */
const ALLOWED: Record<string, [count: number, reason: string]> = {
  // Triggers (SQL the entities declare for their migrations): a row moving between accounts.
  'core/analytics/lead-band-count.entity.ts': [1, 'trigger: compares old and new rows'],
  'core/analytics/lead-daily-count.entity.ts': [1, 'trigger: compares old and new rows'],
  // Rows of a person (the users table's key; sessions, account tokens, notification preferences
  // belong to a user, not to an account).
  'core/accounts/sessions.ts': [4, 'a session belongs to the signed-in user (and is joined to that users row to refuse a deleted account\'s; a refused login reads that row by its key to log why)'],
  'core/accounts/api-keys.ts': [2, 'an API key\'s grant is joined to its creator\'s users row to refuse a deleted account\'s'],
  'core/accounts/lock-live-user.ts': [1, 'a session or API key being created locks its own user row (refused once the account is deleted)'],
  'core/accounts/account-tokens.ts': [10, 'an email/password token belongs to a user (and is checked against that user\'s address; its claim locks that user first; a live link\'s own user is read before the argon2 work; a new link keeps that user\'s newest ones of its purpose; the reset links a user was issued in the hour are counted for the per-address cap)'],
  'core/accounts/account-sessions.ts': [3, 'Account settings: the signed-in person\'s own sessions (actorIdOf(tenant))'],
  'core/accounts/account-deletion.ts': [13, 'Account deletion: every row of the signed-in person\'s own account (actorIdOf(tenant)), by its key'],
  'core/accounts/account-deletion-purge.ts': [17, 'worker: the purge job erases the deleted account its payload names, checks what of it is left, and finds deleted accounts for the sweep (those with data left first)'],
  'core/accounts/account-settings.ts': [6, 'Account settings: the signed-in person\'s users row by its key (actorIdOf(tenant)), read once unlocked for the argon2 check and once locked'],
  'core/notifications/account-emails.ts': [7, 'verification and password reset: the users row by its key; the verification emails a user was sent in the hour, counted for the per-address cap'],
  'core/email/notification-preferences.ts': [5, 'preferences are per person (actorIdOf(tenant) in requests, the recipient in the worker), and so are the alerts their quiet hours hold and the time zone Today and Analytics count days in'],
  // Worker jobs and ingest: the owning account comes from a row or a job payload.
  'core/notifications/render-notification.ts': [4, 'worker: renders a claimed notification for its recipient'],
  'core/sites/resolve-ingest-site.ts': [1, 'ingest: a site by its public key counts as enabled only while its owner\'s account is not deleted (joined to that users row)'],
  'core/leads/find-or-create-lead.ts': [1, 'ingest: the site owner\'s lead by email or phone'],
  'core/scoring/score-lead.ts': [2, 'worker: scores leads of the accounts its rows name'],
  'core/scoring/rescore-user-leads.ts': [4, 'worker: the rescore job carries the account id'],
  'core/analytics/lead-band-counts.ts': [1, 'worker: compaction joins count rows of the same key across all accounts'],
  'core/webhooks/claim-webhook-deliveries.ts': [1, 'worker: the delivery claim joins each candidate endpoint to its owner\'s users row to send nothing for a deleted account'],
  'core/webhooks/record-webhook-message.ts': [1, 'a message fans out only to endpoints whose owner\'s users row is not deleted (the endpoint\'s own user_id, beside ownedByAccount)'],
};

/** The shapes of a hand-written owner filter. */
const HAND_WRITTEN: Array<{ what: string; re: RegExp }> = [
  // SQL text: `user_id = ${…}`, `s.user_id = …`, `user_id in (…)` (not `===`: that is TypeScript).
  { what: 'user_id compared in SQL text', re: /(?<![\w.])(?:\w+\.)?user_id\s*(?:=(?!=)|<>|!=|\s+in\s*\(|\s+is\s+(?:not\s+)?distinct)/gi },
  // Kysely: `.where('user_id', …)`, `.on('li.user_id', …)`, `eb('user_id', …)`, `.whereRef('a.user_id', …)`.
  { what: 'user_id compared in a Kysely call', re: /(?:\.(?:where|whereRef|on|onRef|having)|\beb)\(\s*'(?:\w+\.)?user_id'/g },
  // Kysely join shorthand relating two accounts' columns: `.innerJoin('x as b', 'b.user_id', 'a.user_id')`.
  { what: 'tables joined on user_id', re: /Join\(\s*'[^']+'\s*,\s*'(?:\w+\.)?user_id'\s*,\s*'(?:\w+\.)?user_id'/g },
  // MikroORM: `{ user: id }` as a filter or as entity data.
  { what: '{ user: … } in a MikroORM call', re: /\.(?:find\w*|count|nativeDelete|nativeUpdate|upsert\w*|create|insert|assign)\(\s*(?:\w+\s*,\s*)?\{[^{}]*?\buser\s*:/g },
];

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** `file:line what` for each hand-written owner filter in `text`. */
function handWrittenOwnerFilters(file: string, text: string): string[] {
  const found: string[] = [];
  for (const { what, re } of HAND_WRITTEN) for (const m of text.matchAll(re)) found.push(`${file}:${lineOf(text, m.index)} ${what}: ${m[0].trim()}`);
  return found;
}

describe('the tenant scope', () => {
  const files = sourceFiles(SCANNED).map(fromRoot);
  const hits = new Map(files.map((f) => [f, handWrittenOwnerFilters(f, readFileSync(join(ROOT, f), 'utf8'))]));

  it('no core/ or api/ query filters by user_id by hand outside tenant.ts and the allow-list', () => {
    const offenders = [...hits].filter(([f]) => !(f in ALLOWED)).flatMap(([, h]) => h);
    expect(offenders).toEqual([]);
  });

  it('an allowed file has exactly the hand-written filters the allow-list counts, no new one', () => {
    const drift = Object.entries(ALLOWED)
      .filter(([f, [count]]) => (hits.get(f)?.length ?? 0) !== count)
      .map(([f, [count]]) => ({ file: f, allowed: count, found: hits.get(f) ?? [] }));
    expect(drift).toEqual([]);
  });

  // Source text as the scan sees it: the `${…}` in these strings are not meant to be interpolated.
  it('catches the shapes a hand-written filter takes', () => {
    const shapes = [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: scanned source text
      "sql`update pipeline_stages s set position = 1 where s.stage_id = v.stage_id and s.user_id = ${ownerIdOf(tenant)}`",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: scanned source text
      'sql`select 1 from leads where user_id = ${owner}::uuid`',
      "j.onRef('li.site_id', '=', 'a.site_id').on('li.user_id', '=', ownerIdOf(tenant))",
      ".updateTable('follow_up_reminders').where('lead_id', '=', leadId).where('user_id', '=', ownerId)",
      "q.where((eb) => eb('user_id', 'in', ids))",
      "q.innerJoin('sites as s', 's.user_id', 'l.user_id')",
      'await em.findOne(NotificationPreferencesSchema, { user: userId })',
      "em.nativeDelete(AccountTokenSchema, { purpose, user: userId })",
    ];
    for (const shape of shapes) expect(handWrittenOwnerFilters('x.ts', shape), shape).toHaveLength(1);
    const fine = [
      // biome-ignore lint/suspicious/noTemplateCurlyInString: scanned source text
      "sql`select 1 from leads where ${ownedBy(tenant)} and status = 'new'`",
      "r.actor_user_id === actorIdOf(tenant)",
      ".leftJoin('users as u', 'u.user_id', 't.actor_user_id')",
      "insertInto('leads').values({ user_id: ownerIdOf(tenant), name })",
      "return { user: toUserJson(user), csrfToken }",
      "em.find(SiteSchema, { ...ownedFilter(tenant), siteId })",
    ];
    for (const shape of fine) expect(handWrittenOwnerFilters('x.ts', shape), shape).toEqual([]);
  });
});
