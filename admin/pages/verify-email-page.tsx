import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, accountEmailApi, errorMessage, refreshSession, useSession } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { Field } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { AuthLayout } from '../components/layout.tsx';
import { showToast } from '../components/toast.tsx';
import type { FormProblem } from '../forms.ts';
import { HOME_PATH, Link, navigate } from '../router.tsx';
import { takeTokenFromFragment } from './account-token.ts';

type State =
  | { step: 'reading' }
  | { step: 'ready' }
  | { step: 'verifying' }
  | { step: 'password'; error?: string }
  | { step: 'done' }
  | { step: 'failed'; message: string; expired: boolean };

/** "Send a new link": a failure keeps its problem object, so the error summary takes focus once. */
type ResendState = { step: 'idle' | 'busy' | 'sent' } | { step: 'failed'; problem: FormProblem };

/**
 * `/app/verify-email#token=…`: the link from the email after signup. Opening it changes nothing:
 * the page says what the link does and posts the token when the person presses the button (mail
 * scanners and link previews open every link in a message). With SIGNUP_VERIFY_FIRST the
 * link is the first login: the page asks for the password chosen at signup (mailbox and password
 * together, so nobody can sign up with another person's address and have them confirm it), then
 * the API starts the session and the page goes to Today.
 */
export function VerifyEmailPage() {
  const session = useSession();
  const [state, setState] = useState<State>({ step: 'reading' });
  const [resendState, setResend] = useState<ResendState>({ step: 'idle' });
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const started = useRef(false);
  const tokenRef = useRef('');
  const clicked = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const token = takeTokenFromFragment();
    if (!token) {
      setState({ step: 'failed', message: 'This link has no token. Open the link from the email again, or ask for a new one.', expired: false });
      return;
    }
    tokenRef.current = token;
    setState({ step: 'ready' });
  }, []);

  // The pressed button is gone once the answer is in: focus goes to the password field when the
  // link asks for it, else to the heading, which names the outcome.
  useEffect(() => {
    if (!clicked.current) return;
    if (state.step === 'password') document.getElementById('verify-password')?.focus();
    else if (state.step === 'done' || state.step === 'failed') document.querySelector<HTMLElement>('.auth-title')?.focus();
  }, [state.step]);

  const start = () => {
    clicked.current = true;
    setState({ step: 'verifying' });
    void confirm();
  };

  /** Spends the link (with the password once the API asked for it). */
  const confirm = async (password?: string) => {
    try {
      const { loggedIn } = await accountEmailApi.verify(tokenRef.current, password);
      if (loggedIn) {
        showToast('Your email address is confirmed. Welcome to Porchlight!');
        navigate(HOME_PATH, { replace: true });
        return;
      }
      setState({ step: 'done' });
      void refreshSession().catch(() => undefined);
    } catch (err) {
      if (err instanceof ApiError && (err.code === 'password_required' || err.code === 'wrong_password')) {
        setState({ step: 'password', error: err.code === 'wrong_password' ? err.message : undefined });
        return;
      }
      setState({ step: 'failed', message: errorMessage(err), expired: err instanceof ApiError && err.status === 410 });
    }
  };

  const submitPassword = async (e: Event) => {
    e.preventDefault();
    if (!password) {
      setState({ step: 'password', error: 'Enter the password you chose when you signed up.' });
      return;
    }
    setBusy(true);
    await confirm(password);
    setBusy(false);
  };

  // A refused resend (429 after five an hour, the server unreachable) is shown above the button,
  // which stays for another try.
  const resend = async () => {
    setResend({ step: 'busy' });
    try {
      await accountEmailApi.resend();
      setResend({ step: 'sent' });
    } catch (err) {
      setResend({ step: 'failed', problem: { message: errorMessage(err) } });
    }
  };

  return (
    <AuthLayout title={state.step === 'failed' ? 'This link did not work' : 'Confirm your email address'}>
      {(state.step === 'ready' || state.step === 'verifying') && (
        <>
          <p>This link confirms the address it was sent to for your Porchlight account, so lead alerts can reach you there. Nothing happens until you confirm.</p>
          <Button class="btn-block" onClick={start} loading={state.step === 'verifying'} busyLabel="Confirming your email address…">
            Confirm my email address
          </Button>
        </>
      )}
      {state.step === 'password' && (
        <form class="form" onSubmit={submitPassword} noValidate>
          <p>To confirm your address and log in, enter the password you chose when you signed up.</p>
          <FormError problem={state.error ? { message: state.error } : null} />
          <Field
            id="verify-password"
            label="Password"
            type="password"
            autocomplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
          />
          <p class="small">
            Did not sign up, or forgot the password? <Link href="/forgot-password">Reset the password</Link> to use this address.
          </p>
          <Button type="submit" class="btn-block" loading={busy} busyLabel="Confirming…">
            Confirm and log in
          </Button>
        </form>
      )}
      {state.step === 'done' && (
        <>
          <p role="status">Your email address is confirmed. Lead alerts will reach you there.</p>
          <p>
            <Link href={session ? HOME_PATH : '/login'}>{session ? 'Go to your leads' : 'Log in'}</Link>
          </p>
        </>
      )}
      {state.step === 'failed' && (
        <>
          <p class="form-error" role="alert">
            {state.message}
          </p>
          {session && !session.user.emailVerified && (resendState.step === 'sent' ? (
            <p role="status">A new link is on its way.</p>
          ) : (
            <>
              <FormError problem={resendState.step === 'failed' ? resendState.problem : null} title="The link could not be sent" />
              <Button onClick={resend} loading={resendState.step === 'busy'} busyLabel="Sending…">
                Send a new link
              </Button>
            </>
          ))}
          {!session && <p>Log in to ask for a new link.</p>}
        </>
      )}
    </AuthLayout>
  );
}
