// Pipeline stages, stage changes and bulk lead actions over real HTTP and Postgres: the default
// stages (at signup, lazily and race-safe for older accounts), add/rename/reorder/delete, moving a
// lead (with its stage_change activity), the stage filter, bulk stage/reminder/delete, export by
// ids, bad input (400, nothing changes), another account's ids (404) and moves racing a stage
// deletion (never a 500).
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeLead, makeLeads } from '#test/factories.ts';
import type { HttpResult } from '#test/http.ts';
import { type RecordingClient, readCsvRecords, useLeadsApi } from '#test/leads-api.ts';
import { holdRowLocks, sendQueuedBehind, sendAllBlocked } from '#test/row-locks.ts';

const api = useLeadsApi();
const DEFAULT_KEYS = ['new', 'attempted_contact', 'nurturing', 'appointment_set', 'showing', 'offer', 'under_contract', 'closed', 'lost'];

type Stage = { stageId: string; key: string; label: string; position: number; outcome: string; leadCount: number };

async function stagesOf(client: RecordingClient): Promise<Stage[]> {
  const res = await client.get('/v1/pipeline-stages');
  expect(res.status).toBe(200);
  return res.body.items;
}

async function stageRows(userId: string) {
  return api.server.sql<Record<string, any>>('select stage_id, key, label, position, outcome from pipeline_stages where user_id = $1 order by position', [userId]);
}

