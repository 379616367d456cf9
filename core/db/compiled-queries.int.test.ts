import type { EntityManager } from '@mikro-orm/postgresql';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { createCompiledQueries } from './compiled-queries.ts';

// One pooled connection: the prepared statements a query leaves are visible on the next one.
const t = useTestOrm({ ormPoolMax: 1 });

const numbers = (prepareAs?: string) =>
  createCompiledQueries<{ n: number; label: string }>(
    // The label is a constant the builder binds itself; the shapes differ in SQL by its cast.
    (kdb, p, shape) => kdb.selectNoFrom((eb) => [eb.cast<number>(eb.val(p(0)), 'integer').as('n'), eb.cast<string>(eb.val(shape === 'a' ? 'A' : 'B'), shape === 'a' ? 'text' : 'varchar').as('label')]).compile(),
    prepareAs ? { prepareAs } : {},
  );

describe('createCompiledQueries', () => {
  it('binds each call’s values into the shape compiled once; prepareAs runs each shape as a named statement outside transactions', async () => {
    const em = () => t.orm.em.fork() as EntityManager;
    const plain = numbers();
    expect(await plain.execute(em(), 'a', [1])).toEqual([{ n: 1, label: 'A' }]);
    expect(await plain.execute(em(), 'a', [2])).toEqual([{ n: 2, label: 'A' }]);

    const prepared = numbers('porchlight_test_numbers');
    expect(await prepared.execute(em(), 'a', [3])).toEqual([{ n: 3, label: 'A' }]);
    expect(await prepared.execute(em(), 'b', [4])).toEqual([{ n: 4, label: 'B' }]);
    expect(await prepared.execute(em(), 'a', [5])).toEqual([{ n: 5, label: 'A' }]);
    const pool = await (t.orm.em.getConnection() as unknown as { getNativeClient(): Promise<pg.Pool> }).getNativeClient();
    const names = (await pool.query<{ name: string }>('select name from pg_prepared_statements order by name')).rows.map((r) => r.name);
    expect(names).toHaveLength(2);
    for (const name of names) expect(name).toMatch(/^porchlight_test_numbers_[0-9a-f]{16}$/);

    // Named by its SQL: the same shape compiled again (another cache, as after a clear) reuses the
    // statement the connection holds rather than preparing a copy.
    const again = numbers('porchlight_test_numbers');
    expect(await again.execute(em(), 'a', [7])).toEqual([{ n: 7, label: 'A' }]);
    expect((await pool.query('select name from pg_prepared_statements')).rows).toHaveLength(2);

    // Inside a transaction it joins the transaction's connection as an ordinary statement.
    await t.orm.em.fork().transactional(async (tx) => {
      expect(await prepared.execute(tx as EntityManager, 'b', [6])).toEqual([{ n: 6, label: 'B' }]);
    });
  });
});
