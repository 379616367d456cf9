// First run: a new realtor tries Porchlight on the example listing site (examples/listing-site),
// wired to *their* account — the card creates (or finds) their "Demo listing site" and shows the
// exact command that serves the example with its key, so the leads it sends land on this
// dashboard, not on the separate demo account.
import { useState } from 'preact/hooks';
import { errorMessage, type Site, sitesApi } from '../api-client.ts';
import { Link } from '../router.tsx';
import { useApi } from '../use-api.ts';
import { Button } from './button.tsx';
import { CodeSnippet } from './code-snippet.tsx';

export const DEMO_SITE_NAME = 'Demo listing site';
/** The example's default port (EXAMPLE_PORT in examples/listing-site/serve.ts). */
export const EXAMPLE_ORIGINS = ['http://localhost:4000', 'http://127.0.0.1:4000'];

/** The command that serves the example listing site with `site`'s key. */
export function exampleCommand(site: Pick<Site, 'publicKey'>): string {
  return `npm run example -- --site-key ${site.publicKey}`;
}

export function OnboardingCard() {
  const { data, error: loadError } = useApi((signal) => sitesApi.list({ signal }), []);
  const [created, setCreated] = useState<Site | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const demo = created ?? data?.items.find((s) => s.name === DEMO_SITE_NAME) ?? null;

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      setCreated(await sitesApi.create({ name: DEMO_SITE_NAME, allowedOrigins: EXAMPLE_ORIGINS }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card onboarding-card" aria-labelledby="onboarding-title" data-testid="onboarding-card">
      <h2 id="onboarding-title" class="card-title">
        Try it on the demo listing site
      </h2>
      <p>
        Porchlight comes with an example listing site. Serve it with a site of your own and every visit and inquiry you make there shows
        up here, on your dashboard.
      </p>
      <ol class="onboarding-steps">
        <li>
          {demo ? (
            <>
              Your site <Link href={`/sites/${demo.siteId}`}>“{demo.name}”</Link> is ready.
            </>
          ) : (
            <span class="onboarding-step-row">
              Create a demo site in your account.
              <Button onClick={create} loading={busy} disabled={data === undefined && !loadError}>
                Create the demo site
              </Button>
            </span>
          )}
        </li>
        <li>
          In a second terminal, next to <code>npm start</code>, run:
          {demo ? <CodeSnippet code={exampleCommand(demo)} label="Terminal" copyLabel="Copy command" /> : <span class="muted"> (the command appears once the demo site exists)</span>}
        </li>
        <li>Open the listing page it prints, use the mortgage calculator and send the inquiry form. The lead appears on your Leads page within seconds.</li>
      </ol>
      {(error || loadError) && (
        <p class="callout callout-danger" role="alert">
          {error ?? errorMessage(loadError)}
        </p>
      )}
    </section>
  );
}
