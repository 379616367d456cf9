// Baseline (a) of the ingest benchmark: the ceiling. A bare Koa app that reads the same request
// body, parses it as JSON and answers 202 — no validation, no database. Run as its own process:
//   PORT=0 node bench/baselines/bare-koa.ts   → prints {"msg":"listening","port":…}
import Koa from 'koa';
import type { AddressInfo } from 'node:net';
import getRawBody from 'raw-body';

const BODY_LIMIT_BYTES = 32 * 1024;

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.method !== 'POST' || ctx.path !== '/v1/collect') {
    ctx.status = 404;
    return;
  }
  JSON.parse(await getRawBody(ctx.req, { limit: BODY_LIMIT_BYTES, encoding: 'utf8' }));
  ctx.status = 202;
  ctx.body = { ok: true };
});
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', port: (server.address() as AddressInfo).port }));
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
