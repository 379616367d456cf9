// Migration20261201061700: stage labels become unique per account (case-insensitively). Accounts
// holding duplicates made before (stages added at the same moment) keep the first of each group
// and have the others renamed with the next free number, so the unique index can be built.
import { expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { makeUser } from '#test/factories.ts';
import { Migration20261201061700 } from '../../migrations/Migration20261201061700.ts';

const t = useTestOrm();

it('renames the later duplicates of a label with a free number (within 60 characters), then refuses new duplicates', async () => {
  const { userId } = await makeUser(t);
  const { userId: otherId } = await makeUser(t);
  const long = 'L'.repeat(60);
  // As an account left by the race: the same label several times, in any case, next to a label
  // that already looks like a renamed one.
  const stages: Array<[string, string, number]> = [
    [userId, 'Lost', 0], [userId, 'Dup', 1], [userId, 'dup', 2], [userId, 'DUP', 3], [userId, 'Dup (2)', 4],
    [userId, long, 5], [userId, long, 6], [otherId, 'Dup', 0],
  ];
  await t.pool.query('drop index "pipeline_stages_user_label_unique"');
  for (const [owner, label, position] of stages) {
    await t.pool.query(
      `insert into pipeline_stages (stage_id, user_id, key, label, position, outcome) values (gen_random_uuid(), $1, 'custom_' || md5(random()::text), $2, $3, 'open')`,
      [owner, label, position],
    );
  }
  const migration = new Migration20261201061700(t.orm.em.getDriver(), t.orm.config);
  await migration.up();
  for (const q of migration.getQueries()) await t.pool.query(String(q));

  const labels = async (owner: string) => (await t.pool.query<{ label: string }>('select label from pipeline_stages where user_id = $1 order by position', [owner])).rows.map((r) => r.label);
  expect(await labels(userId)).toEqual(['Lost', 'Dup', 'dup (3)', 'DUP (4)', 'Dup (2)', long, `${'L'.repeat(56)} (2)`]);
  expect(await labels(otherId)).toEqual(['Dup']);
  await expect(t.pool.query(
    `insert into pipeline_stages (stage_id, user_id, key, label, position, outcome) values (gen_random_uuid(), $1, 'custom_again', 'LOST', 9, 'open')`,
    [userId],
  )).rejects.toMatchObject({ code: '23505', constraint: 'pipeline_stages_user_label_unique' });
});
