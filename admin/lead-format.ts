// How leads, their statuses and their timeline read in the admin. Everything here returns plain
// strings: lead-supplied text (names, messages, listing refs, URLs) is rendered by Preact as text,
// never as HTML.
import { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/min';
import { LEAD_STATUSES as STATUSES, SCORE_BANDS as BANDS_HOTTEST_FIRST } from '#core/shared/enums.ts';
import type { Lead, LeadStatus, ScoreBand, TimelineItem } from './api-client.ts';

const STATUS_LABELS: Record<LeadStatus, string> = { new: 'New', contacted: 'Contacted', qualified: 'Qualified', client: 'Client', lost: 'Lost' };
const BANDS: Record<ScoreBand, { label: string; hint: string }> = {
  hot: { label: 'Hot', hint: 'Call them now' },
  warm: { label: 'Warm', hint: 'Interested' },
  cold: { label: 'Cold', hint: 'Browsing' },
};

/** Every lead status, in the server's order, with its label. */
export const LEAD_STATUSES: ReadonlyArray<{ value: LeadStatus; label: string }> = STATUSES.map((value) => ({ value, label: STATUS_LABELS[value] }));

/** A site select's options: "No site", then the account's sites by name as given. */
export function siteOptions(sites: ReadonlyArray<{ siteId: string; name: string }>): Array<{ value: string; label: string }> {
  return [{ value: '', label: 'No site' }, ...sites.map((s) => ({ value: s.siteId, label: s.name }))];
}

/** Every score band, hottest first, with its label and a hint. */
export const SCORE_BANDS: ReadonlyArray<{ value: ScoreBand; label: string; hint: string }> = BANDS_HOTTEST_FIRST.map((value) => ({ value, ...BANDS[value] }));

export function statusLabel(status: string): string {
  return LEAD_STATUSES.find((s) => s.value === status)?.label ?? status;
}

export function isLeadStatus(value: string | null | undefined): value is LeadStatus {
  return (STATUSES as readonly unknown[]).includes(value);
}

export function isScoreBand(value: string | null | undefined): value is ScoreBand {
  return (BANDS_HOTTEST_FIRST as readonly unknown[]).includes(value);
}

/** The best name we have for a lead: its name, else its email, else its phone. */
export function leadDisplayName(lead: Pick<Lead, 'name' | 'email' | 'phone'>): string {
  return lead.name?.trim() || lead.email || lead.phone || 'Unnamed lead';
}

export { safeHttpUrl } from '#core/shared/safe-url.ts';

/** "mortgage_calculator" → "Mortgage calculator". */
export function humanize(kind: string): string {
  const words = kind.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A tool name as scoring reads it ("Mortgage Calculator" → "mortgage_calculator"). */
function toolKind(value: string | null | undefined): string {
  return (value ?? '').trim().toLowerCase().replace(/[\s-]+/g, '_');
}

const KNOWN_TOOLS: Record<string, (listing: string | null) => string> = {
  mortgage_calculator: () => 'Used mortgage calculator',
  affordability_calculator: () => 'Used affordability calculator',
  save_listing: (l) => (l ? `Saved listing ${l}` : 'Saved a listing'),
  favorite_listing: (l) => (l ? `Saved listing ${l}` : 'Saved a listing'),
  favourite_listing: (l) => (l ? `Saved listing ${l}` : 'Saved a listing'),
  showing_request: (l) => (l ? `Requested a showing of ${l}` : 'Requested a showing'),
};

/** One line for a timeline entry: "Viewed listing oak-12", "Used mortgage calculator", "Inquiry". */
export function describeTimelineItem(item: TimelineItem): string {
  const listing = item.listingRef || null;
  if (item.kind === 'inquiry') {
    const via = item.source === 'manual' ? 'added by you' : item.source === 'widget' ? 'from the website form' : item.source === 'api' ? 'via the API' : null;
    return via ? `Inquiry ${via}` : 'Inquiry';
  }
  const type = item.eventType ?? 'event';
  if (type === 'page_view') return listing ? `Viewed listing ${listing}` : 'Viewed a page';
  if (type === 'identify') return 'Shared their contact details';
  if (type === 'tool_interaction') {
    const tool = toolKind(item.eventValue);
    const known = KNOWN_TOOLS[tool];
    if (known) return known(listing);
    const name = item.eventValue ? humanize(item.eventValue) : 'a tool';
    return listing ? `Used ${name} on listing ${listing}` : `Used ${name}`;
  }
  const known = KNOWN_TOOLS[type];
  if (known) return known(listing);
  const value = item.eventValue ? `: ${item.eventValue}` : '';
  return `${humanize(type)}${value}${listing ? ` (listing ${listing})` : ''}`;
}

/** Clamps a score to 0..100 for bars. */
export function scorePercent(score: number, max = 100): number {
  if (!Number.isFinite(score) || max <= 0) return 0;
  return Math.max(0, Math.min(100, (score / max) * 100));
}

/**
 * A stored phone (E.164) as a realtor reads it: national format for numbers of `homeCountry`
 * (the server's DEFAULT_PHONE_COUNTRY: "(415) 555-0134"), international otherwise
 * ("+44 20 7946 0958"). Anything that does not parse (a number stored before E.164) is shown as stored.
 */
export function formatPhone(phone: string, homeCountry = 'US'): string {
  const parsed = parsePhoneNumberFromString(phone, isSupportedCountry(homeCountry) ? { defaultCountry: homeCountry } : {});
  if (!parsed) return phone;
  return parsed.country === homeCountry || (!parsed.country && parsed.countryCallingCode === callingCodeOf(homeCountry)) ? parsed.formatNational() : parsed.formatInternational();
}

function callingCodeOf(country: string): string | null {
  return isSupportedCountry(country) ? getCountryCallingCode(country) : null;
}

/** `tel:` and `sms:` hrefs of a stored phone (E.164 when it parses, else its digits). */
export function phoneHrefs(phone: string, homeCountry = 'US'): { tel: string; sms: string } {
  const parsed = parsePhoneNumberFromString(phone, isSupportedCountry(homeCountry) ? { defaultCountry: homeCountry } : {});
  const target = parsed ? parsed.number : phone.replace(/[^\d+]/g, '');
  return { tel: `tel:${target}`, sms: `sms:${target}` };
}

/** "12 minutes", "3 hours", "2 days": how long someone has waited. */
export function formatWaiting(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return 'under a minute';
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  const days = Math.floor(hours / 24);
  return `${days} days`;
}
