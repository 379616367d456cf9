// What the worker fault tests share: a test server on a throwaway Redis (so a test may flush or
// stop it), a real webhook receiver, and real worker processes (`worker/main.ts`) on them with
// compressed schedules, so a kill, a flush or an outage converges in seconds, not minutes.
import { startTestServer, type TestServer } from '#test/app.ts';
import { FAST_RECOVERY_ENV, type NodeProcess, spawnNode, stopAll, workerEnv } from '#test/process.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '#test/redis-server.ts';
import { startTestReceiver, type TestReceiver } from '#test/webhook-receiver.ts';

/** Generous: a kill must land within one attempt's time even on a loaded machine. */
export const FAULT_WEBHOOK_TIMEOUT_MS = 5000;
/** The lease is the timeout plus this (30 s in production): a killed worker's delivery is resent 10 s after its claim. */
export const FAULT_WEBHOOK_LEASE_MARGIN_MS = 5000;
/** The lease of a delivery whose worker was killed mid-send. */
export const FAULT_WEBHOOK_LEASE_MS = FAULT_WEBHOOK_TIMEOUT_MS + FAULT_WEBHOOK_LEASE_MARGIN_MS;

export interface FaultRig {
  redis: ThrowawayRedis;
  /** Its `config.REDIS_URL` is `redis`. */
  server: TestServer;
  receiver: TestReceiver;
  /** Every worker spawned so far (killed or not). */
  procs: NodeProcess[];
  /** Spawns a worker process on the rig (plus `env`). */
  spawnWorker(env?: Record<string, string>): NodeProcess;
  /** Stops the workers, the receiver, the server and the Redis. */
  close(): Promise<void>;
}

export async function startFaultRig(): Promise<FaultRig> {
  const redis = await startThrowawayRedis();
  const server = await startTestServer({ REDIS_URL: redis.url, TRUST_PROXY: 'true' });
  const receiver = await startTestReceiver();
  const procs: NodeProcess[] = [];
  return {
    redis, server, receiver, procs,
    spawnWorker(env = {}) {
      const proc = spawnNode('worker/main.ts', workerEnv(server.config, {
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WEBHOOK_TIMEOUT_MS: String(FAULT_WEBHOOK_TIMEOUT_MS), WEBHOOK_LEASE_MARGIN_MS: String(FAULT_WEBHOOK_LEASE_MARGIN_MS), WEBHOOK_RETRY_SCHEDULE: '0,1,1,1,1,1,1,1',
        EMAIL_RETRY_SCHEDULE: '0,1,1', SWEEP_INTERVAL_MS: '1000', ...FAST_RECOVERY_ENV, ...env,
      }));
      procs.push(proc);
      return proc;
    },
    async close() {
      await stopAll(procs);
      await receiver.close();
      await server.close();
      await redis.stop();
    },
  };
}
