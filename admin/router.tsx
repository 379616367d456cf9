// A deliberately tiny History-API router. Paths inside the app are written without the mount
// point ("/sites/123"); links and history entries carry it ("/app/sites/123"), because the API
// serves index.html for every /app/* path that is not a file.
import type { FunctionComponent, PartialAnchorHTMLAttributes, TargetedMouseEvent } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** Where the API mounts the SPA (matches `base` in vite.config.ts). */
export const BASE_PATH = '/app';

/** Where "/" and a fresh login land: Today (what to do now; the leads list is one click away). */
export const HOME_PATH = '/today';

export interface RouteProps {
  /** `:name` segments of the matched pattern, URI-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface Route {
  /** App path pattern: "/sites", "/sites/:id". Matched whole, case-sensitively, ignoring a trailing slash. */
  path: string;
  component: FunctionComponent<RouteProps>;
  /** Reachable without a session (login, signup). Default false: guests are sent to /login. */
  public?: boolean;
}

const listeners = new Set<() => void>();
const notify = () => {
  for (const fn of listeners) fn();
};

/** Messages of pages with unsaved edits (`useLeaveGuard`): leaving asks first. */
const guards = new Set<{ message: string }>();
/** The entry the app shows, to return to when a guard keeps the user on the page after Back. */
let shownHref = typeof window !== 'undefined' ? window.location.pathname + window.location.search : '';

/** True when no guard objects, or the user confirms leaving. */
function mayLeave(): boolean {
  const [guard] = guards;
  return !guard || window.confirm(guard.message);
}

if (typeof window !== 'undefined') {
  window.addEventListener('popstate', () => {
    const href = window.location.pathname + window.location.search;
    if (href !== shownHref && !mayLeave()) {
      window.history.pushState(null, '', shownHref);
      return;
    }
    shownHref = href;
    notify();
  });
}

/**
 * While `when` is true, leaving the page — an in-app link, Back, a reload or closing the tab —
 * asks first (the browser's own prompt for reloads and closing), so unsaved edits are not
 * discarded silently.
 */
export function useLeaveGuard(when: boolean, message = 'You have unsaved changes. Leave this page and discard them?'): void {
  useEffect(() => {
    if (!when) return;
    const guard = { message };
    guards.add(guard);
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => {
      guards.delete(guard);
      window.removeEventListener('beforeunload', onBeforeUnload);
    };
  }, [when, message]);
}

/** "/sites?x=1" → "/app/sites?x=1". Paths already under /app/ are left alone. */
export function toHref(path: string): string {
  if (path === BASE_PATH || path.startsWith(`${BASE_PATH}/`)) return path;
  return BASE_PATH + (path.startsWith('/') ? path : `/${path}`);
}

/** The current app path without the mount point or a trailing slash ("/" for the root). */
export function currentPath(): string {
  let path = window.location.pathname;
  if (path === BASE_PATH || path.startsWith(`${BASE_PATH}/`)) path = path.slice(BASE_PATH.length);
  path = path.replace(/\/+$/, '');
  return path || '/';
}

/** The current path plus query string, e.g. to come back to it after logging in. */
export function currentPathAndQuery(): string {
  return currentPath() + window.location.search;
}

/** Goes to an app path ("/sites/123"). `replace` rewrites the current history entry instead. */
export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  const href = toHref(path);
  if (href === window.location.pathname + window.location.search && !opts.replace) return;
  if (!opts.replace && !mayLeave()) return;
  window.history[opts.replace ? 'replaceState' : 'pushState'](null, '', href);
  shownHref = href;
  if (!opts.replace) window.scrollTo(0, 0);
  notify();
}

/** Re-renders the calling component on every navigation. */
export function useLocation(): { path: string; query: URLSearchParams } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const fn = () => setTick((n) => n + 1);
    listeners.add(fn);
    return () => {
      listeners.delete(fn);
    };
  }, []);
  return { path: currentPath(), query: new URLSearchParams(window.location.search) };
}

/** Params of `pattern` in `path`, or null when it does not match. */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const got = path.split('/').filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      try {
        params[want[i].slice(1)] = decodeURIComponent(got[i]);
      } catch {
        return null;
      }
    } else if (want[i] !== got[i]) return null;
  }
  return params;
}

/** The first route matching `path`. */
export function matchRoute(routes: readonly Route[], path: string): { route: Route; params: Record<string, string> } | null {
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return null;
}

/**
 * A redirect target taken from user input (`?next=`): only app paths, never another origin
 * ("//evil.example", "https://…"), so the login page cannot be used as an open redirect.
 */
export function safeNextPath(next: string | null, fallback: string): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.includes('\\')) return fallback;
  return next;
}

/** "/login" + ?next=<next> (kept when moving between login and signup). */
export function withNext(path: string, next: string | null): string {
  return next ? `${path}?next=${encodeURIComponent(next)}` : path;
}

type LinkProps = Omit<PartialAnchorHTMLAttributes<HTMLAnchorElement>, 'href' | 'role'> & {
  /** App path ("/sites/123"). */
  href: string;
  /** Sets aria-current="page" when the current path is `href` or below it. */
  navItem?: boolean;
};

/** An <a> that navigates without a page load (modified clicks still open new tabs). */
export function Link({ href, navItem, onClick, ...rest }: LinkProps) {
  const { path } = useLocation();
  const full = toHref(href);
  const active = navItem && (path === href || path.startsWith(`${href}/`));
  const handle = (e: TargetedMouseEvent<HTMLAnchorElement>) => {
    onClick?.(e);
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    if (rest.target && rest.target !== '_self') return;
    e.preventDefault();
    navigate(href);
  };
  return <a {...rest} href={full} onClick={handle} aria-current={active ? 'page' : undefined} />;
}

/** Renders nothing and replaces the current entry with `to`. */
export function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
