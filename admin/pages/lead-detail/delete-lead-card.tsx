// Deleting a lead (a request to erase someone's data), behind a dialog that says what goes.
import { type Lead, leadsApi } from '../../api-client.ts';
import { Button } from '../../components/button.tsx';
import { ConfirmDialog, useConfirmedAction } from '../../components/confirm-dialog.tsx';
import { showToast } from '../../components/toast.tsx';
import { leadDisplayName } from '../../lead-format.ts';
import { lastLeadsPath } from '../../leads-list-memory.ts';
import { navigate } from '../../router.tsx';

export function DeleteLeadCard({ lead }: { lead: Lead }) {
  const name = leadDisplayName(lead);

  const deletion = useConfirmedAction(async () => {
    await leadsApi.remove(lead.leadId);
    navigate(lastLeadsPath()); // the list as the realtor left it, filters kept
    showToast(`Deleted ${name} and everything recorded about them.`);
  });

  return (
    <section class="card card-danger" aria-labelledby="delete-lead-title">
      <h2 id="delete-lead-title" class="card-title">
        Delete this lead
      </h2>
      <p class="muted small">For a request to erase someone’s data. Their inquiries, activity and reminders are erased too.</p>
      <Button variant="danger" size="sm" onClick={deletion.ask}>
        Delete lead…
      </Button>
      <ConfirmDialog
        {...deletion.dialog}
        title={`Delete ${name}?`}
        confirmLabel="Delete lead"
        danger
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
