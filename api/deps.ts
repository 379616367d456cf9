import type { Runtime } from '#core/runtime.ts';

/**
 * Everything the HTTP app needs: the parts of the process runtime (`createRuntime`) it uses, so
 * main.ts, the bench and the test harness pass their runtime as it is.
 */
export interface AppDeps extends Pick<Runtime, 'config' | 'orm' | 'redis' | 'queues' | 'logger'> {
  /** Injected clock (tests may freeze time). */
  now?: () => Date;
}
