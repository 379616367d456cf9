import type { ComponentChildren } from 'preact';
import { Link } from '../router.tsx';
import { EmptyState } from './empty-state.tsx';
import { HouseIcon } from './icons.tsx';

/** The first-run state of the leads and Today pages: set up a site, add a lead by hand, or import contacts from a CSV file. */
export function NoLeadsYet({ addByHand, children }: { addByHand: ComponentChildren; children: ComponentChildren }) {
  return (
    <EmptyState
      icon={<HouseIcon />}
      title="No leads yet"
      action={
        <span class="inline-list">
          <Link href="/sites" class="btn btn-primary">
            Set up a site
          </Link>
          {addByHand}
          <Link href="/leads/import" class="btn btn-secondary">
            Import contacts
          </Link>
        </span>
      }
    >
      {children}
    </EmptyState>
  );
}
