import type { FunctionComponent } from 'preact';
import { EmptyState } from '../components/empty-state.tsx';
import { HammerIcon } from '../components/icons.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Link, type RouteProps } from '../router.tsx';

/** A placeholder for a section that is not built yet (replace the route in main.tsx when it is). */
export function comingSoon(title: string, description: string): FunctionComponent<RouteProps> {
  return function ComingSoonPage() {
    return (
      <>
        <PageHeader title={title} />
        <EmptyState
          icon={<HammerIcon />}
          title="Coming soon"
          action={
            <Link href="/sites" class="btn btn-secondary">
              Set up your sites meanwhile
            </Link>
          }
        >
          <p>{description}</p>
        </EmptyState>
      </>
    );
  };
}
