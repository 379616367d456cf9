// The page frame: top bar with navigation and the signed-in user, and the <main> landmark.
import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { logOut, useSession } from '../api-client.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { FilteredCountBadge } from './filtered-count-badge.tsx';
import { Button } from './button.tsx';
import { EmailBanner } from './email-banner.tsx';
import { WebhookDisabledBanner } from './webhook-disabled-banner.tsx';
import { DueRemindersBadge } from './due-reminders-badge.tsx';
import { showToast } from './toast.tsx';
import { useLiveEvents } from '../use-live-events.ts';

/** The main navigation, in order. Add a page by adding its route in main.tsx and an entry here. */
export const NAV_ITEMS: ReadonlyArray<{ href: string; label: string }> = [
  { href: '/today', label: 'Today' },
  { href: '/leads', label: 'Leads' },
  { href: '/filtered', label: 'Filtered' },
  { href: '/board', label: 'Pipeline' },
  { href: '/reminders', label: 'Reminders' },
  { href: '/sites', label: 'Sites' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/scoring', label: 'Scoring' },
  { href: '/analytics', label: 'Analytics' },
  { href: '/api-keys', label: 'API keys' },
  { href: '/settings', label: 'Settings' },
];

export function Logo() {
  return (
    <svg class="logo" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
      <rect width="32" height="32" rx="7" fill="#1d2740" />
      <path d="M8 15 16 8l8 7v9H8z" fill="none" stroke="#f5b83d" stroke-width="2.5" stroke-linejoin="round" />
      <circle cx="16" cy="18" r="3" fill="#f5b83d" />
    </svg>
  );
}

/** Sets the tab title ("Sites · Porchlight"). */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = title ? `${title} · Porchlight` : 'Porchlight';
  }, [title]);
}

export function Layout({ children }: { children: ComponentChildren }) {
  const session = useSession();
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const menuButton = useRef<HTMLButtonElement>(null);
  useEffect(() => setMenuOpen(false), [path]);
  // The folded menu (narrow screens) closes on Escape, as a disclosure should; focus goes back to
  // its button when it was inside the menu (or on the button), so the keyboard user is not lost.
  // A layout effect: the listener is in place as soon as the menu has rendered open, not after the
  // next paint, so an Escape pressed right after opening closes it (a plain effect missed it).
  useLayoutEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      const active = document.activeElement;
      setMenuOpen(false);
      if (active === menuButton.current || document.getElementById('primary-nav')?.contains(active)) menuButton.current?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [menuOpen]);
  useLiveEvents(); // live updates while signed in: the due count and optional notifications

  const onLogOut = async () => {
    setLeaving(true);
    try {
      await logOut();
    } catch {
      // The local session is gone either way; the server session expires on its own.
    }
    setLeaving(false);
    navigate('/login');
    showToast('You have logged out.', 'info');
  };

  return (
    <div class="app">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <div class="topbar-inner">
          <Link href="/" class="brand">
            <Logo />
            <span>Porchlight</span>
          </Link>
          <button type="button" class="nav-toggle" ref={menuButton} aria-expanded={menuOpen} aria-controls="primary-nav" onClick={() => setMenuOpen(!menuOpen)}>
            <span class="nav-toggle-bars" aria-hidden="true" />
            Menu
          </button>
          <nav id="primary-nav" class={`nav${menuOpen ? ' is-open' : ''}`} aria-label="Main">
            <ul class="nav-list">
              {NAV_ITEMS.map((item) => (
                <li key={item.href}>
                  <Link href={item.href} navItem class="nav-link">
                    {item.label}
                    {item.href === '/reminders' && <DueRemindersBadge />}
                    {item.href === '/filtered' && <FilteredCountBadge />}
                  </Link>
                </li>
              ))}
            </ul>
            <div class="user-menu">
              {/* Account & security, next to Settings: the signed-in person's name leads to it (a twelfth
                  nav item would not fit beside the badges before the menu folds at 1240 px). */}
              {session && (
                <Link href="/account" navItem class="user-name user-account-link" title={`Account & security (${session.user.email})`}>
                  <span class="visually-hidden">Account & security, signed in as </span>
                  {session.user.username}
                </Link>
              )}
              <Button variant="ghost" size="sm" class="logout" onClick={onLogOut} loading={leaving}>
                Log out
              </Button>
            </div>
          </nav>
        </div>
      </header>
      <EmailBanner />
      <WebhookDisabledBanner />
      <main id="main" class="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

/** The centred card for login and signup. */
export function AuthLayout({ title, children, footer }: { title: string; children: ComponentChildren; footer?: ComponentChildren }) {
  useDocumentTitle(title);
  return (
    <main id="main" class="auth" tabIndex={-1}>
      <div class="auth-brand">
        <Logo />
        <span>Porchlight</span>
      </div>
      <div class="card auth-card">
        <h1 class="auth-title" tabIndex={-1}>
          {title}
        </h1>
        {children}
      </div>
      {footer && <div class="auth-footer">{footer}</div>}
    </main>
  );
}

/** A page's <h1> with an optional breadcrumb, description and actions. Sets the tab title. */
export function PageHeader({ title, description, actions, breadcrumb }: { title: string; description?: ComponentChildren; actions?: ComponentChildren; breadcrumb?: ComponentChildren }) {
  useDocumentTitle(title);
  return (
    <div class="page-header">
      {breadcrumb && (
        <nav class="breadcrumb" aria-label="Breadcrumb">
          {breadcrumb}
        </nav>
      )}
      <div class="page-header-row">
        <div>
          <h1 class="page-title" tabIndex={-1}>
            {title}
          </h1>
          {description && <p class="page-description">{description}</p>}
        </div>
        {actions && <div class="page-actions">{actions}</div>}
      </div>
    </div>
  );
}
