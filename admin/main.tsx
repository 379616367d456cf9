// Entry of the admin SPA: the route table, the session gate and focus handling on navigation.
import './styles.css';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { errorMessage, refreshSession, setUnauthorizedHandler, useSession } from './api-client.ts';
import { Button } from './components/button.tsx';
import { AuthLayout, Layout } from './components/layout.tsx';
import { Loading } from './components/spinner.tsx';
import { showToast, ToastRegion } from './components/toast.tsx';
import { lazyPage } from './components/lazy-page.tsx';
import { LeadDetailPage } from './pages/lead-detail/lead-detail-page.tsx';
import { LeadsPage } from './pages/leads-page.tsx';
import { TodayPage } from './pages/today-page.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { ForgotPasswordPage } from './pages/forgot-password-page.tsx';
import { ResetPasswordPage } from './pages/reset-password-page.tsx';
import { SettingsPage } from './pages/settings-page.tsx';
import { SignupPage } from './pages/signup-page.tsx';
import { VerifyEmailPage } from './pages/verify-email-page.tsx';
import { ConfirmEmailPage } from './pages/confirm-email-page.tsx';
import { SiteDetailPage } from './pages/site-detail-page.tsx';
import { SitesPage } from './pages/sites-page.tsx';
import { currentPathAndQuery, HOME_PATH, matchRoute, Redirect, type Route, safeNextPath, useLocation } from './router.tsx';

/** First match wins. Pages get `{ params, query }`; non-public ones render inside <Layout>. */
const ROUTES: Route[] = [
  { path: '/', component: () => <Redirect to={HOME_PATH} /> },
  { path: '/login', component: LoginPage, public: true },
  { path: '/signup', component: SignupPage, public: true },
  { path: '/forgot-password', component: ForgotPasswordPage, public: true },
  { path: '/reset-password', component: ResetPasswordPage, public: true },
  { path: '/verify-email', component: VerifyEmailPage, public: true },
  // The link to a new sign-in address: works signed out too (it may open on another device).
  { path: '/confirm-email', component: ConfirmEmailPage, public: true },
  { path: '/settings', component: SettingsPage },
  { path: '/account', component: lazyPage(() => import('./pages/account-page.tsx').then((m) => m.AccountPage), 'Loading your account…') },
  { path: '/sites', component: SitesPage },
  { path: '/sites/:id', component: SiteDetailPage },
  { path: '/today', component: TodayPage },
  { path: '/leads', component: LeadsPage },
  // Before /leads/:id, which would take "import" for a lead id.
  { path: '/leads/import', component: lazyPage(() => import('./pages/import-page.tsx').then((m) => m.ImportPage), 'Loading the import…') },
  { path: '/leads/:id', component: LeadDetailPage },
  { path: '/board', component: lazyPage(() => import('./pages/board-page.tsx').then((m) => m.BoardPage), 'Loading your pipeline…') },
  { path: '/reminders', component: lazyPage(() => import('./pages/reminders-page.tsx').then((m) => m.RemindersPage), 'Loading your reminders…') },
  { path: '/webhooks', component: lazyPage(() => import('./pages/webhooks-page.tsx').then((m) => m.WebhooksPage), 'Loading your webhooks…') },
  { path: '/webhooks/:id', component: lazyPage(() => import('./pages/webhook-endpoint-page.tsx').then((m) => m.WebhookEndpointPage), 'Loading the endpoint…') },
  // Their own chunks: the charting library and the rules editor are only fetched by people who open them.
  { path: '/scoring', component: lazyPage(() => import('./pages/scoring-page.tsx').then((m) => m.ScoringPage), 'Loading your scoring rules…') },
  { path: '/analytics', component: lazyPage(() => import('./pages/analytics-page.tsx').then((m) => m.AnalyticsPage), 'Loading analytics…') },
  { path: '/filtered', component: lazyPage(() => import('./pages/filtered-page.tsx').then((m) => m.FilteredPage), 'Loading filtered inquiries…') },
  { path: '/api-keys', component: lazyPage(() => import('./pages/api-keys-page.tsx').then((m) => m.ApiKeysPage), 'Loading API keys…') },
];

const GUEST_ONLY = new Set(['/login', '/signup']);

/** After a client-side navigation, move focus to the new page's heading (screen readers announce it). */
function useFocusOnNavigate(path: string): void {
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const frame = requestAnimationFrame(() => {
      const target = document.querySelector<HTMLElement>('main h1') ?? document.querySelector<HTMLElement>('main');
      target?.focus({ preventScroll: true });
    });
    return () => cancelAnimationFrame(frame);
  }, [path]);
}

function App() {
  const session = useSession();
  const { path, query } = useLocation();
  const [booted, setBooted] = useState(false);
  const [bootError, setBootError] = useState<string | null>(null);
  useFocusOnNavigate(path);

  const boot = () => {
    setBootError(null);
    refreshSession().then(
      () => setBooted(true),
      (err: unknown) => setBootError(errorMessage(err)),
    );
  };
  useEffect(boot, []);

  if (!booted) {
    return bootError ? (
      <AuthLayout title="Porchlight is unavailable">
        <p class="form-error" role="alert">
          {bootError}
        </p>
        <Button onClick={boot}>Try again</Button>
      </AuthLayout>
    ) : (
      <div class="boot">
        <Loading label="Loading Porchlight…" />
      </div>
    );
  }

  const match = matchRoute(ROUTES, path);
  if (match?.route.public) {
    if (session && GUEST_ONLY.has(path)) return <Redirect to={safeNextPath(query.get('next'), HOME_PATH)} />;
    const Page = match.route.component;
    return <Page key={path} params={match.params} query={query} />;
  }
  if (!session) return <Redirect to={`/login?next=${encodeURIComponent(currentPathAndQuery())}`} />;
  const Page = match?.route.component ?? NotFoundPage;
  return (
    <Layout>
      <Page key={path} params={match?.params ?? {}} query={query} />
    </Layout>
  );
}

// A 401 clears the session; <App/> then sends the user to /login?next=<this page>.
setUnauthorizedHandler(() => showToast('Your session has ended. Log in to continue.', 'info'));

render(
  <>
    <App />
    <ToastRegion />
  </>,
  document.getElementById('root')!,
);
