import { ApiError, logIn } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { EmailField, Field } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { AuthLayout } from '../components/layout.tsx';
import { clearToasts } from '../components/toast.tsx';
import type { FieldErrors } from '../forms.ts';
import { HOME_PATH, Link, navigate, type RouteProps, safeNextPath, withNext } from '../router.tsx';
import { useForm } from '../use-form.ts';

const IDS = { email: 'login-email', password: 'login-password' };

export function LoginPage({ query }: RouteProps) {
  const next = query.get('next');
  const { field, problem, busy, submit } = useForm({
    initial: { email: '', password: '' },
    ids: IDS,
    validate: ({ email, password }) => {
      const found: FieldErrors = {};
      if (!email.trim()) found.email = 'Enter your email address';
      if (!password) found.password = 'Enter your password';
      return found;
    },
    send: async ({ email, password }) => {
      await logIn({ email: email.trim(), password });
      clearToasts();
      navigate(safeNextPath(next, HOME_PATH), { replace: true });
    },
    // The server's sentence: with SIGNUP_VERIFY_FIRST it also tells a new user to confirm their address.
    explain: (err, shown) => (err instanceof ApiError && err.code === 'invalid_credentials' ? { ...shown, problem: { message: err.message || 'Invalid email or password' } } : shown),
  });

  return (
    <AuthLayout
      title="Log in"
      footer={
        <p>
          New to Porchlight? <Link href={withNext('/signup', next)}>Create an account</Link>
        </p>
      }
    >
      <form class="form" onSubmit={submit} noValidate>
        <FormError problem={problem} />
        <EmailField required {...field('email')} />
        <Field
          label="Password"
          type="password"
          autocomplete="current-password"
          required
          {...field('password')}
        />
        <p class="small">
          <Link href="/forgot-password">Forgot password?</Link>
        </p>
        <Button type="submit" class="btn-block" loading={busy} busyLabel="Logging in…">
          Log in
        </Button>
      </form>
    </AuthLayout>
  );
}
