import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedBy, ownerIdOf, type Tenant } from '../accounts/tenant.ts';
import type { Config } from '../config.ts';
import { db } from '../db/kysely.ts';
import { transactionalWithRetry } from '../db/transactional-retry.ts';
import { notFound } from '../errors.ts';
import type { Wakeup } from '../jobs/wakeup.ts';
import { recordLeadsDeleted } from './record-lead-events.ts';

export interface UndoLeadImportResult {
  deleted: number;
  /** The `lead.deleted` wake-ups (only for an import made with `notifyWebhooks`). */
  wakeups: Wakeup[];
}

/**
 * `DELETE /v1/leads/imports/:id`: erases every lead still carrying the import's id, as
 * `DELETE /v1/leads/:id` erases one (deleteLead, core/leads/leads.ts) but set-based, in one
 * transaction: the people's submissions held in the Filtered list (by their email or phone, an
 * email or phone reported for them, or one of their visitor ids), their visitors' events that are
 * no other lead's, the visitor rows, then the leads; inquiries, events, reminders, activities,
 * reported contacts and webhook messages go by FK cascade. `lead.deleted` is announced for each
 * only when the import announced `lead.created` (`notify_webhooks`). Sets `undone_at` (the first
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
    if (leadIds.length) {
      const emails = leads.flatMap((l) => (l.email ? [l.email] : []));
      const phones = leads.flatMap((l) => (l.phone ? [l.phone] : []));
      const ids = sql`${leadIds}::uuid[]`;
      await q
        .deleteFrom('filtered_inquiries as f')
        .where(ownedBy(tenant, 'f'))
        .where((eb) => eb.or([
          eb('f.email', '=', sql<string>`any(${emails}::varchar[])`),
          eb('f.phone', '=', sql<string>`any(${phones}::varchar[])`),
          eb.exists(eb.selectFrom('visitors as v').select(sql<number>`1`.as('one')).where('v.lead_id', '=', sql<string>`any(${ids})`).whereRef('v.site_id', '=', 'f.site_id').whereRef('v.visitor_id', '=', 'f.visitor_id')),
          eb.exists(eb.selectFrom('lead_reported_contacts as r').select(sql<number>`1`.as('one')).where('r.lead_id', '=', sql<string>`any(${ids})`).where((rb) => rb.or([
            rb.and([rb('r.kind', '=', 'email'), rb('r.value', '=', rb.ref('f.email'))]),
            rb.and([rb('r.kind', '=', 'phone'), rb('r.value', '=', rb.ref('f.phone'))]),
          ]))),
        ]))
        .execute();
      await q
        .deleteFrom('lead_analytics as a')
        .using('visitors as v')
        .where('v.lead_id', '=', sql<string>`any(${ids})`)
        .whereRef('a.site_id', '=', 'v.site_id')
        .whereRef('a.visitor_id', '=', 'v.visitor_id')
        .where((eb) => eb.or([eb('a.lead_id', 'is', null), eb('a.lead_id', '=', eb.ref('v.lead_id'))]))
        .execute();
      await q.deleteFrom('visitors').where('lead_id', '=', sql<string>`any(${ids})`).execute();
      await q.deleteFrom('leads').where('lead_id', '=', sql<string>`any(${ids})`).where(ownedBy(tenant)).execute();
    }
    await q.updateTable('lead_imports').set({ undone_at: sql`coalesce(undone_at, ${now})` }).where('import_id', '=', importId).where(ownedBy(tenant)).execute();
    const wakeups = imported.notify_webhooks ? await recordLeadsDeleted({ em: tem, now, config, userId: ownerIdOf(tenant), leadIds }) : [];
    return { deleted: leadIds.length, wakeups };
  });
}
