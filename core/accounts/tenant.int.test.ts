import { readdir, readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestOrm } from '#test/db.ts';
import { db } from '../db/kysely.ts';
import { SiteSchema } from '../sites/site.entity.ts';
import { ownedBy, ownedFilter, ownerIdOf, tenantOfUser, type Tenant } from './tenant.ts';

const testOrm = useTestOrm();
let alice: Tenant;
let bob: Tenant;

beforeAll(async () => {
  const q = db(testOrm.orm.em.fork());
  alice = tenantOfUser(crypto.randomUUID());
  bob = tenantOfUser(crypto.randomUUID());
  for (const [t, name] of [[alice, 'alice'], [bob, 'bob']] as const) {
    await q.insertInto('users').values({ user_id: t.userId, username: name, email: `${name}@example.com`, password_hash: 'x' }).execute();
    await q.insertInto('sites').values({ site_id: crypto.randomUUID(), user_id: ownerIdOf(t), name: `${name} site`, public_key: `pk_${name}` }).execute();
    await q.insertInto('leads').values([1, 2].map((i) => ({ lead_id: crypto.randomUUID(), user_id: ownerIdOf(t), name: `${name} lead ${i}` }))).execute();
  }
});

describe('the tenant scope', () => {
  it('is one account per user today: the owner', () => {
    expect(tenantOfUser('u1')).toEqual({ accountId: 'u1', userId: 'u1', role: 'owner' });
  });

  it('ownedBy restricts Kysely selects (plain and aliased), updates and deletes to the tenant', async () => {
    const q = db(testOrm.orm.em.fork());
    const names = await q.selectFrom('leads').select('name').where(ownedBy(alice)).orderBy('name').execute();
    expect(names.map((r) => r.name)).toEqual(['alice lead 1', 'alice lead 2']);
    const joined = await q.selectFrom('leads as l').innerJoin('users as u', 'u.user_id', 'l.user_id').select('u.username').where(ownedBy(bob, 'l')).execute();
    expect(joined.map((r) => r.username)).toEqual(['bob', 'bob']);

    const updated = await q.updateTable('leads').set({ status: 'lost' }).where(ownedBy(alice)).executeTakeFirst();
    expect(Number(updated.numUpdatedRows)).toBe(2);
    expect(await q.selectFrom('leads').select('status').where(ownedBy(bob)).execute()).toEqual([{ status: 'new' }, { status: 'new' }]);

    const deleted = await q.deleteFrom('leads').where(ownedBy(bob)).where('name', '=', 'alice lead 1').executeTakeFirst();
    expect(Number(deleted.numDeletedRows)).toBe(0);
  });

  it('ownedFilter scopes MikroORM finds and deletes the same way', async () => {
    const em = testOrm.orm.em.fork();
    expect((await em.find(SiteSchema, ownedFilter(alice))).map((s) => s.name)).toEqual(['alice site']);
    const bobSite = await em.findOneOrFail(SiteSchema, ownedFilter(bob));
    expect(await em.findOne(SiteSchema, { siteId: bobSite.siteId, ...ownedFilter(alice) })).toBeNull();
    expect(await em.nativeDelete(SiteSchema, { siteId: bobSite.siteId, ...ownedFilter(alice) })).toBe(0);
  });
});

// Core code scopes through tenant.ts only: a hand-written `tenant.userId` / `tenant.accountId`
// filter would bypass the one place a brokerage's rules will live.
describe('no core query filters by the tenant by hand', () => {
  it('core/ reads tenant ids only through tenant.ts', async () => {
    const root = new URL('../', import.meta.url);
    const files = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'accounts/tenant.ts');
    const offenders: string[] = [];
    for (const f of files) {
      const text = await readFile(new URL(f, root), 'utf8');
      if (/\btenant\.(userId|accountId)\b/.test(text)) offenders.push(f);
    }
    expect(offenders).toEqual([]);
  });
});
