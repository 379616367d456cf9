import { useEffect, useState } from 'preact/hooks';
import { accountEmailApi, errorMessage, refreshSession, useSession } from '../api-client.ts';
import { Button } from './button.tsx';

/** Above every page: email is not configured on the server, or the user's address is not confirmed yet. */
export function EmailBanner() {
  const session = useSession();
  const [resend, setResend] = useState<'idle' | 'busy' | 'sent' | string>('idle');
  // Login and signup answers do not say whether email is configured; /v1/auth/me does.
  const needsMailer = session !== null && session.mailer === undefined;
  useEffect(() => {
    if (needsMailer) void refreshSession().catch(() => undefined);
  }, [needsMailer]);
  if (!session) return null;
  const send = async () => {
    setResend('busy');
    try {
      await accountEmailApi.resend();
      setResend('sent');
    } catch (err) {
      setResend(errorMessage(err));
    }
  };
  return (
    <>
      {session.mailer && !session.mailer.configured && (
        <div class="banner banner-warning" role="note">
          Email is not configured — alerts and account emails are not sent (a development server writes them to its log). Set <code>SMTP_URL</code> to send them.
        </div>
      )}
      {!session.user.emailVerified && (
        <div class="banner banner-info" role="note">
          {/* Alerts and digests go only to a confirmed address (docs/email.md, address_unconfirmed). */}
          <span>Confirm your email address ({session.user.email}) to receive lead alerts — until then none are sent.</span>
          {resend === 'sent' ? (
            <span role="status">A new link is on its way.</span>
          ) : (
            <Button size="sm" variant="secondary" loading={resend === 'busy'} onClick={send}>
              Resend the link
            </Button>
          )}
          {resend !== 'idle' && resend !== 'busy' && resend !== 'sent' && <span role="alert">{resend}</span>}
        </div>
      )}
    </>
  );
}
