import type { LivePublisher } from '#core/live/live-events.ts';
import type { Runtime } from '#core/runtime.ts';

/**
 * Everything the HTTP app needs: the parts of the process runtime (`createRuntime`) it uses, so
 * main.ts, the bench and the test harness pass their runtime as it is.
 */
export interface AppDeps extends Pick<Runtime, 'config' | 'orm' | 'redis' | 'queues' | 'logger'> {
  /** Injected clock (tests may freeze time). */
  now?: () => Date;
}

/** What createApp builds once from AppDeps and hands to the routes that need it. */
export interface AppServices extends AppDeps {
  /**
   * The app's one live-event publisher: the resets it owes after a failed publish (Redis away or
   * frozen) wait in it until Redis answers again, whichever route failed (docs/live-updates.md).
   */
  live: LivePublisher;
}
