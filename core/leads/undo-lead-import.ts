import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { notFound } from '../errors.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { eraseLeads } from './leads.ts';
import { recordLeadsDeleted } from './record-lead-events.ts';

export interface UndoLeadImportResult {
  deleted: number;
  /** The `lead.deleted` wake-ups (only for an import made with `notifyWebhooks`). */
  wakeups: Wakeup[];
}

/**
 * `DELETE /v1/leads/imports/:id`: erases every lead still carrying the import's id, in one
 * transaction, with the erasure `DELETE /v1/leads/:id` uses (eraseLeads, core/leads/leads.ts).
 * `lead.deleted` is announced for each only when the import announced `lead.created` (`notify_webhooks`). Sets `undone_at` (the first
 * undo's time); a second undo finds nothing left and answers 0. Unknown or another account's → 404.
 */
export async function undoLeadImport({ em, tenant, importId, now, config }: {
  em: EntityManager; tenant: Tenant; importId: string; now: Date; config: Config;
}): Promise<UndoLeadImportResult> {
  // Retried whole when Postgres breaks a deadlock against it (a release of a held submission locks
  // the other way round, see deleteLead).
  return transactionalWithRetry(em, async (tem) => {
    const q = db(tem);
    const imported = await q.selectFrom('lead_imports').select(['import_id', 'notify_webhooks']).where('import_id', '=', importId).where(ownedBy(tenant)).forUpdate().executeTakeFirst();
    if (!imported) throw notFound('Import');
    // Locked in lead_id order, as a bulk action locks its selection.
    const leads = await q
      .selectFrom('leads')
      .select(['lead_id', 'email', 'phone'])
      .where('import_id', '=', importId)
      .where(ownedBy(tenant))
      .orderBy('lead_id')
      .forUpdate()
      .execute();
    const leadIds = leads.map((l) => l.lead_id);
    await eraseLeads(tem, tenant, leads);
    await q.updateTable('lead_imports').set({ undone_at: sql`coalesce(undone_at, ${now})` }).where('import_id', '=', importId).where(ownedBy(tenant)).execute();
    const wakeups = imported.notify_webhooks ? await recordLeadsDeleted({ em: tem, now, config, userId: ownerIdOf(tenant), leadIds }) : [];
    return { deleted: leadIds.length, wakeups };
  });
}
