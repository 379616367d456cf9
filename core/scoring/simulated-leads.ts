/**
 * A realistic mix of leads, generated: what one listing site's lead list looks like after a
 * month or two. The default score map and band thresholds are calibrated against it
 * (simulated-leads.test.ts checks the band shares), and docs/scoring.md documents it.
 *
 * Who becomes a lead (identified by an inquiry or an `identify`), in shares of all leads:
 *
 * | profile        | share | behaviour                                                                                     |
 * |----------------|------:|-----------------------------------------------------------------------------------------------|
 * | one-off        |  30 % | one inquiry 0–30 days ago, 1–5 page views around it, ≤ 2 listing views                      |
 * | signed up      |  20 % | identify (newsletter, saved search), 2–12 page views and 1–6 listing views over 1–10 days     |
 * | searcher       |  15 % | 2–5 visits over 1–5 weeks, repeat views of 1–2 listings, maybe saved / mortgage; 40 % inquire |
 * | active buyer   |  10 % | inquiry in the last 1–7 days, showing request, repeat views, mortgage tool, a return visit   |
 * | gone quiet     |  25 % | any of the above, but the activity ended 30–120 days ago                                     |
 *
 * Deterministic for a seed (mulberry32), so a test and the docs agree on the numbers.
 */
import type { ScoringActivity, ScoringInquiry } from './compute-score.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../shared/time.ts';

export interface SimulatedLead {
  profile: LeadProfile;
  activities: ScoringActivity[];
  inquiries: ScoringInquiry[];
}

export const LEAD_PROFILES = ['one-off', 'signed up', 'searcher', 'active buyer', 'gone quiet'] as const;
export type LeadProfile = (typeof LEAD_PROFILES)[number];
const SHARES: Record<LeadProfile, number> = { 'one-off': 0.3, 'signed up': 0.2, searcher: 0.15, 'active buyer': 0.1, 'gone quiet': 0.25 };


/** A small, fast, seedable PRNG (mulberry32): uniform in [0, 1). */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` leads in the documented mix, as of `now`. */
export function simulateLeads({ count, now, seed = 1 }: { count: number; now: Date; seed?: number }): SimulatedLead[] {
  const random = createRandom(seed);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const chance = (p: number) => random() < p;
  const nowMs = now.getTime();
  const leads: SimulatedLead[] = [];
  // The first 30 % of leads are one-offs, the next 20 % signed up, and so on.
  const bounds: number[] = [];
  let cumulative = 0;
  for (const p of LEAD_PROFILES) {
    cumulative += SHARES[p];
    bounds.push(cumulative * count);
  }
  for (let i = 0; i < count; i++) {
    const profile = LEAD_PROFILES[bounds.findIndex((b) => i < b)] ?? 'one-off';
    const lead: SimulatedLead = { profile, activities: [], inquiries: [] };
    const listing = () => `listing-${int(1, 40)}`;
    /** One visit starting at `start`: `pages` page views a few minutes apart, some of listings. */
    const visit = (start: number, pages: number, listingShare: number, listings: string[] = []) => {
      let t = start;
      for (let p = 0; p < pages; p++) {
        const ref = chance(listingShare) ? (listings.length > 0 && chance(0.7) ? listings[int(0, listings.length - 1)] : listing()) : null;
        lead.activities.push({ kind: 'event', type: 'page_view', value: null, listingRef: ref, at: new Date(t) });
        t += int(1, 4) * MINUTE_MS;
      }
      return t;
    };
    const tool = (value: string, at: number) => lead.activities.push({ kind: 'event', type: 'tool_interaction', value, listingRef: null, at: new Date(at) });
    const inquire = (at: number) => lead.inquiries.push({ kind: 'inquiry', at: new Date(at) });

    // "Gone quiet" leads replay another profile, shifted 30–120 days into the past.
    const behaviour: LeadProfile = profile === 'gone quiet' ? (['one-off', 'signed up', 'searcher', 'active buyer'] as const)[int(0, 3)] : profile;
    const end = profile === 'gone quiet' ? nowMs - int(30, 120) * DAY_MS : nowMs - int(0, 12) * HOUR_MS;

    switch (behaviour) {
      case 'one-off': {
        const at = end - int(0, 30) * DAY_MS;
        const after = visit(at - int(2, 20) * MINUTE_MS, int(1, 5), 0.4);
        inquire(Math.min(after, end));
        break;
      }
      case 'signed up': {
        const days = int(1, 10);
        const start = end - days * DAY_MS;
        lead.activities.push({ kind: 'event', type: 'identify', value: null, listingRef: null, at: new Date(start) });
        const visits = int(1, 3);
        for (let v = 0; v < visits; v++) visit(start + Math.floor((v / visits) * days * DAY_MS), int(2, 5), 0.5);
        break;
      }
      case 'searcher': {
        const weeks = int(1, 5);
        const start = end - weeks * 7 * DAY_MS;
        const favourites = [listing(), listing()].slice(0, int(1, 2));
        const visits = int(2, 5);
        for (let v = 0; v < visits; v++) visit(start + Math.floor((v / (visits - 1 || 1)) * weeks * 7 * DAY_MS * 0.95), int(2, 6), 0.7, favourites);
        if (chance(0.4)) tool('save_listing', end - int(1, 48) * HOUR_MS);
        if (chance(0.3)) tool('mortgage_calculator', end - int(1, 72) * HOUR_MS);
        if (chance(0.4)) inquire(end - int(0, 7) * DAY_MS);
        break;
      }
      case 'active buyer': {
        const favourite = listing();
        const start = end - int(16, 30) * DAY_MS;
        visit(start, int(3, 6), 0.6, [favourite]);
        const back = end - int(1, 7) * DAY_MS;
        visit(back, int(4, 8), 0.8, [favourite]);
        tool('mortgage_calculator', back + 20 * MINUTE_MS);
        if (chance(0.6)) tool('save_listing', back + 25 * MINUTE_MS);
        tool('showing_request', back + 30 * MINUTE_MS);
        inquire(back + 35 * MINUTE_MS);
        break;
      }
    }
    leads.push(lead);
  }
  return leads;
}
