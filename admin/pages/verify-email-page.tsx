import { useEffect, useRef, useState } from 'preact/hooks';
import { accountEmailApi, ApiError, errorMessage, refreshSession, useSession } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { AuthLayout } from '../components/layout.tsx';
import { Loading } from '../components/spinner.tsx';
import { showToast } from '../components/toast.tsx';
import { HOME_PATH, Link, navigate } from '../router.tsx';
import { takeTokenFromFragment } from './account-token.ts';

type State = { step: 'verifying' } | { step: 'done' } | { step: 'failed'; message: string; expired: boolean };

/**
 * `/app/verify-email#token=…`: the link from the email after signup. With SIGNUP_VERIFY_FIRST the
 * link is the first login: the API starts the session and the page goes straight to the leads.
 */
export function VerifyEmailPage() {
  const session = useSession();
  const [state, setState] = useState<State>({ step: 'verifying' });
  const [resent, setResent] = useState(false);
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const token = takeTokenFromFragment();
    if (!token) {
      setState({ step: 'failed', message: 'This link has no token. Open the link from the email again, or ask for a new one.', expired: false });
      return;
    }
    accountEmailApi.verify(token).then(
      ({ loggedIn }) => {
        if (loggedIn) {
          showToast('Your email address is confirmed. Welcome to Porchlight!');
          navigate(HOME_PATH, { replace: true });
          return;
        }
        setState({ step: 'done' });
        void refreshSession().catch(() => undefined);
      },
      (err: unknown) => setState({ step: 'failed', message: errorMessage(err), expired: err instanceof ApiError && err.status === 410 }),
    );
  }, []);

  const resend = async () => {
    await accountEmailApi.resend();
    setResent(true);
  };

  return (
    <AuthLayout title={state.step === 'failed' ? 'This link did not work' : 'Confirm your email address'}>
      {state.step === 'verifying' && <Loading label="Confirming your email address…" />}
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
          {session && !session.user.emailVerified && (resent ? <p role="status">A new link is on its way.</p> : <Button onClick={resend}>Send a new link</Button>)}
          {!session && <p>Log in to ask for a new link.</p>}
        </>
      )}
    </AuthLayout>
  );
}
