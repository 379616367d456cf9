// Reaching a lead in one tap: Call (tel:), Text (sms:) and Email (mailto:) as big targets, and a
// phone number shown the way the realtor writes it (national for the home country).
import { useSession } from '../api-client.ts';
import { formatPhone, phoneHrefs } from '../lead-format.ts';

export interface Reachable {
  name?: string | null;
  email: string | null;
  phone: string | null;
}

/** The home country of phone numbers (DEFAULT_PHONE_COUNTRY, from GET /v1/auth/me). */
export function usePhoneCountry(): string {
  return useSession()?.phoneCountry ?? 'US';
}

/** A stored phone, formatted, as a `tel:` link. */
export function PhoneLink({ phone, class: cls }: { phone: string; class?: string }) {
  const country = usePhoneCountry();
  return (
    <a href={phoneHrefs(phone, country).tel} class={cls}>
      {formatPhone(phone, country)}
    </a>
  );
}

/**
 * Call / Text / Email buttons for whatever the lead gave (none without a phone or email).
 * `compact`: icon-sized buttons for list cards; otherwise labelled buttons for page headers.
 */
export function ContactActions({ lead, compact = false, label }: { lead: Reachable; compact?: boolean; label?: string }) {
  const country = usePhoneCountry();
  if (!lead.phone && !lead.email) return null;
  const who = label ?? lead.name ?? lead.email ?? (lead.phone ? formatPhone(lead.phone, country) : 'this lead');
  const hrefs = lead.phone ? phoneHrefs(lead.phone, country) : null;
  const cls = `contact-action${compact ? ' contact-action-compact' : ''}`;
  return (
    <span class={`contact-actions${compact ? ' is-compact' : ''}`}>
      {hrefs && (
        <a class={cls} href={hrefs.tel} aria-label={`Call ${who}`} data-contact="call">
          <PhoneGlyph />
          <span class="contact-action-label">Call</span>
        </a>
      )}
      {hrefs && (
        <a class={cls} href={hrefs.sms} aria-label={`Text ${who}`} data-contact="text">
          <TextGlyph />
          <span class="contact-action-label">Text</span>
        </a>
      )}
      {lead.email && (
        <a class={cls} href={`mailto:${lead.email}`} aria-label={`Email ${who}`} data-contact="email">
          <MailGlyph />
          <span class="contact-action-label">Email</span>
        </a>
      )}
    </span>
  );
}

function Glyph({ d }: { d: string }) {
  return (
    <svg class="contact-glyph" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
      <path d={d} />
    </svg>
  );
}
const PhoneGlyph = () => (
  <Glyph d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1 1 .4 1.9.7 2.8a2 2 0 0 1-.5 2.1L8 9.9a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.8.7a2 2 0 0 1 1.7 2z" />
);
const TextGlyph = () => <Glyph d="M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z" />;
const MailGlyph = () => <Glyph d="M4 4h16a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm18 2-10 7L2 6" />;
