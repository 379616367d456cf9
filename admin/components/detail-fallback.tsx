// What a page about one record (a lead, a site) shows until the record is there: its breadcrumb
// back to the list, then a loading state, "not found" for a 404, or the error with a retry.
import type { ComponentChildren } from 'preact';
import { ApiError, errorMessage } from '../api-client.ts';
import { Link } from '../router.tsx';
import { Button } from './button.tsx';
import { EmptyState } from './empty-state.tsx';
import { PageHeader } from './layout.tsx';
import { Loading } from './spinner.tsx';

export interface ListCrumb {
  /** The list's app path ("/leads") and name ("Leads"). */
  href: string;
  label: string;
}

/** "Leads › Dana Whitfield". */
export function breadcrumb(list: ListCrumb, current: string) {
  return (
    <ol>
      <li>
        <Link href={list.href}>{list.label}</Link>
      </li>
      <li aria-current="page">{current}</li>
    </ol>
  );
}

export interface DetailFallbackProps {
  list: ListCrumb;
  /** "lead", "site". */
  noun: string;
  error: Error | null;
  onRetry(): void;
  /** Shown above "not found". */
  missingIcon?: ComponentChildren;
  /** Why it may be missing. */
  missingNote?: ComponentChildren;
}

/** Render while the record is undefined; `error` null means it is still loading. */
export function DetailFallback({ list, noun, error, onRetry, missingIcon, missingNote }: DetailFallbackProps) {
  const title = `${noun.charAt(0).toUpperCase()}${noun.slice(1)}`;
  if (!error) {
    return (
      <>
        <PageHeader title={title} breadcrumb={breadcrumb(list, '…')} />
        <Loading label={`Loading ${noun}…`} />
      </>
    );
  }
  const missing = error instanceof ApiError && error.status === 404;
  return (
    <>
      <PageHeader title={missing ? `${title} not found` : `Could not load this ${noun}`} breadcrumb={breadcrumb(list, missing ? 'Not found' : 'Error')} />
      <EmptyState
        icon={missing ? missingIcon : undefined}
        title={missing ? `This ${noun} doesn’t exist or was deleted` : errorMessage(error)}
        action={
          missing ? (
            <Link href={list.href} class="btn btn-primary">
              Back to your {list.label.toLowerCase()}
            </Link>
          ) : (
            <Button onClick={onRetry}>Try again</Button>
          )
        }
      >
        {missing && missingNote}
      </EmptyState>
    </>
  );
}
