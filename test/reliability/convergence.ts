// What "nothing lost, nothing doubled" means for a realtor's work once the workers have caught up,
// shared by the reliability tests: every lead scored exactly as a from-scratch computation gives,
// every reminder fired once (one reminder.due message, one email), every webhook delivery
// succeeded and received, no due email left unsent.
import type { EntityManager } from '@mikro-orm/postgresql';
import { expect, vi } from 'vitest';
import { computeScore } from '#core/scoring/compute-score.ts';
import { loadScoringInputs } from '#core/scoring/load-scoring-inputs.ts';
import { loadScoringRules } from '#core/scoring/load-scoring-rules.ts';
import type { TestServer } from '../app.ts';
import type { TestReceiver } from '../webhook-receiver.ts';

export interface ConvergenceCheck {
  server: Pick<TestServer, 'sql' | 'orm'>;
  receiver: TestReceiver;
  userId: string;
  /** Leads the realtor has (one per inquiry email). */
  leads: number;
  /** Page views sent for the i-th lead, or the total. */
  eventsPerLead: ((i: number) => number) | { total: number };
  reminderIds: string[];
  /** Inquiries per lead (default 1): each announces one inquiry.created. */
  inquiriesPerLead?: number;
  timeoutMs: number;
}

/** Waits until the realtor's work has all run, then checks it ran once and the scores are exact. */
export async function expectConverged({ server, receiver, userId, leads, eventsPerLead, reminderIds, inquiriesPerLead = 1, timeoutMs }: ConvergenceCheck): Promise<void> {
  await vi.waitFor(async () => {
    const [state] = await server.sql<Record<string, number>>(
      `select (select count(*)::int from leads where user_id = $1 and (needs_rescore or score_breakdown is null)) as unscored,
              (select count(*)::int from follow_up_reminders where reminder_id = any($2::uuid[]) and status = 'pending') as pending_reminders,
              (select count(*)::int from webhook_deliveries d join webhook_messages m using (message_id) where m.user_id = $1 and d.status <> 'succeeded') as undelivered,
              (select count(*)::int from notifications where user_id = $1 and status = 'pending' and coalesce(next_attempt_at, send_at) <= now()) as unsent`,
      [userId, reminderIds],
    );
    expect(state).toEqual({ unscored: 0, pending_reminders: 0, undelivered: 0, unsent: 0 });
  }, { timeout: timeoutMs, interval: 250 });

  // Every lead's stored score is what a from-scratch computation gives at its scoring time.
  const leadRows = await server.sql<{ lead_id: string; score: number; score_band: string; score_breakdown: any }>(
    'select lead_id, score, score_band, score_breakdown from leads where user_id = $1', [userId],
  );
  expect(leadRows).toHaveLength(leads);
  const em = server.orm.em.fork() as EntityManager;
  const { rules, version } = await loadScoringRules(em, userId);
  for (const lead of leadRows) {
    const now = new Date(lead.score_breakdown.computedAt);
    const inputs = (await loadScoringInputs(em, [lead.lead_id], { now, halfLifeDays: rules.halfLifeDays })).get(lead.lead_id)!;
    const expected = computeScore({ ...inputs, rules, rulesVersion: version, now });
    expect({ score: lead.score, band: lead.score_band, breakdown: lead.score_breakdown }, lead.lead_id).toEqual({ score: expected.score, band: expected.band, breakdown: expected.breakdown });
  }
  const [{ events }] = await server.sql<{ events: number }>('select count(*)::int as events from lead_analytics a join leads l using (lead_id) where l.user_id = $1', [userId]);
  expect(events).toBe(typeof eventsPerLead === 'function' ? Array.from({ length: leads }, (_, i) => eventsPerLead(i)).reduce((a, b) => a + b, 0) : eventsPerLead.total);

  // Each reminder fired once: one reminder.due message and one reminder-due email each.
  const fired = await server.sql<{ reminder_id: string; messages: number; emails: number }>(
    `select r.reminder_id,
            (select count(*)::int from webhook_messages m where m.event_type = 'reminder.due' and m.payload::text like '%' || r.reminder_id || '%') as messages,
            (select count(*)::int from notifications n where n.kind = 'reminder_due' and n.reminder_id = r.reminder_id) as emails
     from follow_up_reminders r where r.reminder_id = any($1::uuid[]) order by 1`,
    [reminderIds],
  );
  expect(fired).toEqual([...reminderIds].sort().map((id) => ({ reminder_id: id, messages: 1, emails: 1 })));

  // One lead.created and one inquiry.created per lead; every message reached the receiver (at
  // least once: a resend after a lost attempt keeps its webhook-id).
  const messages = await server.sql<{ message_id: string; event_type: string }>('select message_id, event_type from webhook_messages where user_id = $1', [userId]);
  const counts = Object.fromEntries(['lead.created', 'inquiry.created', 'reminder.due'].map((t) => [t, messages.filter((m) => m.event_type === t).length]));
  expect(counts).toEqual({ 'lead.created': leads, 'inquiry.created': leads * inquiriesPerLead, 'reminder.due': reminderIds.length });
  const received = new Set(receiver.received.map((w) => w.id));
  expect(messages.filter((m) => !received.has(m.message_id))).toEqual([]);
}
