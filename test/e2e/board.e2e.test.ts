// The pipeline board and live updates in a real browser against the real API, Postgres, Redis
// and an in-process worker: at 1440×900 and 390×844 a lead moves with the keyboard (Shift+→),
// the "Move to…" menu and drag and drop — each checked in Postgres, and none reloading the board
// when its own live echo comes back — a refused move rolls back,
// stages are renamed, added and deleted with a confirmation, and moved with the keyboard (focus
// stays on the arrow); and a lead that arrives through the
// inquiry form appears in the open leads list without a reload. Screenshots in
// test-results/screenshots. Run `npm run build:admin` first.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectNoHorizontalOverflow, saveScreenshot } from '#test/browser.ts';
import { useBrowserSuite } from '#test/browser-suite.ts';
import { liveChannel } from '#core/live/live-events.ts';
import { closeRedis, createRedis } from '#core/redis.ts';
import { closeAll } from '#test/cleanup.ts';
import { WAIT } from '#test/env.ts';
import { makeLeads, makeSite } from '#test/factories.ts';
import { ApiClient } from '#test/http.ts';
import { ipSource, sendIngest } from '#test/ingest.ts';
import { startTestWorker, type TestWorker } from '#test/worker.ts';

const ORIGIN = 'https://homes.example';
const freshIp = ipSource(43);

const suite = useBrowserSuite();
let worker: TestWorker;
let owner: ApiClient;
let userId: string;
let stages: Array<{ stageId: string; key: string; label: string }>;

function newPage(viewport: { width: number; height: number }): Promise<Page> {
  return suite.adminPage(owner, { viewport, timeoutMs: 20_000 });
}

async function stageKeyOf(leadId: string): Promise<string | null> {
  const [row] = await suite.server.sql<{ key: string | null }>('select s.key from leads l left join pipeline_stages s on s.stage_id = l.stage_id where l.lead_id = $1', [leadId]);
  return row?.key ?? null;
}

const stageId = (key: string) => stages.find((s) => s.key === key)!.stageId;

beforeAll(async () => {
  worker = await startTestWorker(suite.server, { name: 'board-e2e-worker' });
  owner = new ApiClient(suite.server.url);
  ({ userId } = await owner.signUp({ username: 'Dana Realtor' }));
  stages = (await owner.get('/v1/pipeline-stages')).body.items;
  const seeds = [
    { name: 'Jordan Avery', score: 82, scoreBand: 'hot' as const },
    { name: 'Morgan Castellano-Whitfield', score: 47, scoreBand: 'warm' as const },
    { name: 'Priya Natarajan', score: 12, scoreBand: 'cold' as const },
    { name: 'Sam Okafor', score: 64, scoreBand: 'hot' as const },
    { name: 'Lee Harrington', score: 30, scoreBand: 'warm' as const },
    { name: 'Alex Romero', score: 91, scoreBand: 'hot' as const },
  ];
  const ids = await makeLeads(suite.server, seeds.map((s) => ({ userId, ...s })));
  await owner.put(`/v1/leads/${ids[3]}/stage`, { stageId: stageId('showing') });
  await owner.put(`/v1/leads/${ids[4]}/stage`, { stageId: stageId('nurturing') });
  await owner.put(`/v1/leads/${ids[5]}/stage`, { stageId: stageId('offer') });
});

afterAll(() => closeAll(worker));

