import type { Store } from '../store/store.ts';
import type { BreakerForce, BreakerRecord } from '../store/gate-types.ts';
import { forceWrite } from './force.ts';

/**
 * Applies an operator's override (see `forceWrite`) whatever nodes write meanwhile: reads, writes
 * under the version read, and reads again when a node got in between. Returns the record after.
 */
export async function forceBreaker(store: Store, task: string, force: BreakerForce, nowMs: number): Promise<BreakerRecord> {
  for (let tries = 0; tries < 20; tries++) {
    const [current] = await store.readBreakers({ tasks: [task], sinceMs: nowMs });
    if (await store.writeBreaker(forceWrite(task, current ?? null, force, nowMs))) {
      const [after] = await store.readBreakers({ tasks: [task], sinceMs: nowMs });
      if (after) return after;
    }
  }
  throw new Error(`could not force the breaker of task "${task}": it kept changing`);
}
