import { useEffect, useRef, useState } from 'preact/hooks';
import { accountApi } from '../account-api.ts';
import { ApiError, errorMessage, refreshSession, useSession } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { AuthLayout } from '../components/layout.tsx';
import { Link, withNext } from '../router.tsx';
import { takeTokenFromFragment } from './account-token.ts';

type State = { step: 'reading' } | { step: 'ready' } | { step: 'confirming' } | { step: 'done'; email: string } | { step: 'failed'; message: string };

const START_AGAIN = 'Start the change again under Account & security.';

/** What each refusal of the link means for the realtor, and what to do next. */
function failureMessage(err: unknown): string {
  if (!(err instanceof ApiError)) return errorMessage(err);
  switch (err.code) {
    case 'token_invalid':
      return `This link is not valid. A newer change email, or cancelling the change, stops the older link. ${START_AGAIN}`;
    case 'token_used':
      return 'This link was already used. If it changed your sign-in email, log in with the new address.';
    case 'token_expired':
      return `This link has expired: links work for 24 hours. ${START_AGAIN}`;
    case 'email_taken':
      return `Another Porchlight account now uses this address, so your sign-in email did not change. ${START_AGAIN}`;
    default:
      return errorMessage(err);
  }
}

/**
 * The token of the link: in the fragment, as the account emails send it (never sent to a server),
 * or in the query string; taken out of the address bar and history either way.
 */
function takeToken(): string | null {
  const fromFragment = takeTokenFromFragment();
  if (fromFragment) return fromFragment;
  const url = new URL(window.location.href);
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) {
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.pathname + url.search);
  }
  return fromQuery;
}

/**
 * `/app/confirm-email#token=…`: the link emailed to a new sign-in address. The page says what the
 * link does and changes nothing until the person presses the button: mail scanners and link
 * previews open every link in a message, and opening must not spend it. Confirming makes that
 * address the sign-in email, signed in or not (the link alone proves the mailbox; the password was
 * asked when the change was requested).
 */
export function ConfirmEmailPage() {
  const session = useSession();
  const [state, setState] = useState<State>({ step: 'reading' });
  const started = useRef(false);
  const tokenRef = useRef('');
  const clicked = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const token = takeToken();
    if (!token) {
      setState({ step: 'failed', message: `This link has no token. Open the link from the email again. ${START_AGAIN}` });
      return;
    }
    tokenRef.current = token;
    setState({ step: 'ready' });
  }, []);

  // The pressed button is gone once the answer is in: focus goes to the heading, which names it.
  useEffect(() => {
    if (clicked.current && (state.step === 'done' || state.step === 'failed')) document.querySelector<HTMLElement>('.auth-title')?.focus();
  }, [state.step]);

  const confirm = () => {
    clicked.current = true;
    setState({ step: 'confirming' });
    accountApi.confirmEmailChange(tokenRef.current).then(
      async ({ email }) => {
        // Signed in: the session's user now carries the new address (unless the link was for
        // another account than the one signed in in this browser).
        await refreshSession().catch(() => undefined);
        setState({ step: 'done', email });
      },
      (err: unknown) => setState({ step: 'failed', message: failureMessage(err) }),
    );
  };

  return (
    <AuthLayout title={state.step === 'failed' ? 'This link did not work' : state.step === 'done' ? 'Sign-in email changed' : 'Confirm your new email'}>
      {(state.step === 'ready' || state.step === 'confirming') && (
        <>
          <p>This link makes the address it was sent to the sign-in email of a Porchlight account. Nothing changes until you confirm.</p>
          <Button class="btn-block" onClick={confirm} loading={state.step === 'confirming'} busyLabel="Confirming your new email…">
            Confirm my new email
          </Button>
        </>
      )}
      {state.step === 'done' && (session && session.user.email.toLowerCase() !== state.email.toLowerCase() ? (
        <>
          <p role="status">
            That account’s sign-in email is now <strong class="account-address">{state.email}</strong>.
          </p>
          <p>
            This browser is signed in to another account (<span class="account-address">{session.user.email}</span>): log out, then log in with the new email.
          </p>
        </>
      ) : (
        <>
          <p role="status">
            Your sign-in email is now <strong class="account-address">{state.email}</strong>.
          </p>
          <p>{session ? <Link href="/account">Back to Account & security</Link> : <Link href={withNext('/login', '/account')}>Log in with your new email</Link>}</p>
        </>
      ))}
      {state.step === 'failed' && (
        <>
          <p class="form-error" role="alert">
            {state.message}
          </p>
          <p>{session ? <Link href="/account">Go to Account & security</Link> : <Link href={withNext('/login', '/account')}>Log in</Link>}</p>
        </>
      )}
    </AuthLayout>
  );
}
