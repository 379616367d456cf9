import { Redis } from 'ioredis';

/** An ioredis client suitable for BullMQ workers and queues (`maxRetriesPerRequest: null`). */
export function createRedis(url: string, opts: { name: string }): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, connectionName: opts.name, lazyConnect: false });
}
