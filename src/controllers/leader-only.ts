import type { HostedService, ServiceHealth } from './hosted-service.ts';
import type { LeaderElector } from './leader-elector.ts';

/**
 * Runs `service` only while `elector`'s node leads: started (with the term's signal) when it is
 * elected, stopped when it is deposed or the host stops — as many times as leadership comes and
 * goes. Add the elector to the host before the services that depend on it.
 *
 * @example
 * host.add(elector);
 * host.add(leaderOnly(elector, discoveryController));
 */
export function leaderOnly(elector: LeaderElector, service: HostedService): HostedService {
  let offs: Array<() => void> = [];
  let running: Promise<void> | null = null;
  let chain: Promise<void> = Promise.resolve();
  let lastError: Error | null = null;
  // Start and stop run one after the other: a quick depose/elect never overlaps two starts.
  const serially = (work: () => Promise<void>) => {
    chain = chain.then(work).catch((error: unknown) => {
      lastError = error as Error;
    });
    return chain;
  };
  const startForTerm = () =>
    serially(async () => {
      const term = elector.term;
      if (term === null || running !== null) return;
      running = service.start(term.signal);
      await running;
      lastError = null;
    });
  const stopForTerm = () =>
    serially(async () => {
      if (running === null) return;
      running = null;
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
      const inner = service.health?.() ?? { live: true, ready: true };
      if (running === null) return { live: lastError === null, ready: true, detail: lastError ? `failed to start: ${lastError.message}` : 'standby (not the leader)' };
      return inner;
    },
  };
}
