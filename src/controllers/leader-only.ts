import { systemClock, type Clock, type TimerHandle } from '../time/clock.ts';
import type { HostedService, ServiceHealth } from './hosted-service.ts';
import type { LeaderElector } from './leader-elector.ts';

/**
 * The options of `leaderOnly(elector, service, options)`: the clock, and the backoff (milliseconds) of a
 * start that failed.
 */
export interface LeaderOnlyOptions {
  /** @defaultValue the system clock */
  clock?: Clock;
  /** The first retry of a start that failed, doubling up to `maxRetryMs` while the term lasts. @defaultValue 1000 */
  retryMs?: number;
  /** @defaultValue 30000 */
  maxRetryMs?: number;
}

/**
 * Runs `service` only while `elector`'s node leads: started (with the term's signal) when it is
 * elected, stopped when it is deposed or the host stops — as many times as leadership comes and
 * goes. A start that fails is tried again with backoff for as long as the term lasts, and the
 * failure shows in `health()` (live, not ready) meanwhile; a standby node is live and ready. Add
 * the elector to the host before the services that depend on it.
 *
 * @example
 * host.add(elector);
 * host.add(leaderOnly(elector, discoveryController));
 */
export function leaderOnly(elector: LeaderElector, service: HostedService, options: LeaderOnlyOptions = {}): HostedService {
  const clock = options.clock ?? systemClock;
  const retryMs = options.retryMs ?? 1_000;
  const maxRetryMs = options.maxRetryMs ?? 30_000;
  let offs: Array<() => void> = [];
  let running = false;
  let failures = 0;
  let lastError: Error | null = null;
  let retryTimer: TimerHandle | null = null;
  let chain: Promise<void> = Promise.resolve();
  // Start and stop run one after the other: a quick depose/elect never overlaps two starts.
  const serially = (work: () => Promise<void>) => (chain = chain.then(work, work));
  const startForTerm = (): Promise<void> =>
    serially(async () => {
      const term = elector.term;
      if (term === null || running) return;
      try {
        await service.start(term.signal);
        running = true;
        failures = 0;
        lastError = null;
      } catch (error) {
        // The contract: a start that throws released what it took; try again while the term lasts.
        lastError = error instanceof Error ? error : new Error(String(error));
        failures++;
        if (!term.valid) return;
        retryTimer = clock.setTimer(() => {
          retryTimer = null;
          void startForTerm();
        }, Math.min(maxRetryMs, retryMs * 2 ** (failures - 1)));
      }
    });
  const stopForTerm = (): Promise<void> =>
    serially(async () => {
      retryTimer?.cancel();
      retryTimer = null;
      failures = 0;
      lastError = null;
      if (!running) return;
      running = false;
      await service.stop();
    });
  return {
    name: `${service.name} (leader only)`,
    async start() {
      offs = [elector.on('leader.elected', () => void startForTerm()), elector.on('leader.deposed', () => void stopForTerm())];
      if (elector.leading) await startForTerm();
    },
    async stop() {
      for (const off of offs) off();
      offs = [];
      await stopForTerm();
    },
    health(): ServiceHealth {
      if (running) return service.health?.() ?? { live: true, ready: true };
      if (lastError !== null) return { live: true, ready: false, detail: `failed to start (${failures}×, retrying): ${lastError.message}` };
      return { live: true, ready: true, detail: elector.leading ? 'starting' : 'standby (not the leader)' };
    },
  };
}
