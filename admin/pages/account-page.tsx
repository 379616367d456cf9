// Account & security: the sign-in email (a change waits for the link sent to the new address),
// the password (changing it signs every other device out and rotates this session), the
// sessions signed in to the account, each of which can be ended from here, and deleting the
// account (the current password and typing DELETE confirm it; docs/accounts.md).
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS } from '#core/shared/field-limits.ts';
import { isEmail } from '#core/shared/contact-rules.ts';
import { type AccountInfo, type AccountSession, accountApi } from '../account-api.ts';
import { ApiError, errorMessage } from '../api-client.ts';
import { Badge } from '../components/badge.tsx';
import { Button } from '../components/button.tsx';
import { ConfirmDialog } from '../components/confirm-dialog.tsx';
import { EmptyState } from '../components/empty-state.tsx';
import { EmailField, Field, NewPasswordField } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Loaded } from '../components/loaded.tsx';
import { showToast } from '../components/toast.tsx';
import { formatDateTime, formatRelativeTime, plural } from '../format.ts';
import type { FieldErrors } from '../forms.ts';
import { navigate } from '../router.tsx';
import { type ApiState, useApi } from '../use-api.ts';
import { type ShownError, useForm } from '../use-form.ts';
import { userAgentLabel } from '../user-agent-label.ts';

const EMAIL_IDS = { newEmail: 'account-new-email', password: 'account-email-password' };
const PASSWORD_IDS = { currentPassword: 'account-current-password', newPassword: 'account-new-password', confirm: 'account-confirm-password' };

/** A 429 in minutes ("Too many attempts. Try again in 15 minutes."); the API's sentence without a Retry-After. */
function rateLimitMessage(err: ApiError): string {
  if (!err.retryAfterSeconds) return err.message;
  const minutes = Math.ceil(err.retryAfterSeconds / 60);
  return `Too many attempts. Try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}.`;
}

/**
 * The API's answers that belong under one field: a wrong current password under the password, an
 * address another account uses under the address; a 429 says when to try again.
 */
function explainAccountError(passwordField: string, emailField?: string) {
  return (err: unknown, shown: ShownError): ShownError => {
    if (!(err instanceof ApiError)) return shown;
    const field = err.code === 'wrong_password' ? passwordField : err.code === 'email_taken' ? emailField : undefined;
    if (field) {
      const ids: Record<string, string> = { ...EMAIL_IDS, ...PASSWORD_IDS };
      return { fields: { ...shown.fields, [field]: err.message }, problem: { message: 'There is a problem with this form', issues: [{ fieldId: ids[field], message: err.message }] } };
    }
    if (err.code === 'rate_limited') return { ...shown, problem: { ...shown.problem, message: rateLimitMessage(err) } };
    return shown;
  };
}

export function AccountPage() {
  const account = useApi((signal) => accountApi.get({ signal }), []);
  const sessions = useApi((signal) => accountApi.sessions({ signal }), []);
  return (
    <>
      <PageHeader title="Account & security" description="Your sign-in email, your password, and the devices signed in to Porchlight." />
      <div class="account-grid">
        <section class="card account-card" aria-labelledby="account-email-title">
          <h2 id="account-email-title" class="card-title">
            Sign-in email
          </h2>
          <Loaded state={account} loadingLabel="Loading your account…" errorTitle="Could not load your account">
            {(info) => <EmailSection info={info} onChange={account.setData} />}
          </Loaded>
        </section>
        <PasswordSection email={account.data?.email} onChanged={sessions.reload} />
        <SessionsSection state={sessions} />
        <DeleteAccountSection />
      </div>
    </>
  );
}

// ---- sign-in email -------------------------------------------------------------------------

