import { describe, expect, it } from 'vitest';
import { createTestDatabaseName, isStaleTestDatabase, poolDatabaseName, poolDatabasePattern, runOfTestDatabase, STALE_TEST_DATABASE_MS } from './env.ts';

/** SQL LIKE with the default `\` escape, enough for the patterns below. */
function like(pattern: string, name: string): boolean {
  const source = pattern.replace(/\\_|%|_|[.*+?^${}()|[\]]/g, (t) => (t === '\\_' ? '_' : t === '%' ? '.*' : t === '_' ? '.' : `\\${t}`));
  return new RegExp(`^${source}$`).test(name);
}

describe('test database names', () => {
  const now = Date.now();
  const hoursAgo = (h: number) => now - h * 60 * 60 * 1000;
  const at = (time: number, kind: 'db' | 'tpl') => `porchlight_t_${kind}_${time.toString(36)}_abc123`;

  it('fits Postgres identifiers (63 bytes) for every kind', () => {
    const template = createTestDatabaseName('tpl');
    for (const name of [template, createTestDatabaseName('db'), poolDatabaseName(template, 'pool'), poolDatabaseName(template, 'done'), poolDatabaseName(template, 'db')]) expect(name.length).toBeLessThanOrEqual(63);
  });

  it('calls databases and templates stale only after STALE_TEST_DATABASE_MS', () => {
    expect(isStaleTestDatabase(at(hoursAgo(1), 'db'), now)).toBe(false);
    expect(isStaleTestDatabase(at(hoursAgo(1), 'tpl'), now)).toBe(false);
    expect(isStaleTestDatabase(at(now - STALE_TEST_DATABASE_MS - 1000, 'db'), now)).toBe(true);
    expect(isStaleTestDatabase(at(now - STALE_TEST_DATABASE_MS - 1000, 'tpl'), now)).toBe(true);
  });

  it("dates a run's pool clones and handed-back databases by the run's template", () => {
    const live = at(hoursAgo(1), 'tpl');
    const old = at(now - STALE_TEST_DATABASE_MS - 1000, 'tpl');
    for (const kind of ['pool', 'done', 'db'] as const) {
      expect(isStaleTestDatabase(poolDatabaseName(live, kind), now)).toBe(false);
      expect(isStaleTestDatabase(poolDatabaseName(old, kind), now)).toBe(true);
    }
  });

  it('still drops names from before names carried their time, and nothing else', () => {
    expect(isStaleTestDatabase('porchlight_test_template', now)).toBe(true);
    expect(isStaleTestDatabase('porchlight_t_0123456789ab', now)).toBe(true);
    expect(isStaleTestDatabase('porchlight', now)).toBe(false);
    expect(isStaleTestDatabase('porchlight_t_other_thing', now)).toBe(false);
    expect(isStaleTestDatabase('porchlight_t_pool_abc', now)).toBe(false);
  });

  it("matches a run's own pool databases and never another run's", () => {
    const mine = createTestDatabaseName('tpl');
    const theirs = `${mine}x`;
    const pattern = poolDatabasePattern(mine, 'pool');
    expect(like(pattern, poolDatabaseName(mine, 'pool'))).toBe(true);
    expect(like(pattern, poolDatabaseName(mine, 'done'))).toBe(false);
    expect(like(pattern, poolDatabaseName(theirs, 'pool'))).toBe(false);
    expect(like(poolDatabasePattern(mine, 'done'), poolDatabaseName(mine, 'done'))).toBe(true);
    // `_` is a LIKE wildcard: escaped, a name differing only there does not match.
    expect(like(pattern, poolDatabaseName(mine, 'pool').replace('pool_', 'poolx'))).toBe(false);
  });

  it("ties a run's template, clones, files' and handed-back databases to the run, and nothing else", () => {
    const template = createTestDatabaseName('tpl');
    const run = runOfTestDatabase(template);
    expect(run).toMatch(/^[0-9a-z]+_[0-9a-z]+$/);
    for (const kind of ['pool', 'done', 'db'] as const) expect(runOfTestDatabase(poolDatabaseName(template, kind))).toBe(run);
    expect(runOfTestDatabase(poolDatabaseName(createTestDatabaseName('tpl'), 'db'))).not.toBe(run);
    // A database made outside a run (core/runtime.int.test's own) and other names have none.
    for (const name of [createTestDatabaseName('db'), 'porchlight', 'porchlight_t_pool_abc', 'porchlight_test_template', `${template}_x_y`]) expect(runOfTestDatabase(name)).toBeNull();
  });

  it('refuses a template name it cannot tie pool databases to', () => {
    expect(() => poolDatabaseName('postgres', 'pool')).toThrow(/not a test template/);
  });
});