describe('the pipeline board', () => {
  it('at 1440×900: keyboard, menu and drag moves land in Postgres; a refused move rolls back', { timeout: 90_000 }, async () => {
    const page = await newPage({ width: 1440, height: 900 });
    // Every board load asks for the stages first: the moves' own live echoes must not reload it.
    let boardLoads = 0;
    page.on('request', (r) => {
      if (r.method() === 'GET' && new URL(r.url()).pathname === '/v1/pipeline-stages') boardLoads++;
    });
    await page.goto(`${suite.server.url}/app/board`);
    await page.getByRole('heading', { name: 'Pipeline', level: 1 }).waitFor();
    const column = (key: string) => page.locator(`[data-stage-column="${key}"]`);
    const card = (name: string) => page.locator('[data-lead-card]', { hasText: name });
    await column('new').getByText('Jordan Avery').waitFor();
    expect(await page.locator('[data-stage-column]').count()).toBe(9);
    await saveScreenshot(page, 'board-1440');
    const jordan = await card('Jordan Avery').getAttribute('data-lead-card');

    // Keyboard: focus the card, Shift+→ moves it one stage; the move is announced and focus follows.
    await card('Jordan Avery').focus();
    await page.keyboard.press('Shift+ArrowRight');
    await column('attempted_contact').getByText('Jordan Avery').waitFor();
    await expect.poll(() => page.getByTestId('board-announcer').textContent()).toContain('Moved Jordan Avery to Attempted contact');
    await vi.waitFor(async () => expect(await stageKeyOf(jordan!)).toBe('attempted_contact'), WAIT);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-lead-card'))).toBe(jordan);
    await page.keyboard.press('Shift+ArrowRight');
    await vi.waitFor(async () => expect(await stageKeyOf(jordan!)).toBe('nurturing'), WAIT);

    // The "Move to…" menu.
    const morgan = await card('Morgan Castellano-Whitfield').getAttribute('data-lead-card');
    await card('Morgan Castellano-Whitfield').getByText('Move to…').click();
    await card('Morgan Castellano-Whitfield').getByRole('button', { name: 'Appointment set' }).click();
    await column('appointment_set').getByText('Morgan Castellano-Whitfield').waitFor();
    await vi.waitFor(async () => expect(await stageKeyOf(morgan!)).toBe('appointment_set'), WAIT);

    // Drag and drop (HTML5).
    const priya = await card('Priya Natarajan').getAttribute('data-lead-card');
    const subscriber = createRedis(suite.server.config.REDIS_URL, { name: 'board-e2e-echo' });
    await subscriber.subscribe(liveChannel(suite.server.config.QUEUE_PREFIX, userId));
    const echoed = new Promise<void>((resolve) => {
      subscriber.on('message', (_channel, message) => {
        const event = JSON.parse(message);
        if (event.type === 'lead.updated' && event.data.leadId === priya) resolve();
      });
    });
    await card('Priya Natarajan').dragTo(column('appointment_set'));
    await column('appointment_set').getByText('Priya Natarajan').waitFor();
    await vi.waitFor(async () => expect(await stageKeyOf(priya!)).toBe('appointment_set'), WAIT);
    // The move's live echo reaches the page with the account's other events; the board's live
    // refresh would reload 0.4 s after it. An absence needs a window: 1 s after the echo.
    await echoed;
    await closeRedis(subscriber);
    await page.waitForTimeout(1000);
    expect(boardLoads, 'board loads after its own moves: the first only').toBe(1);
    await saveScreenshot(page, 'board-1440-after-moves');

    // A stage deleted elsewhere: the move is refused (404) and the card goes back.
    await suite.server.sql("delete from pipeline_stages where user_id = $1 and key = 'under_contract'", [userId]);
    await card('Alex Romero').getByText('Move to…').click();
    await card('Alex Romero').getByRole('button', { name: 'Under contract' }).click();
    await page.getByText(/Could not move Alex Romero/).first().waitFor();
    await column('offer').getByText('Alex Romero').waitFor();
    expect(await stageKeyOf((await card('Alex Romero').getAttribute('data-lead-card'))!)).toBe('offer');
    expect(boardLoads, 'board loads after a refused move: the first only').toBe(1);
  });

  it('at 390×844: the columns scroll sideways inside the board, and the keyboard move works', { timeout: 60_000 }, async () => {
    const page = await newPage({ width: 390, height: 844 });
    await page.goto(`${suite.server.url}/app/board`);
    const card = page.locator('[data-lead-card]', { hasText: 'Sam Okafor' });
    await card.waitFor();
    // A name the column cuts short shows whole on hover.
    expect(await page.locator('[data-lead-card]', { hasText: 'Morgan Castellano' }).locator('.board-card-name').getAttribute('title')).toBe('Morgan Castellano-Whitfield');
    await expectNoHorizontalOverflow(page, 'board at 390');
    const board = await page.locator('section.board').evaluate((el) => ({ scroll: el.scrollWidth, width: el.clientWidth }));
    expect(board.scroll).toBeGreaterThan(board.width);
    await saveScreenshot(page, 'board-390', { fullPage: false });
    const sam = await card.getAttribute('data-lead-card');
    await card.focus();
    await page.keyboard.press('Shift+ArrowLeft');
    await page.locator('[data-stage-column="appointment_set"]').getByText('Sam Okafor').waitFor();
    await vi.waitFor(async () => expect(await stageKeyOf(sam!)).toBe('appointment_set'), WAIT);
    await saveScreenshot(page, 'board-390-after-move', { fullPage: false });

    // The stage editor fits too: each stage's Save is on screen (it was 85 px past the edge).
    await page.getByRole('button', { name: 'Manage stages' }).click();
    const manager = page.locator('#stage-manager');
    await manager.getByLabel('Name of stage 1').waitFor();
    await expectNoHorizontalOverflow(page, 'stage editor at 390');
    const save = await manager.getByRole('button', { name: 'Save' }).first().boundingBox();
    expect(save!.x + save!.width).toBeLessThanOrEqual(390);
    await saveScreenshot(page, 'board-390-stages', { fullPage: false });
  });

  it('stages are renamed, added and deleted (with a confirmation that moves the leads)', { timeout: 60_000 }, async () => {
    const page = await newPage({ width: 1440, height: 900 });
    await page.goto(`${suite.server.url}/app/board`);
    await page.getByRole('button', { name: 'Manage stages' }).click();
    const manager = page.locator('#stage-manager');
    await manager.getByLabel('Name of stage 3').fill('Warming up');
    await manager.locator('li', { has: page.getByLabel('Name of stage 3') }).getByRole('button', { name: 'Save' }).click();
    await page.locator('[data-stage-column="nurturing"]').getByRole('heading', { name: /Warming up/ }).waitFor();
    await manager.getByLabel('New stage').fill('Pre-approval');
    await manager.getByRole('button', { name: 'Add stage' }).click();
    await page.getByRole('heading', { name: /Pre-approval/ }).waitFor();
    await saveScreenshot(page, 'board-1440-stages');

    // Deleting "Warming up" (it holds leads) asks where they go.
    await manager.getByRole('button', { name: 'Delete Warming up' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText(/It holds \d+ leads?/).waitFor();
    await dialog.getByRole('combobox').selectOption({ label: 'Showing' });
    await saveScreenshot(page, 'board-1440-delete-stage', { fullPage: false });
    await dialog.getByRole('button', { name: 'Delete stage' }).click();
    await page.locator('[data-stage-column="nurturing"]').waitFor({ state: 'detached' });
    // The rows are numbered by their place in the list, not by stored positions (which keep gaps).
    const names = () => manager.locator('.stage-row label.visually-hidden').filter({ hasText: /^Name of stage/ }).allTextContents();
    await expect.poll(async () => (await names()).length).toBe(await page.locator('[data-stage-column]').count());
    expect(await names()).toEqual((await names()).map((_, i) => `Name of stage ${i + 1}`));
    const rows = await suite.server.sql<{ key: string }>('select s.key from leads l join pipeline_stages s on s.stage_id = l.stage_id where l.user_id = $1 and l.name = $2', [userId, 'Lee Harrington']);
    expect(rows[0].key).toBe('showing');
    expect(await suite.server.sql("select 1 from pipeline_stages where user_id = $1 and key = 'nurturing'", [userId])).toHaveLength(0);
  });

  it('a stage moved with the keyboard keeps the focus on its arrow, so the next key press moves it again', { timeout: 60_000 }, async () => {
    const page = await newPage({ width: 1440, height: 900 });
    await page.goto(`${suite.server.url}/app/board`);
    await page.getByRole('button', { name: 'Manage stages' }).click();
    const manager = page.locator('#stage-manager');
    const order = async () => (await suite.server.sql<{ key: string }>('select key from pipeline_stages where user_id = $1 order by position', [userId])).map((r) => r.key);
    const before = await order();
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName);
    const labels = new Map((await suite.server.sql<{ key: string; label: string }>('select key, label from pipeline_stages where user_id = $1', [userId])).map((r) => [r.key, r.label]));
    const offer = labels.get('offer')!;

    const arrow = (dir: 'up' | 'down') => manager.getByRole('button', { name: `Move ${offer} ${dir}` });
    const rowsShown = () => manager.locator('[data-move="down"]').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label')));
    // After a saved move the rows stay locked until the board has reloaded and shows it (a move
    // computed from the list as it was would undo the one just saved): the arrow gets the focus
    // back and takes presses once the list shows the saved order.
    const whenReady = async (dir: 'up' | 'down', expected: string[]) => {
      await expect.poll(focused).toBe(`Move ${offer} ${dir}`);
      await expect.poll(() => arrow(dir).isEnabled()).toBe(true);
      expect(await rowsShown()).toEqual(expected.map((key) => `Move ${labels.get(key)} down`));
    };
    const pressWhenReady = async (dir: 'up' | 'down', expected: string[]) => {
      await whenReady(dir, expected);
      await page.keyboard.press('Enter');
    };

    await arrow('down').focus();
    await page.keyboard.press('Enter');
    await expect.poll(order).toEqual(moved(before, 'offer', 1));
    // Enter again, with no Tab in between: it moves one more place. The board's reload after it is
    // held back: saved but not yet shown, the rows stay locked (before, ↑ was enabled at once and
    // moved the stage from the list as it was, undoing the move just saved).
    await whenReady('down', moved(before, 'offer', 1));
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/v1/pipeline-stages', (route) => (route.request().method() === 'GET' ? held.then(() => route.continue()) : route.continue()));
    await page.keyboard.press('Enter');
    await page.getByRole('status').getByText(`Moved “${offer}” down.`).last().waitFor();
    await expect.poll(order).toEqual(moved(before, 'offer', 2));
    expect(await arrow('up').isEnabled()).toBe(false);
    expect(await rowsShown()).toEqual(moved(before, 'offer', 1).map((key) => `Move ${labels.get(key)} down`));
    const reloaded = page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/v1/pipeline-stages');
    release();
    await reloaded;
    await page.unroute('**/v1/pipeline-stages');
    await expect.poll(focused).toBe(`Move ${offer} down`);
    await expect.poll(() => arrow('up').isEnabled()).toBe(true);
    await arrow('up').focus();
    await pressWhenReady('up', moved(before, 'offer', 2));
    await expect.poll(order).toEqual(moved(before, 'offer', 1));
    await pressWhenReady('up', moved(before, 'offer', 1));
    await expect.poll(order).toEqual(before);
    await expect.poll(focused).toBe(`Move ${offer} up`);
    await expect.poll(() => arrow('up').isEnabled()).toBe(true);
    expect(await rowsShown()).toEqual(before.map((key) => `Move ${labels.get(key)} down`));
  });

  it('a saved stage move whose board reload failed does not take the focus later, when a reload finally shows it', { timeout: 60_000 }, async () => {
    const page = await newPage({ width: 1440, height: 900 });
    // The page's clock runs on by itself; the test skips the rows' lock (5 s) instead of waiting it out.
    await page.clock.install();
    await page.goto(`${suite.server.url}/app/board`);
    await page.getByRole('button', { name: 'Manage stages' }).click();
    const manager = page.locator('#stage-manager');
    const order = async () => (await suite.server.sql<{ stage_id: string; key: string; label: string }>('select stage_id, key, label from pipeline_stages where user_id = $1 order by position', [userId]));
    const before = await order();
    const labelOf = (key: string) => before.find((r) => r.key === key)!.label;
    const offer = labelOf('offer');
    const down = manager.getByRole('button', { name: `Move ${offer} down` });
    await down.waitFor();

    // The move is saved, the board's reload after it fails: the list keeps the old order.
    let failNext = true;
    await page.route('**/v1/pipeline-stages', (route) => {
      if (route.request().method() !== 'GET' || !failNext) return route.continue();
      failNext = false;
      return route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'Something went wrong' } }) });
    });
    await down.focus();
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await order()).map((r) => r.key)).toEqual(moved(before.map((r) => r.key), 'offer', 1));
    await expect.poll(() => failNext).toBe(false);
    await page.unroute('**/v1/pipeline-stages');
    // The rows unlock on what the list shows.
    await page.clock.fastForward(5_000);
    await expect.poll(() => down.isEnabled()).toBe(true);

    // The realtor types a new stage's name; meanwhile a lead arrives and its live update reloads the
    // board, which now shows the move. The focus stays where the realtor is typing.
    const input = manager.getByLabel('New stage');
    await input.focus();
    await page.keyboard.type('Viewing');
    const reloaded = page.waitForResponse((r) => r.request().method() === 'GET' && new URL(r.url()).pathname === '/v1/pipeline-stages' && r.ok());
    expect((await owner.post('/v1/leads', { name: 'Reload Trigger' })).status).toBe(201);
    await reloaded;
    const rowOrder = () => manager.locator('[data-move="down"]').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('aria-label')));
    await expect.poll(rowOrder).toEqual(moved(before.map((r) => r.key), 'offer', 1).map((key) => `Move ${labelOf(key)} down`));
    expect(await input.evaluate((el) => el === document.activeElement), 'the focus stayed in the New stage field').toBe(true);
    expect(await input.inputValue()).toBe('Viewing');

    expect((await owner.put('/v1/pipeline-stages/order', { stageIds: before.map((r) => r.stage_id) })).status).toBe(200);
  });
});

