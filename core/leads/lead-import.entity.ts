import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';
import { createdAtColumn, uuidPrimaryKey } from '../db/columns.ts';
import { ownerColumn } from '../accounts/owner-column.ts';
import { UserSchema } from '../accounts/user.entity.ts';

/**
 * One CSV contact import (`POST /v1/leads/import`, docs/import.md): what it counted, and whether it
 * was undone. The leads it created carry its id (`leads.import_id`) until they are deleted, so an
 * undo deletes exactly those still there; the row itself stays as the account's import history.
 */
export const LeadImportSchema = defineEntity({
  name: 'LeadImport',
  tableName: 'lead_imports',
  properties: {
    importId: uuidPrimaryKey(),
    // Indexed by lead_imports_user_created_index (user_id leads it).
    user: ownerColumn(),
    /** Who ran it (the actor; the owner today). Null once that person is deleted. */
    createdBy: () => p.manyToOne(UserSchema).fieldName('created_by').nullable().deleteRule('set null').index('lead_imports_created_by_index'),
    fileName: p.string().length(255).nullable(),
    createdCount: p.integer(),
    duplicateCount: p.integer(),
    invalidCount: p.integer(),
    /** The realtor asked for `lead.created` webhooks for these leads (and so `lead.deleted` on undo). */
    notifyWebhooks: p.boolean().default(false),
    createdAt: createdAtColumn(),
    undoneAt: p.datetime().nullable(),
  },
  indexes: [
    // The account's imports, newest first (GET /v1/leads/imports).
    { name: 'lead_imports_user_created_index', expression: 'create index "lead_imports_user_created_index" on "lead_imports" ("user_id", "created_at" desc, "import_id" desc)' },
  ],
});
export type LeadImport = InferEntity<typeof LeadImportSchema>;
