// The top of a lead's page on any screen: the number and address to reach them, and Call / Text /
// Email as big tap targets (a realtor opens a lead to call it).
import { ContactActions, PhoneLink } from './contact-actions.tsx';
import { leadDisplayName } from '../lead-format.ts';

export function LeadContactBar({ lead }: { lead: { name: string | null; email: string | null; phone: string | null } }) {
  if (!lead.phone && !lead.email) {
    return <p class="lead-contact-bar muted small">No phone number or email yet — add one under Contact.</p>;
  }
  return (
    <section class="lead-contact-bar" aria-label="Reach this lead">
      <p class="lead-contact-lines">
        {lead.phone && <PhoneLink phone={lead.phone} class="lead-contact-phone" />}
        {lead.email && (
          <a href={`mailto:${lead.email}`} class="lead-contact-email">
            {lead.email}
          </a>
        )}
      </p>
      <ContactActions lead={lead} label={leadDisplayName(lead)} />
    </section>
  );
}