/** `keys` with `key` moved `by` places (down when positive). */
function moved(keys: string[], key: string, by: number): string[] {
  const out = keys.filter((k) => k !== key);
  out.splice(keys.indexOf(key) + by, 0, key);
  return out;
}

describe("a lead's stage on its page", () => {
  it('the lead page shows the stage and moves the lead (at 390×844); the list labels it', { timeout: 60_000 }, async () => {
    const [leadId] = await makeLeads(suite.server, [{ userId, name: 'Robin Stage-Page', score: 20, scoreBand: 'cold' }]);
    const page = await newPage({ width: 390, height: 844 });
    await page.goto(`${suite.server.url}/app/leads/${leadId}`);
    const select = page.getByLabel('Pipeline stage');
    // A lead without a stage is in the first one.
    await expect.poll(() => select.inputValue()).toBe(stageId('new'));
    await select.selectOption({ label: 'Appointment set' });
    await page.getByText('Moved to Appointment set.').waitFor();
    await vi.waitFor(async () => expect(await stageKeyOf(leadId)).toBe('appointment_set'), WAIT);
    await expectNoHorizontalOverflow(page, 'lead page with the stage at 390');
    await saveScreenshot(page, 'lead-stage-390', { fullPage: false });

    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(`${suite.server.url}/app/leads?q=Stage-Page`);
    await page.locator(`tr[data-lead-id="${leadId}"] .lead-site`, { hasText: 'Stage: Appointment set' }).waitFor();
  });
});