function EmailSection({ info, onChange }: { info: AccountInfo; onChange(info: AccountInfo): void }) {
  const [cancelling, setCancelling] = useState(false);
  const { field, problem, busy, submit, setValues } = useForm({
    initial: { newEmail: '', password: '' },
    ids: EMAIL_IDS,
    validate: ({ newEmail, password }) => {
      const found: FieldErrors = {};
      const email = newEmail.trim();
      if (!email) found.newEmail = 'Enter the new address';
      else if (!isEmail(email)) found.newEmail = 'Enter a valid email address, like name@example.com';
      else if (email.toLowerCase() === info.email.toLowerCase()) found.newEmail = 'This is already your sign-in email';
      if (!password) found.password = 'Enter your current password';
      return found;
    },
    send: async ({ newEmail, password }) => {
      const { pendingEmail, expiresAt } = await accountApi.changeEmail(newEmail.trim(), password);
      onChange({ ...info, pendingEmail, pendingEmailExpiresAt: expiresAt });
      setValues(() => ({ newEmail: '', password: '' }));
    },
    explain: explainAccountError('password', 'newEmail'),
  });

  const cancel = async () => {
    setCancelling(true);
    try {
      await accountApi.cancelEmailChange();
      onChange({ ...info, pendingEmail: null, pendingEmailExpiresAt: null });
      showToast(`Email change cancelled. You still sign in with ${info.email}.`);
    } catch (err) {
      showToast(errorMessage(err), 'error');
    } finally {
      setCancelling(false);
    }
  };

  return (
    <>
      <p class="account-email">
        <strong class="account-address">{info.email}</strong>{' '}
        {info.emailVerified ? <Badge tone="success">Verified</Badge> : <Badge tone="warning">Not verified</Badge>}
      </p>
      {info.pendingEmail && (
        <div class="account-pending">
          <p role="status">
            We sent a link to <strong class="account-address">{info.pendingEmail}</strong>
            {info.pendingEmailExpiresAt && <> — it works until {formatDateTime(info.pendingEmailExpiresAt)}</>}. Your email stays{' '}
            <strong class="account-address">{info.email}</strong> until you open it.
          </p>
          <Button variant="secondary" size="sm" onClick={cancel} loading={cancelling} busyLabel="Cancelling…">
            Cancel change
          </Button>
        </div>
      )}
      <form class="form" onSubmit={submit} noValidate aria-labelledby="account-change-email-title">
        <h3 id="account-change-email-title" class="account-subheading">
          Change email
        </h3>
        <FormError problem={problem} />
        <EmailField label="New email" hint="We send a link there. Your sign-in email changes when you open it." required {...field('newEmail')} />
        <Field label="Current password" type="password" autocomplete="current-password" required {...field('password')} />
        <div class="form-actions">
          <Button type="submit" loading={busy} busyLabel="Sending…">
            {info.pendingEmail ? 'Send a new link' : 'Change email'}
          </Button>
        </div>
      </form>
    </>
  );
}

// ---- password ------------------------------------------------------------------------------

function PasswordSection({ email, onChanged }: { email: string | undefined; onChanged(): void }) {
  const initial = { currentPassword: '', newPassword: '', confirm: '' };
  const { field, problem, busy, submit, setValues } = useForm({
    initial,
    ids: PASSWORD_IDS,
    // The signup page's rules, in its words.
    validate: ({ currentPassword, newPassword, confirm }) => {
      const found: FieldErrors = {};
      if (!currentPassword) found.currentPassword = 'Enter your current password';
      if (newPassword.length < PASSWORD_MIN_CHARS) found.newPassword = `Use at least ${PASSWORD_MIN_CHARS} characters for your password`;
      else if (newPassword.length > PASSWORD_MAX_CHARS) found.newPassword = `Use at most ${PASSWORD_MAX_CHARS} characters for your password`;
      else if (newPassword === currentPassword) found.newPassword = 'Choose a password different from your current one';
      if (!found.newPassword && confirm !== newPassword) found.confirm = 'The two new passwords differ';
      return found;
    },
    send: async ({ currentPassword, newPassword }) => {
      const { signedOutSessions } = await accountApi.changePassword(currentPassword, newPassword);
      setValues(() => initial);
      showToast(
        signedOutSessions > 0
          ? `Password changed — ${plural(signedOutSessions, 'other session')} signed out`
          : 'Password changed — no other sessions were signed in',
      );
      onChanged();
    },
    explain: explainAccountError('currentPassword'),
  });

  return (
    <section class="card account-card" aria-labelledby="account-password-title">
      <h2 id="account-password-title" class="card-title">
        Password
      </h2>
      <p class="muted small">Changing it signs out every other device signed in to your account.</p>
      <form class="form" onSubmit={submit} noValidate aria-labelledby="account-password-title">
        <FormError problem={problem} />
        {/* For password managers: the account the new password belongs to. */}
        {email && <input type="email" name="username" autocomplete="username" value={email} readOnly hidden />}
        <Field label="Current password" type="password" autocomplete="current-password" required {...field('currentPassword')} />
        <NewPasswordField required {...field('newPassword')} />
        <Field label="Repeat the new password" type="password" autocomplete="new-password" required {...field('confirm')} />
        <div class="form-actions">
          <Button type="submit" loading={busy} busyLabel="Changing…">
            Change password
          </Button>
        </div>
      </form>
    </section>
  );
}

// ---- sessions ------------------------------------------------------------------------------

type SessionList = { items: AccountSession[] };

