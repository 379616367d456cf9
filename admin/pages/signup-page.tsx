import { isEmail } from '#core/shared/contact-rules.ts';
import { PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS, USERNAME_MAX_CHARS } from '#core/shared/field-limits.ts';
import { signUp } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { EmailField, Field, NewPasswordField } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { AuthLayout } from '../components/layout.tsx';
import { clearToasts } from '../components/toast.tsx';
import type { FieldErrors } from '../forms.ts';
import { HOME_PATH, Link, navigate, type RouteProps, safeNextPath, withNext } from '../router.tsx';
import { useState } from 'preact/hooks';
import { useForm } from '../use-form.ts';

const IDS = { username: 'signup-username', email: 'signup-email', password: 'signup-password' };

function validate(values: { username: string; email: string; password: string }): FieldErrors {
  const errors: FieldErrors = {};
  const username = values.username.trim();
  if (!username) errors.username = 'Enter a name to show in Porchlight';
  else if (username.length > USERNAME_MAX_CHARS) errors.username = `Use at most ${USERNAME_MAX_CHARS} characters for your name`;
  const email = values.email.trim();
  if (!email) errors.email = 'Enter your email address';
  else if (!isEmail(email)) errors.email = 'Enter a valid email address, like name@example.com';
  if (values.password.length < PASSWORD_MIN_CHARS) errors.password = `Use at least ${PASSWORD_MIN_CHARS} characters for your password`;
  else if (values.password.length > PASSWORD_MAX_CHARS) errors.password = `Use at most ${PASSWORD_MAX_CHARS} characters for your password`;
  return errors;
}

export function SignupPage({ query }: RouteProps) {
  const next = query.get('next');
  const [checkEmail, setCheckEmail] = useState(false);
  const { field, problem, busy, submit } = useForm({
    initial: { username: '', email: '', password: '' },
    ids: IDS,
    validate,
    send: async ({ username, email, password }) => {
      const session = await signUp({ username: username.trim(), email: email.trim(), password });
      if (!session) {
        setCheckEmail(true);
        return;
      }
      clearToasts();
      navigate(safeNextPath(next, HOME_PATH), { replace: true });
    },
    explain: (err, shown) => {
      if ((err as { code?: string }).code !== 'email_taken') return shown;
      const message = 'An account with this email already exists. Log in instead?';
      return { fields: { ...shown.fields, email: message }, problem: { ...shown.problem, issues: [{ fieldId: IDS.email, message }] } };
    },
  });

  return (
    <AuthLayout
      title="Create your account"
      footer={
        <p>
          Already have an account? <Link href={withNext('/login', next)}>Log in</Link>
        </p>
      }
    >
      {checkEmail && (
        <p role="status">Check your email to continue.</p>
      )}
      <form class="form" onSubmit={submit} noValidate hidden={checkEmail}>
        <FormError problem={problem} />
        <Field
          label="Your name"
          hint="Shown in Porchlight; you log in with your email."
          autocomplete="name"
          maxLength={USERNAME_MAX_CHARS}
          required
          {...field('username')}
        />
        {/* The email is the login: password managers save it as the username with the new password. */}
        <EmailField required autocomplete="username" {...field('email')} />
        <NewPasswordField label="Password" required {...field('password')} />
        <Button type="submit" class="btn-block" loading={busy} busyLabel="Creating account…">
          Create account
        </Button>
      </form>
    </AuthLayout>
  );
}
