import { EmptyState } from '../components/empty-state.tsx';
import { SearchIcon } from '../components/icons.tsx';
import { PageHeader } from '../components/layout.tsx';
import { Link } from '../router.tsx';

export function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState icon={<SearchIcon />} title="There is nothing at this address" action={<Link href="/leads" class="btn btn-primary">Go to your leads</Link>}>
        <p>The link may be mistyped, or the page may have moved.</p>
      </EmptyState>
    </>
  );
}