function SessionsSection({ state }: { state: ApiState<SessionList> }) {
  return (
    <section class="card account-card account-sessions" aria-labelledby="account-sessions-title">
      <h2 id="account-sessions-title" class="card-title">
        Where you’re signed in
      </h2>
      <p class="muted small">Sign out any session you do not recognise, then change your password.</p>
      <Loaded state={state} loadingLabel="Loading your sessions…" errorTitle="Could not load your sessions">
        {(data) => <Sessions items={data.items} setItems={(items) => state.setData({ items })} />}
      </Loaded>
    </section>
  );
}

function Sessions({ items, setItems }: { items: AccountSession[]; setItems(items: AccountSession[]): void }) {
  const [ending, setEnding] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [allBusy, setAllBusy] = useState(false);
  const [allError, setAllError] = useState<string | null>(null);
  const others = items.filter((s) => !s.current);
  const now = Date.now();

  const signOut = async (s: AccountSession) => {
    const label = userAgentLabel(s.userAgent);
    setEnding(s.sessionId);
    try {
      await accountApi.signOutSession(s.sessionId);
      showToast(`Signed out ${label}`);
      setItems(items.filter((x) => x.sessionId !== s.sessionId));
    } catch (err) {
      // Already ended (expired, or signed out elsewhere meanwhile): the row is stale either way.
      if (err instanceof ApiError && err.code === 'not_found') {
        showToast(`${label} was already signed out`, 'info');
        setItems(items.filter((x) => x.sessionId !== s.sessionId));
      } else showToast(errorMessage(err), 'error');
    } finally {
      setEnding(null);
    }
  };

  const signOutOthers = async () => {
    setAllBusy(true);
    setAllError(null);
    try {
      const { signedOut } = await accountApi.signOutOthers();
      setItems(items.filter((s) => s.current));
      setConfirming(false);
      showToast(`Signed out ${plural(signedOut, 'other session')}`);
    } catch (err) {
      setAllError(errorMessage(err));
    } finally {
      setAllBusy(false);
    }
  };

  return (
    <>
      <ul class="session-list">
        {/* This device first, then the API's order (most recently active first). */}
        {[...items].sort((a, b) => Number(b.current) - Number(a.current)).map((s) => {
          const label = userAgentLabel(s.userAgent);
          return (
            <li key={s.sessionId} class="session-row" data-session-id={s.sessionId}>
              <div class="session-info">
                <p class="session-device">
                  <span>{label}</span>
                  {s.current && <Badge tone="info">This device</Badge>}
                </p>
                <p class="session-meta">
                  <span>{s.ip ?? 'IP address unknown'}</span>
                  <span aria-hidden="true"> · </span>
                  {s.current ? (
                    <span>Active now</span>
                  ) : (
                    <span title={formatDateTime(s.lastSeenAt)}>Last active {formatRelativeTime(s.lastSeenAt, now)}</span>
                  )}
                  <span aria-hidden="true"> · </span>
                  <span title={formatDateTime(s.createdAt)}>Signed in {formatRelativeTime(s.createdAt, now)}</span>
                </p>
              </div>
              {!s.current && (
                <Button
                  variant="secondary"
                  size="sm"
                  class="session-action"
                  aria-label={`Sign out ${label}${s.ip ? ` at ${s.ip}` : ''}`}
                  onClick={() => signOut(s)}
                  loading={ending === s.sessionId}
                  busyLabel="Signing out…"
                >
                  Sign out
                </Button>
              )}
            </li>
          );
        })}
      </ul>
      {others.length === 0 ? (
        <EmptyState title="Only this device">You are not signed in to Porchlight anywhere else.</EmptyState>
      ) : (
        <div class="form-actions">
          <Button
            variant="secondary"
            onClick={() => {
              setAllError(null);
              setConfirming(true);
            }}
          >
            Sign out all other sessions
          </Button>
        </div>
      )}
      <ConfirmDialog
        open={confirming}
        title="Sign out all other sessions?"
        confirmLabel="Sign out others"
        danger
        busy={allBusy}
        error={allError}
        onConfirm={signOutOthers}
        onCancel={() => setConfirming(false)}
      >
        <p>
          {plural(others.length, 'other session')} will be signed out at once; this device stays signed in. Anyone using them has to log in again with
          your password.
        </p>
      </ConfirmDialog>
    </>
  );
}

// ---- delete account ------------------------------------------------------------------------

/** What the realtor types to confirm: a deliberate act, not a reflex click. */
const DELETE_WORD = 'DELETE';
const DELETE_IDS = { password: 'account-delete-password', confirm: 'account-delete-confirm' };

