// Baseline (b) of the ingest benchmark: the obvious handler. Koa + MikroORM, the same body
// validation (ZCollectBody), the site looked up by its key on every request, then one ORM insert
// (em.create + flush) per request and 202. No batching, no cache, no rate limiting. Run as its
// own process against the bench database:
//   DATABASE_URL=… PORT=0 node bench/baselines/naive-collect.ts   → prints {"msg":"listening","port":…}
import type { EntityManager } from '@mikro-orm/postgresql';
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import getRawBody from 'raw-body';
import { initOrm } from '../../core/db/orm.ts';
import { LeadAnalyticSchema } from '../../core/events/lead-analytic.entity.ts';
import { ZCollectBody } from '../../core/events/event-schemas.ts';
import { normaliseOrigin } from '../../core/sites/site-schemas.ts';
import { SiteSchema } from '../../core/sites/site.entity.ts';

const BODY_LIMIT_BYTES = 32 * 1024;

const orm = await initOrm(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/porchlight_bench', { pool: { min: 0, max: 10 } });
const app = new Koa();
app.use(async (ctx) => {
  if (ctx.method !== 'POST' || ctx.path !== '/v1/collect') {
    ctx.status = 404;
    return;
  }
  const parsed = ZCollectBody.safeParse(JSON.parse(await getRawBody(ctx.req, { limit: BODY_LIMIT_BYTES, encoding: 'utf8' })));
  if (!parsed.success) {
    ctx.status = 400;
    return;
  }
  const body = parsed.data;
  const em = orm.em.fork() as EntityManager;
  const site = await em.findOne(SiteSchema, { publicKey: body.site });
  const origin = normaliseOrigin(ctx.get('origin'));
  if (!site?.enabled || !origin || !site.allowedOrigins.includes(origin)) {
    ctx.status = 403;
    return;
  }
  for (const e of body.events) {
    em.create(LeadAnalyticSchema, {
      site, eventType: e.type, eventValue: e.value ?? null, eventDate: e.ts ? new Date(e.ts) : new Date(),
      visitorId: body.visitor, clientEventId: e.id, listingRef: e.listing ?? null, pageUrl: e.url ?? null, props: (e.props as never) ?? null,
    });
  }
  await em.flush();
  ctx.status = 202;
  ctx.body = { ok: true };
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port }));
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(async () => {
  await orm.close(true);
  process.exit(0);
}));
