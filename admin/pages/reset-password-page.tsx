import { useState } from 'preact/hooks';
import { PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS } from '#core/shared/field-limits.ts';
import { accountEmailApi } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { Field, NewPasswordField } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { AuthLayout } from '../components/layout.tsx';
import type { FieldErrors } from '../forms.ts';
import { Link } from '../router.tsx';
import { useForm } from '../use-form.ts';
import { takeTokenFromFragment } from './account-token.ts';

/** `/app/reset-password#token=…`: the link from the "Forgot password" email. */
export function ResetPasswordPage() {
  const [token] = useState(takeTokenFromFragment);
  const [done, setDone] = useState(false);
  const { field, problem, busy, submit } = useForm({
    initial: { password: '', confirm: '' },
    ids: { password: 'reset-password', confirm: 'reset-confirm' },
    validate: ({ password, confirm }) => {
      const found: FieldErrors = {};
      if (password.length < PASSWORD_MIN_CHARS) found.password = `Use at least ${PASSWORD_MIN_CHARS} characters`;
      else if (password.length > PASSWORD_MAX_CHARS) found.password = `Use at most ${PASSWORD_MAX_CHARS} characters`;
      if (confirm !== password) found.confirm = 'The two passwords differ';
      return found;
    },
    send: async ({ password }) => {
      await accountEmailApi.resetPassword(token ?? '', password);
      setDone(true);
    },
  });
  if (!token) {
    return (
      <AuthLayout title="This link did not work">
        <p class="form-error" role="alert">This link has no token. Open the link from the email again, or <Link href="/forgot-password">ask for a new one</Link>.</p>
      </AuthLayout>
    );
  }
  return (
    <AuthLayout title="Choose a new password" footer={<p><Link href="/forgot-password">Ask for a new link</Link></p>}>
      {done ? (
        <p role="status">Your password is changed and every session was logged out. <Link href="/login">Log in</Link> with the new password.</p>
      ) : (
        <form class="form" onSubmit={submit} noValidate>
          <FormError problem={problem} />
          <NewPasswordField required {...field('password')} />
          <Field label="Repeat the new password" type="password" autocomplete="new-password" required {...field('confirm')} />
          <Button type="submit" class="btn-block" loading={busy} busyLabel="Saving…">
            Set new password
          </Button>
        </form>
      )}
    </AuthLayout>
  );
}