describe('pipeline stages', () => {
  let agent: RecordingClient;
  let userId: string;

  beforeAll(async () => {
    ({ client: agent, userId } = await api.makeRealtor());
  });

  it('a new account has the trade’s default stages, with stable keys and outcomes', async () => {
    const rows = await stageRows(userId);
    expect(rows.map((r) => r.key)).toEqual(DEFAULT_KEYS);
    const stages = await stagesOf(agent);
    expect(stages.map((s) => s.key)).toEqual(DEFAULT_KEYS);
    expect(stages.map((s) => s.label)).toEqual(['New', 'Attempted contact', 'Nurturing', 'Appointment set', 'Showing', 'Offer', 'Under contract', 'Closed', 'Lost']);
    expect(stages.find((s) => s.key === 'closed')!.outcome).toBe('won');
    expect(stages.find((s) => s.key === 'lost')!.outcome).toBe('lost');
    expect(stages.filter((s) => s.outcome === 'open')).toHaveLength(7);
    // A list takes no query parameters: an unknown one is a 400 naming it.
    const unknown = await agent.get('/v1/pipeline-stages?limit=1');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].message).toMatch(/limit/);
  });

  it('an account without stages gets one set on first access, even with many parallel first accesses', async () => {
    const other = await api.makeRealtor();
    await api.server.sql('delete from pipeline_stages where user_id = $1', [other.userId]);
    const answers = await Promise.all(Array.from({ length: 8 }, () => other.client.get('/v1/pipeline-stages')));
    for (const a of answers) expect(a.body.items.map((s: Stage) => s.key)).toEqual(DEFAULT_KEYS);
    expect(await stageRows(other.userId)).toHaveLength(DEFAULT_KEYS.length);
  });

  it('lead counts put leads without a stage in the first stage; a lead’s JSON carries its stage', async () => {
    const other = await api.makeRealtor();
    const stages = await stagesOf(other.client);
    const [a, b] = await makeLeads(api.server, [{ userId: other.userId }, { userId: other.userId }]);
    await api.server.sql('update leads set stage_id = $1 where lead_id = $2', [stages[4].stageId, b]);
    const counted = await stagesOf(other.client);
    expect(counted[0].leadCount).toBe(1);
    expect(counted[4].leadCount).toBe(1);
    expect((await other.client.get(`/v1/leads/${a}`)).body.stage).toEqual({ stageId: stages[0].stageId, key: 'new', label: 'New' });
    expect((await other.client.get(`/v1/leads/${b}`)).body.stage).toEqual({ stageId: stages[4].stageId, key: 'showing', label: 'Showing' });
    const list = await other.client.get('/v1/leads');
    expect(list.body.items.map((l: { stage: { key: string } }) => l.stage.key).sort()).toEqual(['new', 'showing']);
    const first = await other.client.get(`/v1/leads?stageId=${stages[0].stageId}`);
    expect(first.body.items.map((l: { leadId: string }) => l.leadId)).toEqual([a]);
    const showing = await other.client.get(`/v1/leads?stageId=${stages[4].stageId}`);
    expect(showing.body.items.map((l: { leadId: string }) => l.leadId)).toEqual([b]);
    expect((await other.client.get(`/v1/leads?stageId=${(await stagesOf(agent))[0].stageId}`)).status).toBe(404);
  });

  it('adds, renames, changes the outcome, reorders and deletes stages', async () => {
    const { client, userId: uid } = await api.makeRealtor();
    const added = await client.post('/v1/pipeline-stages', { label: '  Pre-approval  ' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ label: 'Pre-approval', outcome: 'open', position: 9, leadCount: 0 });
    expect(added.body.key).toMatch(/^custom_[0-9a-f]{10}$/);
    const renamed = await client.patch(`/v1/pipeline-stages/${added.body.stageId}`, { label: 'Pre-approved', outcome: 'won' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ label: 'Pre-approved', outcome: 'won', key: added.body.key });
    expect((await client.patch(`/v1/pipeline-stages/${added.body.stageId}`, { label: 'new' })).status).toBe(409); // "New" is taken

    const stages = await stagesOf(client);
    const order = [stages[9], ...stages.slice(0, 9)].map((s) => s.stageId);
    const { leadId } = await makeLead(api.server, { userId: uid });
    const reordered = await client.put('/v1/pipeline-stages/order', { stageIds: order });
    expect(reordered.status).toBe(200);
    expect(reordered.body.items.map((s: Stage) => s.stageId)).toEqual(order);
    // The lead without a stage stays in "New", which is no longer first.
    expect((await client.get(`/v1/leads/${leadId}`)).body.stage.key).toBe('new');

    const deleted = await client.delete(`/v1/pipeline-stages/${added.body.stageId}`);
    expect(deleted.status).toBe(204);
    expect((await stageRows(uid)).map((r) => r.key)).toEqual(DEFAULT_KEYS);
  });

  it('deleting a stage with leads needs moveTo (409 otherwise); its leads move with a stage_change each', async () => {
    const { client, userId: uid } = await api.makeRealtor();
    const stages = await stagesOf(client);
    const offer = stages.find((s) => s.key === 'offer')!;
    const nurturing = stages.find((s) => s.key === 'nurturing')!;
    const ids = await makeLeads(api.server, [{ userId: uid }, { userId: uid }]);
    for (const id of ids) expect((await client.put(`/v1/leads/${id}/stage`, { stageId: offer.stageId })).status).toBe(200);
    const refused = await client.delete(`/v1/pipeline-stages/${offer.stageId}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/has 2 leads.*moveTo/);
    expect((await client.delete(`/v1/pipeline-stages/${offer.stageId}?moveTo=${offer.stageId}`)).status).toBe(400);
    expect((await client.delete(`/v1/pipeline-stages/${offer.stageId}?moveTo=${randomUUID()}`)).status).toBe(404);
    expect(await stageRows(uid)).toHaveLength(9);
    const ok = await client.delete(`/v1/pipeline-stages/${offer.stageId}?moveTo=${nurturing.stageId}`);
    expect(ok.status).toBe(204);
    const rows = await api.server.sql<Record<string, any>>('select stage_id from leads where lead_id = any($1)', [ids]);
    expect(rows.map((r) => r.stage_id)).toEqual([nurturing.stageId, nurturing.stageId]);
    const acts = await api.server.sql<Record<string, any>>("select meta from lead_activities where lead_id = $1 and type = 'stage_change' order by occurred_at", [ids[0]]);
    expect(acts.at(-1)!.meta).toMatchObject({ fromStageId: offer.stageId, toStageId: nurturing.stageId, fromLabel: 'Offer', toLabel: 'Nurturing' });
  });

  it('the last stage cannot be deleted', async () => {
    const { client, userId: uid } = await api.makeRealtor();
    const stages = await stagesOf(client);
    for (const s of stages.slice(1)) expect((await client.delete(`/v1/pipeline-stages/${s.stageId}`)).status).toBe(204);
    const last = await client.delete(`/v1/pipeline-stages/${stages[0].stageId}`);
    expect(last.status).toBe(409);
    expect(last.body.error.message).toMatch(/last stage/);
    expect(await stageRows(uid)).toHaveLength(1);
    // An account that has stages does not get the defaults back.
    expect(await stagesOf(client)).toHaveLength(1);
  });

  it('bad input is a 400 and changes nothing', async () => {
    const before = await stageRows(userId);
    const stages = await stagesOf(agent);
    for (const body of [{}, { label: '' }, { label: '   ' }, { label: 'x'.repeat(61) }, { label: 'a\u0000b' }, { label: 'Ok', outcome: 'maybe' }, { label: 'Ok', key: 'mine' }]) {
      const res = await agent.post('/v1/pipeline-stages', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    for (const body of [{}, { label: '' }, { outcome: 'x' }, { position: 3 }]) expect((await agent.patch(`/v1/pipeline-stages/${stages[0].stageId}`, body)).status).toBe(400);
    const ids = stages.map((s) => s.stageId);
    for (const body of [{}, { stageIds: [] }, { stageIds: ids.slice(1) }, { stageIds: [...ids, ids[0]] }, { stageIds: ['nope'] }]) {
      expect((await agent.put('/v1/pipeline-stages/order', body)).status, JSON.stringify(body).slice(0, 60)).toBe(400);
    }
    expect((await agent.delete(`/v1/pipeline-stages/${ids[1]}?moveTo=nope`)).status).toBe(400);
    const { leadId } = await makeLead(api.server, { userId });
    for (const body of [{}, { stageId: 'nope' }, { stageId: ids[0], extra: 1 }]) expect((await agent.put(`/v1/leads/${leadId}/stage`, body)).status).toBe(400);
    expect(await stageRows(userId)).toEqual(before);
    expect((await api.readLeadRow(leadId)).stage_id).toBeNull();
  });

  it('another account’s stage or lead is a 404 for every verb, and nothing changes', async () => {
    const other = await api.makeRealtor();
    const theirs = await stagesOf(other.client);
    const mine = await stagesOf(agent);
    const { leadId: theirLead } = await makeLead(api.server, { userId: other.userId });
    const { leadId: myLead } = await makeLead(api.server, { userId });
    const before = await stageRows(other.userId);
    expect((await agent.patch(`/v1/pipeline-stages/${theirs[1].stageId}`, { label: 'Mine' })).status).toBe(404);
    expect((await agent.delete(`/v1/pipeline-stages/${theirs[1].stageId}`)).status).toBe(404);
    expect((await agent.delete(`/v1/pipeline-stages/${mine[1].stageId}?moveTo=${theirs[0].stageId}`)).status).toBe(404);
    expect((await agent.put('/v1/pipeline-stages/order', { stageIds: theirs.map((s) => s.stageId) })).status).toBe(404);
    expect((await agent.put(`/v1/leads/${theirLead}/stage`, { stageId: mine[2].stageId })).status).toBe(404);
    expect((await agent.put(`/v1/leads/${myLead}/stage`, { stageId: theirs[2].stageId })).status).toBe(404);
    expect((await agent.put(`/v1/leads/${randomUUID()}/stage`, { stageId: mine[2].stageId })).status).toBe(404);
    expect(await stageRows(other.userId)).toEqual(before);
    expect((await api.readLeadRow(theirLead)).stage_id).toBeNull();
    expect((await api.readLeadRow(myLead)).stage_id).toBeNull();
  });

  it('moving a lead records stage_changed_at and a stage_change activity by the realtor; the same stage again changes nothing', async () => {
    const stages = await stagesOf(agent);
    const { leadId } = await makeLead(api.server, { userId });
    const res = await agent.put(`/v1/leads/${leadId}/stage`, { stageId: stages[3].stageId });
    expect(res.status).toBe(200);
    expect(res.body.stage).toEqual({ stageId: stages[3].stageId, key: 'appointment_set', label: 'Appointment set' });
    const row = await api.readLeadRow(leadId);
    expect(row.stage_id).toBe(stages[3].stageId);
    expect(row.stage_changed_at).not.toBeNull();
    const again = await agent.put(`/v1/leads/${leadId}/stage`, { stageId: stages[3].stageId });
    expect(again.status).toBe(200);
    const acts = await api.server.sql<Record<string, any>>('select * from lead_activities where lead_id = $1', [leadId]);
    expect(acts).toHaveLength(1);
    expect(acts[0]).toMatchObject({ type: 'stage_change', actor_user_id: userId, user_id: userId });
    expect(acts[0].meta).toEqual({ fromStageId: stages[0].stageId, toStageId: stages[3].stageId, fromLabel: 'New', toLabel: 'Appointment set' });
  });

  it('a stage or lead id in upper case names the same row, as on every other route (UUIDs are case-insensitive)', async () => {
    const other = await api.makeRealtor();
    const up = (id: string) => id.toUpperCase();
    const stages = await stagesOf(other.client);
    const [a, b] = await makeLeads(api.server, [{ userId: other.userId }, { userId: other.userId }]);
    // The lead routes took it already (Postgres compares uuids); the stage routes answered 404 "Stage not found".
    expect((await other.client.get(`/v1/leads/${up(a)}`)).status).toBe(200);
    const renamed = await other.client.patch(`/v1/pipeline-stages/${up(stages[2].stageId)}`, { label: 'Warming up' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ stageId: stages[2].stageId, label: 'Warming up' });
    const moved = await other.client.put(`/v1/leads/${up(a)}/stage`, { stageId: up(stages[2].stageId) });
    expect(moved.status).toBe(200);
    expect(moved.body.stage).toMatchObject({ stageId: stages[2].stageId });
    expect((await api.readLeadRow(a)).stage_id).toBe(stages[2].stageId);
    // One lead named twice, in either case, is one lead.
    const bulk = await other.client.post('/v1/leads/bulk', { action: 'stage', leadIds: [b, up(b)], stageId: up(stages[3].stageId) });
    expect(bulk.status).toBe(200);
    expect(bulk.body).toEqual({ affected: 1 });
    expect((await api.readLeadRow(b)).stage_id).toBe(stages[3].stageId);
    const order = [...stages].reverse().map((s) => up(s.stageId));
    const reordered = await other.client.put('/v1/pipeline-stages/order', { stageIds: order });
    expect(reordered.status).toBe(200);
    expect(reordered.body.items.map((s: Stage) => s.stageId)).toEqual([...stages].reverse().map((s) => s.stageId));
    const deleted = await other.client.delete(`/v1/pipeline-stages/${up(stages[2].stageId)}?moveTo=${up(stages[3].stageId)}`);
    expect(deleted.status).toBe(204);
    expect((await api.readLeadRow(a)).stage_id).toBe(stages[3].stageId);
    expect((await stageRows(other.userId)).map((r) => r.stage_id)).not.toContain(stages[2].stageId);
  });
});

describe('moves racing a stage deletion', () => {
  /**
   * `DELETE deletePath` caught after it has locked the stages and before it touches a lead, then
   * `move()` sent and left waiting on it, then the delete let go. A transaction of the test's own
   * holds the last stage: the delete locks the account's stages in board order, so it holds every
   * other one and waits there.
   */
  async function raceStageDelete(client: RecordingClient, stages: Stage[], deletePath: string, move: () => Promise<HttpResult>) {
    const holder = await holdRowLocks(api.server, 'select stage_id from pipeline_stages where stage_id = $1 for key share', [stages.at(-1)!.stageId]);
    const { first: deleted, second: moved } = await sendQueuedBehind(api.server, holder, () => client.delete(deletePath), move);
    return { deleted, moved };
  }

  async function writtenFor(leadIds: string[]) {
    return {
      activities: await api.server.sql<Record<string, any>>('select meta from lead_activities where lead_id = any($1) order by occurred_at, created_at', [leadIds]),
      messages: await api.server.sql('select 1 from webhook_messages where lead_id = any($1)', [leadIds]),
    };
  }

  it('a lead moved to a stage being deleted is a 404 that changes nothing', async () => {
    const { client, userId } = await api.makeRealtor();
    const stages = await stagesOf(client);
    const offer = stages.find((s) => s.key === 'offer')!;
    const { leadId } = await makeLead(api.server, { userId });
    const { deleted, moved } = await raceStageDelete(client, stages, `/v1/pipeline-stages/${offer.stageId}`, () => client.put(`/v1/leads/${leadId}/stage`, { stageId: offer.stageId }));
    expect(deleted.status).toBe(204);
    expect(moved.status, JSON.stringify(moved.body)).toBe(404);
    expect(moved.body.error).toMatchObject({ code: 'not_found', message: expect.stringMatching(/Stage/) });
    expect((await api.readLeadRow(leadId)).stage_id).toBeNull();
    expect(await writtenFor([leadId])).toEqual({ activities: [], messages: [] });
  });

  it('a bulk move to a stage being deleted is a 404 that changes nothing', async () => {
    const { client, userId } = await api.makeRealtor();
    const stages = await stagesOf(client);
    const offer = stages.find((s) => s.key === 'offer')!;
    const ids = await makeLeads(api.server, [{ userId }, { userId }]);
    const { deleted, moved } = await raceStageDelete(client, stages, `/v1/pipeline-stages/${offer.stageId}`, () => client.post('/v1/leads/bulk', { action: 'stage', leadIds: ids, stageId: offer.stageId }));
    expect(deleted.status).toBe(204);
    expect(moved.status, JSON.stringify(moved.body)).toBe(404);
    expect(await api.server.sql('select 1 from leads where lead_id = any($1) and stage_id is null', [ids])).toHaveLength(2);
    expect(await writtenFor(ids)).toEqual({ activities: [], messages: [] });
  });

  it('a lead moved out of a stage being deleted with moveTo goes there first, then where it was sent; no deadlock', async () => {
    const { client, userId } = await api.makeRealtor();
    const stages = await stagesOf(client);
    const [nurturing, showing, offer] = ['nurturing', 'showing', 'offer'].map((key) => stages.find((s) => s.key === key)!);
    const { leadId } = await makeLead(api.server, { userId });
    expect((await client.put(`/v1/leads/${leadId}/stage`, { stageId: offer.stageId })).status).toBe(200);
    const { deleted, moved } = await raceStageDelete(
      client, stages, `/v1/pipeline-stages/${offer.stageId}?moveTo=${nurturing.stageId}`,
      () => client.put(`/v1/leads/${leadId}/stage`, { stageId: showing.stageId }),
    );
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    expect(moved.body.stage).toEqual({ stageId: showing.stageId, key: 'showing', label: 'Showing' });
    expect((await api.readLeadRow(leadId)).stage_id).toBe(showing.stageId);
    const { activities } = await writtenFor([leadId]);
    expect(activities.map((a) => `${a.meta.fromLabel} → ${a.meta.toLabel}`)).toEqual(['New → Offer', 'Offer → Nurturing', 'Nurturing → Showing']);
  });
});

describe('stage changes sent at once', () => {
  /** The test server's pool holds five connections: five requests can wait in Postgres at once. */
  const PARALLEL = 5;

  /**
   * Sends `requests` while a transaction of the test's own holds the account's user row, waits
   * until every one of them waits in Postgres, lets go, and returns their answers: the requests
   * have then all started before any of them has read the stages.
   */
  async function sendAllAtOnce(userId: string, requests: Array<() => Promise<HttpResult>>): Promise<HttpResult[]> {
    return sendAllBlocked(api.server, await holdRowLocks(api.server, 'select 1 from users where user_id = $1 for update', [userId]), requests);
  }


  /** The account's stages: every label once (case-insensitively), every position once. */
  async function expectConsistent(userId: string) {
    const rows = await stageRows(userId);
    expect(new Set(rows.map((r) => r.label.toLowerCase())).size, rows.map((r) => r.label).join(' | ')).toBe(rows.length);
    expect(new Set(rows.map((r) => r.position)).size, rows.map((r) => `${r.position}:${r.label}`).join(' | ')).toBe(rows.length);
    return rows;
  }

  it(`${PARALLEL} adds of the same label: one 201, the others 409, one stage`, async () => {
    const { client, userId } = await api.makeRealtor();
    const answers = await sendAllAtOnce(userId, Array.from({ length: PARALLEL }, () => () => client.post('/v1/pipeline-stages', { label: 'Dup' })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, ...Array(PARALLEL - 1).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error).toMatchObject({ code: 'conflict', details: [{ path: 'label' }] });
    const rows = await expectConsistent(userId);
    expect(rows.map((r) => `${r.position}:${r.label}`).slice(-2)).toEqual(['8:Lost', '9:Dup']);
  });

  it(`${PARALLEL} adds with two places left: two 201, the others 409, 30 stages in 30 positions`, async () => {
    const { client, userId } = await api.makeRealtor();
    for (let i = 0; i < 30 - 9 - 2; i++) expect((await client.post('/v1/pipeline-stages', { label: `Stage ${i}` })).status).toBe(201);
    const answers = await sendAllAtOnce(userId, Array.from({ length: PARALLEL }, (_, i) => () => client.post('/v1/pipeline-stages', { label: `Parallel ${i}` })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 201, ...Array(PARALLEL - 2).fill(409)]);
    for (const a of answers.filter((x) => x.status === 409)) expect(a.body.error.message).toMatch(/at most 30 stages/);
    expect((await expectConsistent(userId)).map((r) => r.position)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('an add and a rename to the same label at once: one of them succeeds, the other is a 409', async () => {
    const { client, userId } = await api.makeRealtor();
    const offer = (await stagesOf(client)).find((s) => s.key === 'offer')!;
    const answers = await sendAllAtOnce(userId, [
      () => client.post('/v1/pipeline-stages', { label: 'Pre-approval' }),
      () => client.patch(`/v1/pipeline-stages/${offer.stageId}`, { label: 'pre-approval' }),
    ]);
    expect(answers.map((a) => a.status).filter((s) => s === 409)).toHaveLength(1);
    expect(answers.map((a) => a.status).filter((s) => s === 200 || s === 201)).toHaveLength(1);
    const rows = await expectConsistent(userId);
    expect(rows.filter((r) => r.label.toLowerCase() === 'pre-approval')).toHaveLength(1);
  });
});

describe('bulk lead actions', () => {
  let agent: RecordingClient;
  let userId: string;

  beforeAll(async () => {
    ({ client: agent, userId } = await api.makeRealtor());
  });

  it('stage: moves every lead, counts those that moved, records each change', async () => {
    const stages = await stagesOf(agent);
    const ids = await makeLeads(api.server, [{ userId }, { userId }, { userId }]);
    await agent.put(`/v1/leads/${ids[0]}/stage`, { stageId: stages[5].stageId });
    const res = await agent.post('/v1/leads/bulk', { action: 'stage', leadIds: ids, stageId: stages[5].stageId });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ affected: 2 });
    const rows = await api.server.sql<Record<string, any>>('select stage_id from leads where lead_id = any($1)', [ids]);
    expect(rows.every((r) => r.stage_id === stages[5].stageId)).toBe(true);
    const acts = await api.server.sql("select 1 from lead_activities where lead_id = any($1) and type = 'stage_change'", [ids]);
    expect(acts).toHaveLength(3);
  });

  it('reminder: one pending reminder per lead, with its job', async () => {
    const ids = await makeLeads(api.server, [{ userId }, { userId }]);
    const at = new Date(Date.now() + 3_600_000).toISOString();
    const res = await agent.post('/v1/leads/bulk', { action: 'reminder', leadIds: ids, reminderDate: at, reminderMessage: ' Call back ' });
    expect(res.body).toEqual({ affected: 2 });
    const rows = await api.server.sql<Record<string, any>>('select reminder_id, reminder_message, status, kind from follow_up_reminders where lead_id = any($1)', [ids]);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.reminder_message === 'Call back' && r.status === 'pending' && r.kind === 'manual')).toBe(true);
    const job = await api.server.queues.reminders.getJob(`reminder-${rows[0].reminder_id}-${new Date(at).getTime()}`);
    expect(job?.name).toBe('reminders.fire');
  });

  it('reminder: each lead’s timeline shows a reminder_created by the realtor, as a single reminder does', async () => {
    const ids = await makeLeads(api.server, [{ userId }, { userId }]);
    const { leadId: single } = await makeLead(api.server, { userId });
    const at = new Date(Date.now() + 3_600_000).toISOString();
    expect((await agent.post(`/v1/leads/${single}/reminders`, { reminderDate: at, reminderMessage: 'Call back' })).status).toBe(201);
    expect((await agent.post('/v1/leads/bulk', { action: 'reminder', leadIds: ids, reminderDate: at, reminderMessage: ' Call back ' })).body).toEqual({ affected: 2 });
    const createdOn = async (leadId: string) => {
      const items = (await agent.get(`/v1/leads/${leadId}/timeline`)).body.items as Array<Record<string, any>>;
      return items.filter((i) => i.activityType === 'reminder_created');
    };
    const [expected] = await createdOn(single);
    for (const leadId of ids) {
      const [reminder] = await api.server.sql<{ reminder_id: string }>('select reminder_id from follow_up_reminders where lead_id = $1', [leadId]);
      const created = await createdOn(leadId);
      expect(created).toHaveLength(1);
      expect(created[0]).toMatchObject({ kind: 'activity', actor: expected.actor, editable: false, meta: { ...expected.meta, reminderId: reminder.reminder_id } });
      expect(Object.keys(created[0].meta).sort()).toEqual(Object.keys(expected.meta).sort());
    }
  });

  it('delete: erases every lead', async () => {
    const ids = await makeLeads(api.server, [{ userId }, { userId }]);
    const res = await agent.post('/v1/leads/bulk', { action: 'delete', leadIds: ids });
    expect(res.body).toEqual({ affected: 2 });
    expect(await api.server.sql('select 1 from leads where lead_id = any($1)', [ids])).toHaveLength(0);
  });

  it('a foreign or unknown id makes the whole request a 404 and changes nothing', async () => {
    const other = await api.makeRealtor();
    const { leadId: theirs } = await makeLead(api.server, { userId: other.userId });
    const mine = await makeLeads(api.server, [{ userId }, { userId }]);
    const stages = await stagesOf(agent);
    for (const leadIds of [[...mine, theirs], [...mine, randomUUID()]]) {
      for (const body of [
        { action: 'stage', leadIds, stageId: stages[2].stageId },
        { action: 'reminder', leadIds, reminderDate: new Date().toISOString(), reminderMessage: 'x' },
        { action: 'delete', leadIds },
      ]) expect((await agent.post('/v1/leads/bulk', body)).status).toBe(404);
    }
    expect((await agent.post('/v1/leads/bulk', { action: 'stage', leadIds: mine, stageId: (await stagesOf(other.client))[1].stageId })).status).toBe(404);
    expect(await api.server.sql('select 1 from leads where lead_id = any($1) and stage_id is null', [[...mine, theirs]])).toHaveLength(3);
    expect(await api.server.sql('select 1 from follow_up_reminders where lead_id = any($1)', [[...mine, theirs]])).toHaveLength(0);
    expect(await api.server.sql('select 1 from lead_activities where lead_id = any($1)', [[...mine, theirs]])).toHaveLength(0);
  });

  it('bad input is a 400 and changes nothing', async () => {
    const mine = await makeLeads(api.server, [{ userId }]);
    const stages = await stagesOf(agent);
    const many = Array.from({ length: 501 }, () => randomUUID());
    for (const body of [
      {}, { action: 'stage', leadIds: mine }, { action: 'archive', leadIds: mine }, { action: 'delete', leadIds: [] }, { action: 'delete', leadIds: many },
      { action: 'delete', leadIds: ['nope'] }, { action: 'stage', leadIds: mine, stageId: 'x' }, { action: 'reminder', leadIds: mine, reminderDate: 'soon', reminderMessage: 'x' },
      { action: 'reminder', leadIds: mine, reminderDate: new Date().toISOString(), reminderMessage: '  ' },
      { action: 'reminder', leadIds: mine, reminderDate: '2099-01-01T00:00:00Z', reminderMessage: 'x' },
      { action: 'delete', leadIds: mine, stageId: stages[0].stageId },
    ]) {
      const res = await agent.post('/v1/leads/bulk', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await api.server.sql('select 1 from leads where lead_id = any($1)', [mine])).toHaveLength(1);
  });

  it('export.csv?ids= exports the selection only (another account’s ids are not in the file)', async () => {
    const other = await api.makeRealtor();
    const { leadId: theirs } = await makeLead(api.server, { userId: other.userId, name: 'Not yours' });
    const mine = await makeLeads(api.server, [{ userId, name: 'Picked A' }, { userId, name: 'Picked B' }, { userId, name: 'Left out' }]);
    const res = await api.fetchCsv(agent, `ids=${[mine[0], mine[1], theirs].join(',')}`);
    expect(res.status).toBe(200);
    expect(readCsvRecords(res.text).map((r) => r.name).sort()).toEqual(['Picked A', 'Picked B']);
    expect((await api.fetchCsv(agent, 'ids=a,b')).status).toBe(400);
  });
});
