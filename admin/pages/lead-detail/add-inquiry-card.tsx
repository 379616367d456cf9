// "Add an inquiry": a call, an email or a chat at an open house, entered by hand.
import { INQUIRY_MESSAGE_MAX_CHARS, LISTING_REF_MAX_CHARS } from '#core/shared/field-limits.ts';
import { leadsApi } from '../../api-client.ts';
import { Button } from '../../components/button.tsx';
import { Field, TextAreaField } from '../../components/field.tsx';
import { FormError } from '../../components/form-error.tsx';
import { showToast } from '../../components/toast.tsx';
import type { FieldErrors } from '../../forms.ts';
import { useForm } from '../../use-form.ts';

const IDS = { message: 'inquiry-message', listingRef: 'inquiry-listing' };
const EMPTY = { message: '', listingRef: '' };

function validate({ message }: typeof EMPTY): FieldErrors {
  if (!message.trim()) return { message: 'Write what they asked or said' };
  if (message.length > INQUIRY_MESSAGE_MAX_CHARS) return { message: `Use at most ${INQUIRY_MESSAGE_MAX_CHARS} characters` };
  return {};
}

/** `onAdded` gets the inquiry's time, so the page can wait for a rescore that counts it. */
export function AddInquiryCard({ leadId, onAdded }: { leadId: string; onAdded(createdAt: string): void }) {
  const form = useForm({
    initial: EMPTY,
    ids: IDS,
    validate,
    send: async ({ message, listingRef }) => {
      const inquiry = await leadsApi.addInquiry(leadId, { message: message.trim(), ...(listingRef.trim() ? { listingRef: listingRef.trim() } : {}) });
      form.setValues(() => EMPTY);
      showToast('Inquiry added.');
      onAdded(inquiry?.createdAt ?? new Date().toISOString());
    },
  });

  return (
    <section class="card" aria-labelledby="add-inquiry-title">
      <h2 id="add-inquiry-title" class="card-title">
        Add an inquiry
      </h2>
      <p class="muted small">A call, an email or a chat at an open house. It counts towards the score like one from your website.</p>
      <form class="form" onSubmit={form.submit} noValidate>
        <FormError problem={form.problem} />
        <TextAreaField
          class="field-prose"
          label="Message"
          rows={3}
          maxLength={INQUIRY_MESSAGE_MAX_CHARS}
          required
          {...form.field('message')}
        />
        <Field
          label="Listing (optional)"
          hint="The listing it is about, e.g. its MLS number."
          autocomplete="off"
          maxLength={LISTING_REF_MAX_CHARS}
          {...form.field('listingRef')}
        />
        <div class="form-actions">
          <Button type="submit" loading={form.busy} busyLabel="Adding…">
            Add inquiry
          </Button>
        </div>
      </form>
    </section>
  );
}
