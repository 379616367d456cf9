// widget.*: what every visitor downloads and runs. gzip -9 sizes of the built tracker (w.js) and
// form chunk (w-form.js) against the budgets of widget/size.test.ts (DESIGN.md → Widget), and the
// tracker's execution time on a page in headless Chromium (when /usr/bin/chromium exists).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { measure, type Measurement, type Scenario, type ScenarioContext } from './scenario.ts';

const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The bench's own budget for running w.js once on page load (the issue sets none). */
export const TRACKER_EXEC_BUDGET_MS = 10;

/**
 * Median time from the end of w.js's download to the end of its execution (a classic,
 * parser-blocking script: compile + run, including its first page_view), over several fresh page
 * loads served from 127.0.0.1, minus the same for an empty script (the parser's own delay), so
 * what remains is the tracker's cost. The beacon goes to the same local server (202).
 */
async function measureTrackerExecution(ctx: ScenarioContext): Promise<Measurement | null> {
  if (!existsSync(CHROMIUM_PATH)) {
    ctx.log(`widget: no Chromium at ${CHROMIUM_PATH}; tracker execution time not measured`);
    return null;
  }
  const tracker = readFileSync(`${DIST}w.js`);
  const page = (script: string) => `<!doctype html><html><head><title>Listing</title></head><body><h1>3 bd craftsman</h1>
<script src="/${script}" data-site="pk_benchbenchbenchbenchbench"></script>
<script>window.__scriptDone = performance.now();</script></body></html>`;
  const server = createServer((req, res) => {
    if (req.url === '/w.js') res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(tracker);
    else if (req.url === '/empty.js') res.writeHead(200, { 'content-type': 'text/javascript', 'cache-control': 'no-store' }).end(';');
    else if (req.url?.startsWith('/v1/')) res.writeHead(202, { 'access-control-allow-origin': '*' }).end('{"ok":true}');
    else res.writeHead(200, { 'content-type': 'text/html' }).end(page(req.url?.includes('empty') ? 'empty.js' : 'w.js'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const runs = ctx.options.quick ? 3 : 15;
    const timeScript = async (path: string, script: string) => {
      const context = await browser.newContext();
      const tab = await context.newPage();
      await tab.goto(base + path, { waitUntil: 'load' });
      const ms = await tab.evaluate((name) => {
        const entry = performance.getEntriesByType('resource').find((e) => e.name.endsWith(name)) as PerformanceResourceTiming;
        return (window as unknown as { __scriptDone: number }).__scriptDone - entry.responseEnd;
      }, `/${script}`);
      await context.close();
      return ms;
    };
    const tracker: number[] = [];
    const empty: number[] = [];
    for (let i = 0; i < runs; i++) {
      tracker.push(await timeScript('/listings/oak-12', 'w.js'));
      empty.push(await timeScript('/listings/empty', 'empty.js'));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const net = Math.max(0, median(tracker) - median(empty));
    ctx.log(`widget: over ${runs} page loads each: w.js median ${median(tracker).toFixed(2)} ms, an empty script ${median(empty).toFixed(2)} ms → tracker ${net.toFixed(2)} ms`);
    return measure({ name: 'widget.tracker-exec', metric: `w.js compile + run on page load in headless Chromium, median of ${runs} minus an empty script's`, value: net, unit: 'ms', target: { on: 'value', op: '<', threshold: TRACKER_EXEC_BUDGET_MS } });
  } finally {
    await browser.close();
    server.close();
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = `${ROOT}dist/widget/`;
export const WIDGET_BUDGETS = [
  { name: 'widget.tracker-gzip', file: 'w.js', maxGzipBytes: 1536 },
  { name: 'widget.form-gzip', file: 'w-form.js', maxGzipBytes: 8192 },
];

export const widgetScenario: Scenario = {
  name: 'widget',
  async run(ctx) {
    ctx.log('widget: building the widget (npm run build:widget)');
    execFileSync('npm', ['run', '--silent', 'build:widget'], { cwd: ROOT, stdio: 'ignore' });
    const sizes = WIDGET_BUDGETS.map(({ name, file, maxGzipBytes }) => {
      if (!existsSync(DIST + file)) throw new Error(`bench: ${DIST}${file} is missing after the build`);
      const size = gzipSync(readFileSync(DIST + file), { level: 9 }).length;
      return measure({ name, metric: `${file} gzip -9 size (budget ${maxGzipBytes} B)`, value: size, unit: 'B', target: { on: 'value', op: '<=', threshold: maxGzipBytes } });
    });
    const exec = await measureTrackerExecution(ctx);
    return exec ? [...sizes, exec] : sizes;
  },
};
