import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { sql, type SqlBool } from 'kysely';
import type { z } from 'zod';
import { actorIdOf, ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { AppError } from '../errors.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { DEFAULT_STAGES } from '../pipeline/default-stages.ts';
import { loadStages } from '../pipeline/pipeline-stages.ts';
import { type ContactActivityType, LEAD_STATUSES, type LeadStatus } from '../shared/enums.ts';
import { ACTIVITY_MAX_BEHIND_MS } from '../shared/activity-rules.ts';
import { CONTACT_INFO_MAX_CHARS } from '../shared/field-limits.ts';
import { assertOwnSite } from '../sites/sites.ts';
import { ZContactEmail, ZContactName, ZContactPhone } from './contact-schemas.ts';
import { FORMULA_START } from './csv.ts';
import { formatContactInfo } from './find-or-create-lead.ts';
import { columnsByField, resolveColumns } from './import-columns.ts';
import { parseImportDate } from './import-date.ts';
import {
  IMPORT_ISSUES_MAX, IMPORT_PREVIEW_MAX, type ImportField, type ImportIssue, type ImportLeadsBody, type ImportLeadsResult, type ImportPreviewRow,
} from './import-schemas.ts';
import { ZContactInfo } from './lead-schemas.ts';
import { type ImportRecord, readImportCsv } from './read-import-csv.ts';
import { type CreatedLeadRow, recordLeadsCreated } from './record-lead-events.ts';

// `POST /v1/leads/import` (docs/import.md): a realtor's existing contacts from a CSV file. Every
// row goes through the rules of `POST /v1/leads` (the same zod schemas), then all the leads are
// written set-based — multi-row inserts of IMPORT_INSERT_CHUNK rows, `on conflict do nothing` —
// in one transaction with their `lead_imports` row. Imported people are contacts the realtor
// already knows: status `contacted` by default (Today's "Not contacted yet" lists `new` leads
// only), no `lead.created` webhooks unless asked, no live events.

/** Rows per insert statement: 14 parameters a row, far below Postgres's 65,535 per statement. */
const IMPORT_INSERT_CHUNK = 1000;

interface StageChoice {
  /** Null in a dry run of an account whose default stages are not created yet. */
  stageId: string | null;
  label: string;
}

/** A row that will create a lead. */
interface PlannedLead {
  /** Chosen here, so the lead's activity can name it in the same transaction. */
  leadId: string;
  line: number;
  name: string | null;
  email: string | null;
  phone: string | null;
  contactInfo: string | null;
  status: LeadStatus;
  stage: StageChoice | null;
  /** What Postgres stores (`created_at`), and the same instant for the preview. */
  createdAt: string;
  createdAtIso: string;
  /** The row's last contact: stored as written (`at`) and as an instant (`iso`), or null. */
  lastContacted: { at: string; iso: string } | null;
}

interface ImportPlan {
  rows: number;
  leads: PlannedLead[];
  duplicates: number;
  invalid: number;
  issues: ImportIssue[];
}

/** A cell as written, without the `'` a spreadsheet-safe export puts before `=`, `+`, `-`, `@` (core/leads/csv.ts), trimmed. */
function cellText(raw: string | undefined): string {
  const value = raw ?? '';
  return (value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value).trim();
}

/** Between the values of one Google Contacts cell holding several ("a@example.com ::: b@example.com"). */
const GOOGLE_MULTI_VALUE = /\s*:::\s*/;

/** The first message of a failed zod parse. */
function firstMessage(error: { issues: ReadonlyArray<{ message: string }> }): string {
  return error.issues[0]?.message ?? 'Not valid';
}

const FIELD_LABELS: Record<ImportField, string> = {
  name: 'name', firstName: 'first name', lastName: 'last name', email: 'email address', phone: 'phone number',
  contactInfo: 'contact info', status: 'status', stage: 'stage', createdAt: 'date', lastContactedAt: 'last contacted date',
};

/**
 * Validates every row (in file order) and finds the duplicates — of the account's leads (one
 * query over all the file's emails and phones, through the unique indexes) and of earlier rows.
 */
async function planImport(em: EntityManager, tenant: Tenant, opts: {
  records: readonly ImportRecord[];
  columns: ReadonlyMap<ImportField, readonly number[]>;
  stages: readonly StageChoice[];
  defaultStatus: LeadStatus;
  now: Date;
}): Promise<ImportPlan> {
  const { records, columns, stages, defaultStatus, now } = opts;
  const cell = (record: ImportRecord, field: ImportField) => {
    const i = columns.get(field)?.[0];
    return i === undefined ? '' : cellText(record.cells[i]);
  };
  /**
   * Email or phone from the columns filling it, in their order: the first valid cell (when none is
   * valid, the first filled cell's error), and the other valid values of the row's columns, as
   * stored (`others`: a lead keeps one email and one phone, the rest go to its contact info).
   */
  type Parsed = z.ZodSafeParseResult<string | null | undefined>;
  const contact = (record: ImportRecord, field: 'email' | 'phone', parse: (text: string) => Parsed) => {
    let chosen: Parsed | undefined;
    let failed: Parsed | undefined;
    const others: string[] = [];
    // Google Contacts puts several values of one kind in one cell, separated by " ::: ".
    const texts = (columns.get(field) ?? []).flatMap((i) => cellText(record.cells[i]).split(GOOGLE_MULTI_VALUE).filter(Boolean));
    for (const text of texts) {
      const parsed = parse(text);
      if (!parsed.success) failed ??= parsed;
      else if (!chosen) chosen = parsed;
      else if (parsed.data && parsed.data !== chosen.data && !others.includes(parsed.data)) others.push(parsed.data);
    }
    return { parsed: chosen ?? failed ?? parse(''), others };
  };
  const stageByLabel = new Map(stages.map((s) => [s.label.toLowerCase(), s]));
  const issues: ImportIssue[] = [];
  let invalid = 0;

  // 1. Each row on its own: the rules of POST /v1/leads.
  const candidates: Array<PlannedLead & { warnings: ImportIssue[] }> = [];
  for (const record of records) {
    const { line } = record;
    const bad = (field: ImportField | null, message: string) => {
      invalid++;
      issues.push({ line, kind: 'invalid', field, message });
    };
    // A cell wrapped over lines (a quoted cell with line breaks) reads as one line: the name and
    // contact columns are single-line text.
    const nameField: ImportField = columns.has('name') && cell(record, 'name') ? 'name' : columns.has('firstName') ? 'firstName' : 'lastName';
    const nameText = (cell(record, 'name') || `${cell(record, 'firstName')} ${cell(record, 'lastName')}`).replace(/\s*\n\s*|\t/g, ' ').trim();
    const name = ZContactName.safeParse(nameText);
    if (!name.success) {
      bad(nameField, `Name: ${firstMessage(name.error)}`);
      continue;
    }
    const { parsed: email, others: otherEmails } = contact(record, 'email', (text) => ZContactEmail.safeParse(text));
    if (!email.success) {
      bad('email', `Email: ${firstMessage(email.error)}`);
      continue;
    }
    const { parsed: phone, others: otherPhones } = contact(record, 'phone', (text) => ZContactPhone.safeParse(text));
    if (!phone.success) {
      bad('phone', `Phone: ${firstMessage(phone.error)}`);
      continue;
    }
    if (!name.data && !email.data && !phone.data) {
      bad(null, 'A row needs a name, an email address or a phone number');
      continue;
    }
    const info = ZContactInfo.safeParse(cell(record, 'contactInfo').replace(/\s*\n\s*/g, ' · ').replace(/\t/g, ' '));
    if (!info.success) {
      bad('contactInfo', `Contact info: ${firstMessage(info.error)}`);
      continue;
    }
    const warnings: ImportIssue[] = [];
    const statusText = cell(record, 'status');
    let status = defaultStatus;
    if (statusText) {
      const known = LEAD_STATUSES.find((s) => s === statusText.toLowerCase());
      if (known) status = known;
      else warnings.push({ line, kind: 'warning', field: 'status', message: `Unknown status "${statusText.slice(0, 60)}": set to ${defaultStatus}` });
    }
    const stageText = cell(record, 'stage');
    let stage: StageChoice | null = null;
    if (stageText) {
      stage = stageByLabel.get(stageText.toLowerCase()) ?? null;
      if (!stage) warnings.push({ line, kind: 'warning', field: 'stage', message: `No pipeline stage is called "${stageText.slice(0, 60)}": left without a stage` });
    }
    /** A date cell: the instant it names, or null (empty, or not usable: a warning saying what happens instead). */
    const dateCell = (field: 'createdAt' | 'lastContactedAt', instead: string, maxAgeMs = Number.POSITIVE_INFINITY) => {
      const text = cell(record, field);
      if (!text) return null;
      const date = parseImportDate(text, now);
      if (date.ok && now.getTime() - date.ms <= maxAgeMs) return { at: date.iso, iso: new Date(date.ms).toISOString() };
      const why = date.ok ? 'is more than ten years ago' : date.reason === 'future' ? 'is in the future' : 'is not a date (use YYYY-MM-DD, M/D/YYYY or ISO 8601)';
      warnings.push({ line, kind: 'warning', field, message: `"${text.slice(0, 60)}" ${why}: ${instead}` });
      return null;
    };
    const created = dateCell('createdAt', "the import's time is used") ?? { at: now.toISOString(), iso: now.toISOString() };
    const lastContacted = dateCell('lastContactedAt', 'no contact is logged', ACTIVITY_MAX_BEHIND_MS);
    candidates.push({
      leadId: randomUUID(), line, name: name.data ?? null, email: email.data ?? null, phone: phone.data ?? null,
      contactInfo: withOtherContacts(info.data ?? formatContactInfo(email.data, phone.data), [...otherPhones, ...otherEmails]),
      status, stage, createdAt: created.at, createdAtIso: created.iso, lastContacted, warnings,
    });
  }

  // 2. Duplicates: of the account's leads first (naming the lead), then of earlier rows.
  const emails = [...new Set(candidates.flatMap((c) => (c.email ? [c.email] : [])))];
  const phones = [...new Set(candidates.flatMap((c) => (c.phone ? [c.phone] : [])))];
  const holders = emails.length || phones.length ? await findContactHolders(em, tenant, emails, phones) : { byEmail: new Map<string, string>(), byPhone: new Map<string, string>() };
  const lineByEmail = new Map<string, number>();
  const lineByPhone = new Map<string, number>();
  const leads: PlannedLead[] = [];
  let duplicates = 0;
  for (const { warnings, ...lead } of candidates) {
    const holder = (lead.email && holders.byEmail.get(lead.email)) || (lead.phone && holders.byPhone.get(lead.phone));
    const earlierByEmail = lead.email ? lineByEmail.get(lead.email) : undefined;
    const earlier = earlierByEmail ?? (lead.phone ? lineByPhone.get(lead.phone) : undefined);
    if (holder) {
      const field = lead.email && holders.byEmail.get(lead.email) ? 'email' : 'phone';
      issues.push({ line: lead.line, kind: 'duplicate', field, message: `A lead with this ${FIELD_LABELS[field]} already exists`, leadId: holder });
      duplicates++;
    } else if (earlier !== undefined) {
      const field = earlierByEmail !== undefined ? 'email' : 'phone';
      issues.push({ line: lead.line, kind: 'duplicate', field, message: `Same ${FIELD_LABELS[field]} as line ${earlier}` });
      duplicates++;
    } else {
      issues.push(...warnings);
      leads.push(lead);
    }
    if (lead.email && !lineByEmail.has(lead.email)) lineByEmail.set(lead.email, lead.line);
    if (lead.phone && !lineByPhone.has(lead.phone)) lineByPhone.set(lead.phone, lead.line);
  }
  return { rows: records.length, leads, duplicates, invalid, issues };
}

/** Contact info with a row's other phones and emails after it (" · "), as many as fit in CONTACT_INFO_MAX_CHARS. */
export function withOtherContacts(contactInfo: string | null, others: readonly string[]): string | null {
  let text = contactInfo ?? '';
  for (const other of others) {
    const next = text ? `${text} · ${other}` : other;
    if (next.length <= CONTACT_INFO_MAX_CHARS) text = next;
  }
  return text || null;
}

/**
 * One contact activity per created lead whose row names its last contact, logged by the importing
 * person: the lead's timeline shows it, and its first and last contact (set on the insert) are
 * what `refreshLeadContacts` computes from it.
 */
async function logLastContacts(em: EntityManager, tenant: Tenant, { leads, type, fileName, now }: {
  leads: readonly PlannedLead[]; type: ContactActivityType; fileName: string | null; now: Date;
}): Promise<void> {
  const contacted = leads.filter((l) => l.lastContacted);
  const body = `Last contact, from the imported file${fileName ? ` “${fileName}”` : ''}`;
  for (let at = 0; at < contacted.length; at += IMPORT_INSERT_CHUNK) {
    await db(em)
      .insertInto('lead_activities')
      .values(contacted.slice(at, at + IMPORT_INSERT_CHUNK).map((l) => ({
        activity_id: sql<string>`gen_random_uuid()`, user_id: ownerIdOf(tenant), lead_id: l.leadId, actor_user_id: actorIdOf(tenant),
        type, outcome: null, body, meta: null, occurred_at: l.lastContacted!.at, created_at: now, updated_at: now,
      })))
      .execute();
  }
}

/** The account's leads holding any of these emails or phones. */
async function findContactHolders(em: EntityManager, tenant: Tenant, emails: readonly string[], phones: readonly string[]): Promise<{ byEmail: Map<string, string>; byPhone: Map<string, string> }> {
  const rows = await db(em)
    .selectFrom('leads')
    .select(['lead_id', 'email', 'phone'])
    .where(ownedBy(tenant))
    // Arrays as one parameter each (5,000 emails are not 5,000 placeholders); each arm is an index scan of leads_user_email_unique / _phone_unique.
    .where(sql<SqlBool>`(email = any(${emails}::varchar[]) or phone = any(${phones}::varchar[]))`)
    .execute();
  const byEmail = new Map<string, string>();
  const byPhone = new Map<string, string>();
  for (const r of rows) {
    if (r.email) byEmail.set(r.email, r.lead_id);
    if (r.phone) byPhone.set(r.phone, r.lead_id);
  }
  return { byEmail, byPhone };
}

/** The account's stages by label, read without creating anything (a dry run writes nothing): the defaults' labels if it has none yet. */
async function readStageChoices(em: EntityManager, tenant: Tenant): Promise<StageChoice[]> {
  const rows = await db(em).selectFrom('pipeline_stages').select(['stage_id', 'label']).where(ownedBy(tenant)).execute();
  if (!rows.length) return DEFAULT_STAGES.map((s) => ({ stageId: null, label: s.label }));
  return rows.map((r) => ({ stageId: r.stage_id, label: r.label }));
}

function previewOf(leads: readonly PlannedLead[]): ImportPreviewRow[] {
  return leads.slice(0, IMPORT_PREVIEW_MAX).map((l) => ({
    line: l.line, name: l.name, email: l.email, phone: l.phone, status: l.status, stage: l.stage?.label ?? null, contactInfo: l.contactInfo, createdAt: l.createdAtIso,
    lastContactedAt: l.lastContacted?.iso ?? null,
  }));
}

function answer(plan: ImportPlan, extra: {
  dryRun: boolean; importId: string | null; headers: readonly string[]; fields: ReadonlyArray<ImportField | null>; columns: ReadonlyMap<ImportField, readonly number[]>; created: readonly PlannedLead[];
}): ImportLeadsResult {
  // Stable sort: a row's issues keep the order they were found in.
  const issues = [...plan.issues].sort((a, b) => a.line - b.line);
  const columnJson = (header: string, index: number) => {
    const field = extra.fields[index] ?? null;
    const order = field ? (extra.columns.get(field) ?? []) : [];
    return { index, header, field, ...(order.length > 1 ? { choice: order.indexOf(index) + 1 } : {}) };
  };
  return {
    dryRun: extra.dryRun,
    importId: extra.importId,
    columns: extra.headers.map(columnJson),
    rows: plan.rows,
    toCreate: extra.created.length,
    duplicates: plan.duplicates,
    invalid: plan.invalid,
    warnings: issues.filter((i) => i.kind === 'warning').length,
    issues: issues.slice(0, IMPORT_ISSUES_MAX),
    issuesTruncated: issues.length > IMPORT_ISSUES_MAX,
    preview: previewOf(extra.created),
  };
}

function nothingToImport(plan: ImportPlan): AppError {
  const why = plan.rows === 0 ? 'the file has no rows' : `of ${plan.rows} rows, ${plan.duplicates} are duplicates and ${plan.invalid} are not valid`;
  return new AppError('validation_failed', `Nothing to import: ${why}`, [{ path: 'csv', message: `Nothing to import: ${why}` }]);
}

/**
 * `POST /v1/leads/import`. A dry run answers what an import would do and writes nothing. An import
 * writes all its leads or none, in one transaction (retried whole if it loses a deadlock); a row
 * whose email or phone a concurrent writer took meanwhile is skipped by `on conflict do nothing`
 * and counted as a duplicate. Returns the `lead.created` wake-ups (only with `notifyWebhooks`) to
 * send after the commit.
 */
export async function importLeads({ em, tenant, input, now, config }: {
  em: EntityManager; tenant: Tenant; input: ImportLeadsBody; now: Date; config: Config;
}): Promise<{ result: ImportLeadsResult; wakeups: Wakeup[] }> {
  // The site first: another account's site id answers 404 before the file is even read.
  if (input.siteId) await assertOwnSite({ em, tenant, siteId: input.siteId });
  const { headers, records } = readImportCsv(input.csv);
  const fields = resolveColumns(headers, input.columns);
  const columns = columnsByField(headers, fields);
  const usesStages = columns.has('stage');
  const plan = (tem: EntityManager, stages: readonly StageChoice[]) => planImport(tem, tenant, { records, columns, stages, defaultStatus: input.defaultStatus, now });

  if (input.dryRun) {
    const dry = await plan(em, usesStages ? await readStageChoices(em, tenant) : []);
    return { result: answer(dry, { dryRun: true, importId: null, headers, fields, columns, created: dry.leads }), wakeups: [] };
  }

  return transactionalWithRetry(em, async (tem) => {
    // Stages are share-locked before any lead is written, as a move of leads does (pipeline-stages.ts):
    // a stage cannot be deleted under the import, and the lock order is the one every stage change uses.
    const stages = usesStages ? (await loadStages(tem, tenant, now, { lock: 'share' })).map((s) => ({ stageId: s.stage_id, label: s.label })) : [];
    const planned = await plan(tem, stages);
    if (!planned.leads.length) throw nothingToImport(planned);
    const q = db(tem);
    const { import_id: importId } = await q
      .insertInto('lead_imports')
      .values({
        import_id: sql<string>`gen_random_uuid()`, user_id: ownerIdOf(tenant), created_by: actorIdOf(tenant), file_name: input.fileName ?? null,
        created_count: 0, duplicate_count: 0, invalid_count: 0, notify_webhooks: input.notifyWebhooks, created_at: now,
      })
      .returning('import_id')
      .executeTakeFirstOrThrow();

    const inserted: CreatedLeadRow[] = [];
    for (let at = 0; at < planned.leads.length; at += IMPORT_INSERT_CHUNK) {
      const chunk = planned.leads.slice(at, at + IMPORT_INSERT_CHUNK);
      inserted.push(...(await q
        .insertInto('leads')
        .values(chunk.map((l) => ({
          lead_id: l.leadId, user_id: ownerIdOf(tenant), site_id: input.siteId ?? null, import_id: importId,
          name: l.name, email: l.email, phone: l.phone, contact_info: l.contactInfo, status: l.status,
          stage_id: l.stage?.stageId ?? null, stage_changed_at: l.stage ? now : null,
          // The one contact activity logged below: as refreshLeadContacts would set them.
          first_contacted_at: l.lastContacted?.at ?? null, last_contacted_at: l.lastContacted?.at ?? null,
          score: 0, score_band: 'cold' as const, needs_rescore: false, created_at: l.createdAt, updated_at: now,
        })))
        // A lead with one of these emails or phones committed by someone else since the plan was read.
        .onConflict((oc) => oc.doNothing())
        .returning(['lead_id', 'site_id', 'name', 'email', 'phone', 'contact_info', 'status', 'score', 'score_band', 'created_at'])
        .execute()));
    }

    // Rows skipped by the conflict: duplicates after all, of the lead that won the race.
    const insertedIds = new Set(inserted.map((r) => r.lead_id));
    const created = planned.leads.filter((l) => insertedIds.has(l.leadId));
    const raced = planned.leads.filter((l) => !insertedIds.has(l.leadId));
    if (raced.length) {
      const holders = await findContactHolders(tem, tenant, raced.flatMap((l) => (l.email ? [l.email] : [])), raced.flatMap((l) => (l.phone ? [l.phone] : [])));
      const racedLines = new Set(raced.map((l) => l.line));
      planned.issues = planned.issues.filter((i) => !(i.kind === 'warning' && racedLines.has(i.line)));
      for (const l of raced) {
        const byEmail = l.email ? holders.byEmail.get(l.email) : undefined;
        const leadId = byEmail ?? (l.phone ? holders.byPhone.get(l.phone) : undefined);
        const field = byEmail ? 'email' : 'phone';
        planned.issues.push({ line: l.line, kind: 'duplicate', field, message: `A lead with this ${FIELD_LABELS[field]} was added meanwhile`, ...(leadId ? { leadId } : {}) });
      }
      planned.duplicates += raced.length;
    }
    if (!created.length) throw nothingToImport(planned);
    await logLastContacts(tem, tenant, { leads: created, type: input.contactType, fileName: input.fileName ?? null, now });

    await q
      .updateTable('lead_imports')
      .set({ created_count: created.length, duplicate_count: planned.duplicates, invalid_count: planned.invalid })
      .where('import_id', '=', importId)
      .where(ownedBy(tenant))
      .execute();
    const wakeups = input.notifyWebhooks ? await recordLeadsCreated({ em: tem, now, config, userId: ownerIdOf(tenant), leads: inserted }) : [];
    return { result: answer(planned, { dryRun: false, importId, headers, fields, columns, created }), wakeups };
  });
}
