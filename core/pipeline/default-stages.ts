import type { EntityManager } from '@mikro-orm/postgresql';
import { sql } from 'kysely';
import { ownedByAccount } from '../accounts/tenant.ts';
import { db } from '../db/kysely.ts';
import type { StageOutcome } from '../shared/enums.ts';

/** The pipeline every account starts with: the trade's stages, with stable keys reports can find after a rename. */
export const DEFAULT_STAGES: ReadonlyArray<{ key: string; label: string; outcome: StageOutcome }> = [
  { key: 'new', label: 'New', outcome: 'open' },
  { key: 'attempted_contact', label: 'Attempted contact', outcome: 'open' },
  { key: 'nurturing', label: 'Nurturing', outcome: 'open' },
  { key: 'appointment_set', label: 'Appointment set', outcome: 'open' },
  { key: 'showing', label: 'Showing', outcome: 'open' },
  { key: 'offer', label: 'Offer', outcome: 'open' },
  { key: 'under_contract', label: 'Under contract', outcome: 'open' },
  { key: 'closed', label: 'Closed', outcome: 'won' },
  { key: 'lost', label: 'Lost', outcome: 'lost' },
];

/**
 * Gives an account the default stages unless it already has stages (at signup, and lazily on the
 * first pipeline access of accounts made before pipelines existed). One statement, race-safe:
 * two first accesses at once both see no stages, the second one's rows collide with the first's
 * on the unique (user_id, key), wait for its commit, and are skipped — one set. An account that
 * has stages is left alone, so a realtor who deleted or renamed a default does not get it back
 * (the last stage cannot be deleted, so an account never returns to having none).
 */
export async function ensureDefaultStages(em: EntityManager, accountId: string, now: Date): Promise<void> {
  const values = DEFAULT_STAGES.map((s, i) => sql`(${s.key}, ${s.label}, ${i}::int, ${s.outcome})`);
  await sql`
    insert into pipeline_stages (stage_id, user_id, key, label, position, outcome, created_at, updated_at)
    select gen_random_uuid(), ${accountId}::uuid, v.key, v.label, v.position, v.outcome, ${now}, ${now}
    from (values ${sql.join(values)}) as v(key, label, position, outcome)
    where not exists (select 1 from pipeline_stages where ${ownedByAccount(accountId)})
    on conflict (user_id, key) do nothing`.execute(db(em));
}
