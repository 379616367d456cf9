// `EXAMPLE_CRM_RECEIVER=1 npm run example` (or `npm run example:with-crm`): besides the listing
// site, run the example CRM receiver and subscribe the demo account to it, so sending the demo
// form shows the signed webhooks arriving in the terminal.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MikroORM } from '@mikro-orm/postgresql';
import { tenantOfUser } from '../../core/accounts/tenant.ts';
import type { Config } from '../../core/config.ts';
import { isAllowListed } from '../../core/webhooks/guard-webhook-address.ts';
import { WebhookEndpointSchema } from '../../core/webhooks/webhook-endpoint.entity.ts';
import { createWebhookEndpoint } from '../../core/webhooks/webhook-endpoints.ts';
import { openWebhookSecret } from '../../core/webhooks/webhook-secret-at-rest.ts';
import { createCrmReceiver } from './receiver.ts';

/** Default port of the demo receiver (override with RECEIVER_PORT). */
export const DEFAULT_RECEIVER_PORT = 4010;
const DEMO_ENDPOINT_DESCRIPTION = 'Example CRM receiver (npm run example)';

export interface DemoCrmReceiver {
  url: string;
  endpointId: string;
  close(): Promise<void>;
}

/**
 * The demo account's endpoint for `url`, created once (later runs reuse and re-enable it), and
 * its current secret. Refuses clearly when the API would refuse to send to 127.0.0.1.
 */
export async function seedDemoWebhookEndpoint(orm: MikroORM, config: Config, userId: string, url: string): Promise<{ endpointId: string; secret: string }> {
  if (!isAllowListed('127.0.0.1', config.WEBHOOK_ALLOWED_HOSTS)) {
    throw new Error('WEBHOOK_ALLOWED_HOSTS must include 127.0.0.1 for the local receiver (and the API and worker must run with it): WEBHOOK_ALLOWED_HOSTS=127.0.0.1,localhost');
  }
  const em = orm.em.fork();
  const existing = await em.findOne(WebhookEndpointSchema, { user: userId, url });
  if (existing) {
    if (!existing.enabled) {
      existing.enabled = true;
      existing.disabledReason = null;
      existing.breakerUntil = null;
      existing.consecutiveFailures = 0;
      existing.failingSince = null;
      await em.flush();
    }
    return { endpointId: existing.endpointId, secret: openWebhookSecret(existing.secret, config.DATA_ENCRYPTION_KEY, config.DATA_ENCRYPTION_PREVIOUS_KEYS) };
  }
  const { endpoint, secret } = await createWebhookEndpoint({
    em, tenant: tenantOfUser(userId), input: { url, description: DEMO_ENDPOINT_DESCRIPTION }, now: new Date(), config,
  });
  return { endpointId: endpoint.endpointId, secret };
}

/** Starts the receiver on 127.0.0.1:`port` and subscribes the demo account to it; events are printed. */
export async function startDemoCrmReceiver({ orm, config, userId, port, log = (line) => process.stdout.write(`${line}\n`) }: {
  orm: MikroORM; config: Config; userId: string; port: number; log?: (line: string) => void;
}): Promise<DemoCrmReceiver> {
  // Listen first (the port may be picked by the system), then subscribe that exact URL; requests
  // are handed to the receiver, which needs the endpoint's secret.
  let receiver: Server | null = null;
  const server = createServer((req, res) => {
    if (receiver) receiver.emit('request', req, res);
    else res.writeHead(503, { 'retry-after': '1' }).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const { endpointId, secret } = await seedDemoWebhookEndpoint(orm, config, userId, url).catch(async (err: unknown) => {
    server.close();
    throw err;
  });
  receiver = createCrmReceiver({
    secret,
    onEvent: (event) => log(`[crm-receiver] verified ${event.type} ${event.id} ${JSON.stringify(event.data)}`),
  });
  return {
    url,
    endpointId,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
