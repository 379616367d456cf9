// "Add lead": a person met at an open house or who phoned in, entered by hand.
import { useLayoutEffect, useState } from 'preact/hooks';
import { isEmail } from '#core/shared/contact-rules.ts';
import { CONTACT_INFO_MAX_CHARS, CONTACT_NAME_MAX_CHARS, PHONE_MAX_CHARS } from '#core/shared/field-limits.ts';
import { ApiError, type CreateLeadInput, type Lead, leadsApi, type Site } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { EmailField, Field, SelectField, TextAreaField } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import type { FieldErrors } from '../forms.ts';
import { LEAD_STATUSES, siteOptions } from '../lead-format.ts';
import { Link } from '../router.tsx';
import { useForm } from '../use-form.ts';

const IDS = { name: 'new-lead-name', email: 'new-lead-email', phone: 'new-lead-phone', contactInfo: 'new-lead-contact-info', siteId: 'new-lead-site', status: 'new-lead-status' };

export interface AddLeadFormProps {
  sites: Site[];
  onCreated(lead: Lead): void;
  onCancel(): void;
}

/** The lead that already holds a duplicate email or phone (a 409's details name it). */
function existingLeadId(err: unknown): string | null {
  if (!(err instanceof ApiError) || err.status !== 409 || !Array.isArray(err.details)) return null;
  const hit = (err.details as Array<{ leadId?: unknown }>).find((d) => typeof d?.leadId === 'string');
  return (hit?.leadId as string | undefined) ?? null;
}

export function AddLeadForm({ sites, onCreated, onCancel }: AddLeadFormProps) {
  const [existing, setExisting] = useState<string | null>(null);
  const { values, set, field, problem, busy, submit } = useForm({
    initial: { name: '', email: '', phone: '', contactInfo: '', siteId: '', status: 'new' },
    ids: IDS,
    validate: ({ name, email, phone }) => {
      const found: FieldErrors = {};
      if (!name.trim() && !email.trim() && !phone.trim()) found.name = 'Enter at least a name, an email address or a phone number';
      if (email.trim() && !isEmail(email.trim())) found.email = 'Enter a valid email address, like name@example.com';
      return found;
    },
    send: async (values) => {
      const input: CreateLeadInput = { status: values.status as CreateLeadInput['status'] };
      if (values.name.trim()) input.name = values.name.trim();
      if (values.email.trim()) input.email = values.email.trim();
      if (values.phone.trim()) input.phone = values.phone.trim();
      if (values.contactInfo.trim()) input.contactInfo = values.contactInfo.trim();
      if (values.siteId) input.siteId = values.siteId;
      setExisting(null);
      try {
        onCreated(await leadsApi.create(input));
      } catch (err) {
        // A 409 names the field(s) already taken and the lead that holds them.
        setExisting(existingLeadId(err));
        throw err;
      }
    },
  });

  useLayoutEffect(() => document.getElementById(IDS.name)?.focus(), []);

  return (
    <form class="form form-wide" onSubmit={submit} noValidate>
      <FormError problem={problem} />
      {existing && (
        <p>
          <Link href={`/leads/${existing}`}>Open the lead who already has these details</Link>
        </p>
      )}
      <div class="form-grid">
        <Field label="Name" autocomplete="off" maxLength={CONTACT_NAME_MAX_CHARS} {...field('name')} />
        <EmailField autocomplete="off" {...field('email')} />
        <Field label="Phone" type="tel" autocomplete="off" maxLength={PHONE_MAX_CHARS} {...field('phone')} />
        <SelectField id={IDS.siteId} label="Site" value={values.siteId} onChange={set('siteId')} options={siteOptions(sites)} />
        <SelectField id={IDS.status} label="Status" value={values.status} onChange={set('status')} options={LEAD_STATUSES} />
      </div>
      <TextAreaField
        class="field-prose"
        label="Other contact info"
        hint="Another way to reach them, the best time to call… (optional)"
        rows={2}
        maxLength={CONTACT_INFO_MAX_CHARS}
        {...field('contactInfo')}
      />
      <div class="form-actions">
        <Button type="submit" loading={busy} busyLabel="Adding…">
          Add lead
        </Button>
        <Button variant="secondary" onClick={onCancel} disabled={busy}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