describe('live updates', () => {
  it('a lead sent through the inquiry form appears in the open leads list without a reload', { timeout: 60_000 }, async () => {
    const site = await makeSite({ client: owner }, { name: 'Homes', allowedOrigins: [ORIGIN] });
    const page = await newPage({ width: 1440, height: 900 });
    await page.goto(`${suite.server.url}/app/leads`);
    await page.getByText('Jordan Avery').first().waitFor();
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    const email = `casey-${randomUUID().slice(0, 6)}@example.com`;
    const res = await sendIngest(`${suite.server.url}/v1/inquiries`, {
      site: site.publicKey, id: randomUUID(), visitor: `v_${randomUUID().slice(0, 8)}`, name: 'Casey Live-Arrival', email, message: 'Can we see 7 Maple Avenue?', consent: true, hp: '',
    }, { defaultOrigin: ORIGIN, nextIp: freshIp });
    expect(res.status).toBe(202);
    await page.getByText('Casey Live-Arrival').first().waitFor();
    // Then the worker scores the inquiry, and the new band shows up too.
    const row = page.getByText('Casey Live-Arrival').first().locator('xpath=ancestor::*[self::tr or self::li or self::article][1]');
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/Warm|Hot/);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
    await saveScreenshot(page, 'leads-live-arrival-1440');
  });

  it('a reminder falling due updates the navigation count at once; browser notifications are opt-in in Settings', { timeout: 60_000 }, async () => {
    const page = await newPage({ width: 1440, height: 900 });
    await page.context().grantPermissions(['notifications'], { origin: suite.server.url });
    await page.goto(`${suite.server.url}/app/settings`);
    const toggle = page.getByLabel('Notify me in this browser about new leads and due reminders');
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    expect(await page.evaluate(() => localStorage.getItem('porchlight.liveNotifications'))).toBe('on');
    await saveScreenshot(page, 'settings-live-notifications-1440');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Pipeline/ }).click();
    await page.getByRole('heading', { name: 'Pipeline', level: 1 }).waitFor();
    expect(await page.getByTestId('due-count').count()).toBe(0);
    const [lead] = await makeLeads(suite.server, [{ userId, name: 'Reminder Lead' }]);
    const res = await owner.post(`/v1/leads/${lead}/reminders`, { reminderDate: new Date(Date.now() - 1000).toISOString(), reminderMessage: 'Call Reminder Lead' });
    expect(res.status).toBe(201);
    // The worker fires it; the live event (not the minute poll) brings the count.
    await page.getByTestId('due-count').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('due-count').textContent()).toMatch(/^1/);
  });

  // Last in the file: it rescores every seeded lead.
  it('a rules change rescoring the account updates the open leads list without a reload (leads.rescored)', { timeout: 60_000 }, async () => {
    const page = await newPage({ width: 1440, height: 900 });
    await page.goto(`${suite.server.url}/app/leads`);
    const row = page.getByText('Jordan Avery').first().locator('xpath=ancestor::*[self::tr or self::li or self::article][1]');
    await expect.poll(() => row.textContent()).toMatch(/Hot/);
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });
    // The seeded scores stand for activity the leads do not have: rescored, they are all 0, cold.
    expect((await owner.put('/v1/scoring-rules', { rules: { weights: { pageView: 2 } } })).status).toBe(200);
    await expect.poll(() => row.textContent(), { timeout: 20_000 }).toMatch(/Cold/);
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
  });
});
