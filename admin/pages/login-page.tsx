import { useState } from 'preact/hooks';
import { ApiError, logIn } from '../api-client.ts';
import { Button } from '../components/button.tsx';
import { Field } from '../components/field.tsx';
import { FormError } from '../components/form-error.tsx';
import { AuthLayout } from '../components/layout.tsx';
import { clearToasts } from '../components/toast.tsx';
import { clientProblem, type FieldErrors, type FormProblem, splitApiError } from '../forms.ts';
import { HOME_PATH, Link, navigate, type RouteProps, safeNextPath, withNext } from '../router.tsx';

const IDS = { email: 'login-email', password: 'login-password' };

export function LoginPage({ query }: RouteProps) {
  const next = query.get('next');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [problem, setProblem] = useState<FormProblem | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const found: FieldErrors = {};
    if (!email.trim()) found.email = 'Enter your email address';
    if (!password) found.password = 'Enter your password';
    setErrors(found);
    if (Object.keys(found).length) {
      setProblem(clientProblem(found, IDS));
      return;
    }
    setBusy(true);
    setProblem(null);
    try {
      await logIn({ email: email.trim(), password });
      clearToasts();
      navigate(safeNextPath(next, HOME_PATH), { replace: true });
    } catch (err) {
      const { fields, problem } = splitApiError(err, IDS);
      setErrors(fields);
      if (err instanceof ApiError && err.code === 'invalid_credentials') setProblem({ message: 'Invalid email or password' });
      else setProblem(problem);
      setBusy(false);
    }
  };

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
        <Field
          id={IDS.email}
          label="Email"
          type="email"
          name="email"
          autocomplete="email"
          inputMode="email"
          required
          value={email}
          error={errors.email}
          onInput={(e) => setEmail(e.currentTarget.value)}
        />
        <Field
          id={IDS.password}
          label="Password"
          type="password"
          name="password"
          autocomplete="current-password"
          required
          value={password}
          error={errors.password}
          onInput={(e) => setPassword(e.currentTarget.value)}
        />
        <Button type="submit" class="btn-block" loading={busy}>
          {busy ? 'Logging in…' : 'Log in'}
        </Button>
      </form>
    </AuthLayout>
  );
}
