import { useState } from 'preact/hooks';
import { accountEmailApi } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { EmailField } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { AuthLayout } from '../components/layout.tsx';
import type { FieldErrors } from '../forms.ts';
import { Link } from '../router.tsx';
import { useForm } from '../use-form.ts';

/** "Forgot password?": asks for a reset link. The answer is the same whether or not the address has an account. */
export function ForgotPasswordPage() {
  const [sentTo, setSentTo] = useState<string | null>(null);
  const { field, problem, busy, submit } = useForm({
    initial: { email: '' },
    ids: { email: 'forgot-email' },
    validate: ({ email }): FieldErrors => (email.trim() ? {} : { email: 'Enter your email address' }),
    send: async ({ email }) => {
      await accountEmailApi.forgotPassword(email.trim());
      setSentTo(email.trim());
    },
  });
  return (
    <AuthLayout title="Reset your password" footer={<p><Link href="/login">Back to log in</Link></p>}>
      {sentTo ? (
        <p role="status">If an account uses {sentTo}, we have emailed it a link to choose a new password. The link works for 1 hour.</p>
      ) : (
        <form class="form" onSubmit={submit} noValidate>
          <FormError problem={problem} />
          <p>Enter the email address you log in with and we will send you a link to choose a new password.</p>
          <EmailField required {...field('email')} />
          <Button type="submit" class="btn-block" loading={busy} busyLabel="Sending…">
            Email me a reset link
          </Button>
        </form>
      )}
    </AuthLayout>
  );
}
