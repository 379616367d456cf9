// Deleting a lead (a request to erase someone's data), behind a dialog that says what goes.
import { useState } from 'preact/hooks';
import { errorMessage, type Lead, leadsApi } from '../../api-client.ts';
import { Button } from '../../components/button.tsx';
import { ConfirmDialog } from '../../components/confirm-dialog.tsx';
import { showToast } from '../../components/toast.tsx';
import { leadDisplayName } from '../../lead-format.ts';
import { navigate } from '../../router.tsx';

export function DeleteLeadCard({ lead }: { lead: Lead }) {
  const name = leadDisplayName(lead);
  const [confirming, setConfirming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const remove = async () => {
    setDeleting(true);
    setError(null);
    try {
      await leadsApi.remove(lead.leadId);
      navigate('/leads');
      showToast(`Deleted ${name} and everything recorded about them.`);
    } catch (err) {
      setError(errorMessage(err));
      setDeleting(false);
    }
  };

  return (
    <section class="card card-danger" aria-labelledby="delete-lead-title">
      <h2 id="delete-lead-title" class="card-title">
        Delete this lead
      </h2>
      <p class="muted small">For a request to erase someone’s data. Their inquiries, activity and reminders are erased too.</p>
      <Button variant="danger" size="sm" onClick={() => setConfirming(true)}>
        Delete lead…
      </Button>
      <ConfirmDialog
        open={confirming}
        title={`Delete ${name}?`}
        confirmLabel="Delete lead"
        danger
        busy={deleting}
        error={error}
        onConfirm={remove}
        onCancel={() => {
          setConfirming(false);
          setError(null);
        }}
      >
        <p>This permanently erases:</p>
        <ul>
          <li>their contact details, status and score;</li>
          <li>every inquiry they sent or you added;</li>
          <li>their recorded activity on your sites (visits, saved listings, showing requests);</li>
          <li>their follow-up reminders.</li>
        </ul>
        <p>This can’t be undone. If they send a new inquiry later, they come back as a new lead.</p>
      </ConfirmDialog>
    </section>
  );
}
