// Editing a lead's name, email, phone and other contact info; only what changed is sent.
import { useLayoutEffect } from 'preact/hooks';
import { extraContactInfo } from '#core/shared/contact-info.ts';
import { isEmail } from '#core/shared/contact-rules.ts';
import { CONTACT_INFO_MAX_CHARS, CONTACT_NAME_MAX_CHARS, PHONE_MAX_CHARS } from '#core/shared/field-limits.ts';
import { type Lead, leadsApi, type UpdateLeadInput } from '../../api-client.ts';
import { Button } from '../../components/button.tsx';
import { EmailField, Field, TextAreaField } from '../../components/field.tsx';
import { FormError } from '../../components/form-error.tsx';
import type { FieldErrors } from '../../forms.ts';
import { useForm } from '../../use-form.ts';

const IDS = { name: 'lead-name', email: 'lead-email', phone: 'lead-phone', contactInfo: 'lead-contact-info' };
const KEYS = ['name', 'email', 'phone', 'contactInfo'] as const;

export function ContactForm({ lead, onSaved, onCancel }: { lead: Lead; onSaved(lead: Lead): void; onCancel(): void }) {
  // "Other contact info" starts empty when the stored text only repeats the email and phone (it is
  // generated from them and kept in step by the server): left alone, it is not sent.
  const initial = { name: lead.name ?? '', email: lead.email ?? '', phone: lead.phone ?? '', contactInfo: extraContactInfo(lead.contactInfo, lead.email, lead.phone) ?? '' };
  const form = useForm({
    initial: () => initial,
    ids: IDS,
    validate: ({ email }): FieldErrors => (email.trim() && !isEmail(email.trim()) ? { email: 'Enter a valid email address, like name@example.com' } : {}),
    // A 409 names the taken field ("Another lead already has this email address").
    send: async (values) => {
      // Send only what changed; an emptied field is cleared (null).
      const patch: UpdateLeadInput = {};
      for (const key of KEYS) {
        const next = values[key].trim();
        if (next !== initial[key]) patch[key] = next || null;
      }
      if (Object.keys(patch).length === 0) onCancel();
      else onSaved(await leadsApi.update(lead.leadId, patch));
    },
  });
  useLayoutEffect(() => document.getElementById(IDS.name)?.focus(), []);

  return (
    <form class="form" onSubmit={form.submit} noValidate>
      <FormError problem={form.problem} />
      <Field label="Name" autocomplete="off" maxLength={CONTACT_NAME_MAX_CHARS} {...form.field('name')} />
      <EmailField autocomplete="off" {...form.field('email')} />
      <Field label="Phone" type="tel" autocomplete="off" maxLength={PHONE_MAX_CHARS} {...form.field('phone')} />
      <TextAreaField
        class="field-prose"
        label="Other contact info"
        hint="Another way to reach them, the best time to call…"
        rows={2}
        maxLength={CONTACT_INFO_MAX_CHARS}
        {...form.field('contactInfo')}
      />
      <div class="form-actions">
        <Button type="submit" size="sm" loading={form.busy} busyLabel="Saving…">
          Save
        </Button>
        <Button variant="secondary" size="sm" onClick={onCancel} disabled={form.busy}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
