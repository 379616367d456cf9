import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, type Tenant } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import { pgTimeToIso, pgTimeToIsoStrict } from '../db/pg-values.ts';
import { IMPORTS_LIST_MAX, type LeadImportJson } from './import-schemas.ts';

/**
 * `GET /v1/leads/imports`: the account's latest IMPORTS_LIST_MAX imports, newest first
 * (lead_imports_user_created_index), each with the leads still carrying its id (leads_import_id_index).
 */
export async function listLeadImports({ em, tenant }: { em: EntityManager; tenant: Tenant }): Promise<{ items: LeadImportJson[] }> {
  const rows = await db(em)
    .selectFrom('lead_imports as i')
    .select([
      'i.import_id', 'i.file_name', 'i.created_at', 'i.created_count', 'i.duplicate_count', 'i.invalid_count', 'i.undone_at', 'i.notify_webhooks',
      (eb) => eb.selectFrom('leads as l').select(sql<number>`count(*)::int`.as('n')).whereRef('l.import_id', '=', 'i.import_id').as('remaining'),
    ])
    .where(ownedBy(tenant, 'i'))
    .orderBy('i.created_at', 'desc')
    .orderBy('i.import_id', 'desc')
    .limit(IMPORTS_LIST_MAX)
    .execute();
  return {
    items: rows.map((r) => ({
      importId: r.import_id, fileName: r.file_name, createdAt: pgTimeToIsoStrict(r.created_at), created: r.created_count, duplicates: r.duplicate_count,
      invalid: r.invalid_count, remaining: Number(r.remaining ?? 0), undoneAt: pgTimeToIso(r.undone_at), notifyWebhooks: r.notify_webhooks,
    })),
  };
}
