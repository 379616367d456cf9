import { useState } from 'preact/hooks';
import { signUp } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { Field } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { AuthLayout } from '../components/layout.tsx';
import { clearToasts } from '../components/toast.tsx';
import { clientProblem, type FieldErrors, type FormProblem, splitApiError } from '../forms.ts';
import { HOME_PATH, Link, navigate, type RouteProps, safeNextPath, withNext } from '../router.tsx';

/** Mirrors the server's rules (core/accounts/account-schemas.ts) for instant feedback. */
export const PASSWORD_MIN_LENGTH = 10;
const USERNAME_MAX_LENGTH = 50;
const IDS = { username: 'signup-username', email: 'signup-email', password: 'signup-password' };

function validate(values: { username: string; email: string; password: string }): FieldErrors {
  const errors: FieldErrors = {};
  const username = values.username.trim();
  if (!username) errors.username = 'Enter a name to show in Porchlight';
  else if (username.length > USERNAME_MAX_LENGTH) errors.username = `Use at most ${USERNAME_MAX_LENGTH} characters for your name`;
  const email = values.email.trim();
  if (!email) errors.email = 'Enter your email address';
  else if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) errors.email = 'Enter a valid email address, like name@example.com';
  if (values.password.length < PASSWORD_MIN_LENGTH) errors.password = `Use at least ${PASSWORD_MIN_LENGTH} characters for your password`;
  return errors;
}

export function SignupPage({ query }: RouteProps) {
  const next = query.get('next');
  const [values, setValues] = useState({ username: '', email: '', password: '' });
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof values) => (e: { currentTarget: HTMLInputElement }) => setValues({ ...values, [key]: e.currentTarget.value });

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = validate(values);
    setErrors(found);
    if (Object.keys(found).length) {
      setProblem(clientProblem(found, IDS));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await signUp({ username: values.username.trim(), email: values.email.trim(), password: values.password });
      clearToasts();
      navigate(safeNextPath(next, HOME_PATH), { replace: true });
    } catch (err) {
      const { fields, problem } = splitApiError(err, IDS);
      if ((err as { code?: string }).code === 'email_taken') {
        fields.email = 'An account with this email already exists. Log in instead?';
        problem.issues = [{ fieldId: IDS.email, message: fields.email }];
      }
      setErrors(fields);
      setProblem(problem);
      setBusy(false);
    }
  };

  return (
    <AuthLayout
      title="Create your account"
      footer={
        <p>
          Already have an account? <Link href={withNext('/login', next)}>Log in</Link>
        </p>
      }
    >
      <form class="form" onSubmit={submit} noValidate>
        <FormError problem={problem} />
        <Field
          id={IDS.username}
          label="Your name"
          hint="Shown in Porchlight; you log in with your email."
          name="username"
          autocomplete="username"
          maxLength={USERNAME_MAX_LENGTH}
          required
          value={values.username}
          error={errors.username}
          onInput={set('username')}
        />
        <Field
          id={IDS.email}
          label="Email"
          type="email"
          name="email"
          autocomplete="email"
          inputMode="email"
          required
          value={values.email}
          error={errors.email}
          onInput={set('email')}
        />
        <Field
          id={IDS.password}
          label="Password"
          hint={`At least ${PASSWORD_MIN_LENGTH} characters.`}
          type="password"
          name="password"
          autocomplete="new-password"
          minLength={PASSWORD_MIN_LENGTH}
          required
          value={values.password}
          error={errors.password}
          onInput={set('password')}
        />
        <Button type="submit" class="btn-block" loading={busy}>
          {busy ? 'Creating account…' : 'Create account'}
        </Button>
      </form>
    </AuthLayout>
  );
}