function DeleteAccountSection() {
  const summary = useApi((signal) => accountApi.deletionSummary({ signal }), []);
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const [typed, setTyped] = useState('');
  const [errors, setErrors] = useState<{ password?: string; confirm?: string }>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // The request in flight, read synchronously: a held-down Enter fires before `busy` re-renders.
  const sending = useRef(false);
  // The field to put focus on after the next render (the inputs are disabled while the request runs).
  const [focusTarget, setFocusTarget] = useState<{ id: string } | null>(null);
  // A layout effect: the focus moves as the error renders, not after the next paint, when whoever
  // answered the error may already be typing in another field (a browser test filling the password
  // field had its text land in the confirmation field, and the account deleted with the right one).
  useLayoutEffect(() => {
    if (focusTarget) document.getElementById(focusTarget.id)?.focus();
  }, [focusTarget]);

  const ask = () => {
    setPassword('');
    setTyped('');
    setErrors({});
    setProblem(null);
    setOpen(true);
  };

  const confirm = async () => {
    const found: { password?: string; confirm?: string } = {};
    if (!password) found.password = 'Enter your current password';
    if (typed.trim() !== DELETE_WORD) found.confirm = `Type ${DELETE_WORD} in capitals to confirm`;
    setErrors(found);
    if (found.password || found.confirm) {
      setProblem('Check the fields above: nothing was deleted.');
      setFocusTarget({ id: found.password ? DELETE_IDS.password : DELETE_IDS.confirm });
      return;
    }
    if (sending.current) return;
    sending.current = true;
    setBusy(true);
    setProblem(null);
    try {
      await accountApi.deleteAccount(password);
      navigate('/login', { replace: true });
      showToast('Your account was deleted. Its data is being erased; this email address can sign up again.', 'info', 15_000);
    } catch (err) {
      sending.current = false;
      setBusy(false);
      if (err instanceof ApiError && err.code === 'wrong_password') {
        setErrors({ password: err.message });
        setProblem('Your current password is not correct: nothing was deleted.');
        setFocusTarget({ id: DELETE_IDS.password });
      } else if (err instanceof ApiError && err.code === 'rate_limited') {
        setProblem(`${rateLimitMessage(err)} Nothing was deleted.`);
      } else {
        setProblem(errorMessage(err));
      }
    }
  };

  // Enter in either field confirms, as a form's submit would (the dialog's buttons are not a form's).
  const confirmOnEnter = (e: KeyboardEvent) => {
    if (e.key !== 'Enter' || busy) return;
    e.preventDefault();
    void confirm();
  };

  return (
    <section class="card card-danger account-card account-sessions" aria-labelledby="account-delete-title">
      <h2 id="account-delete-title" class="card-title">
        Delete account
      </h2>
      <Loaded state={summary} loadingLabel="Counting what your account holds…" errorTitle="Could not count what your account holds">
        {({ sites, leads }) =>
          sites === 0 && leads === 0 ? (
            <p>Deleting your account signs you out everywhere, revokes your API keys and erases your settings. It holds no sites or leads yet. It cannot be undone.</p>
          ) : (
            <p>
              Deleting your account signs you out everywhere, revokes your API keys, stops your {plural(sites, 'site')} collecting and your webhooks at
              once, and erases {plural(leads, 'lead')} with their inquiries, events, reminders and notes. It cannot be undone.
            </p>
          )
        }
      </Loaded>
      <div class="form-actions">
        <Button variant="danger" onClick={ask}>
          Delete account…
        </Button>
      </div>
      <ConfirmDialog
        open={open}
        title="Delete your account?"
        confirmLabel="Delete account"
        danger
        busy={busy}
        error={problem}
        onConfirm={confirm}
        onCancel={() => setOpen(false)}
      >
        <p>
          {summary.data ? `${plural(summary.data.sites, 'site')} and ${plural(summary.data.leads, 'lead')}` : 'Your sites and leads'}, with everything
          attached to them, will be erased. You will be signed out at once.
        </p>
        <div class="form">
          <Field
            label="Current password"
            type="password"
            autocomplete="current-password"
            id={DELETE_IDS.password}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            onKeyDown={confirmOnEnter}
            error={errors.password}
            disabled={busy}
          />
          <Field
            label={`Type ${DELETE_WORD} to confirm`}
            autocomplete="off"
            autocapitalize="characters"
            spellcheck={false}
            id={DELETE_IDS.confirm}
            value={typed}
            onInput={(e) => setTyped(e.currentTarget.value)}
            onKeyDown={confirmOnEnter}
            error={errors.confirm}
            disabled={busy}
          />
        </div>
      </ConfirmDialog>
    </section>
  );
}
