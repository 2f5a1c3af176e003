import type { LeaseRenewal, RenewLeasesRequest } from '../store/store.ts';
import type { Row } from './row-mapping.ts';
import type { Statements } from './statements.ts';

/**
 * Below this many leases a renewal runs one statement per lease; from it, one statement per
 * distinct start instant (a burst of reservations started at one instant is one group). A node
 * holding 5,000 reservations renews them in ~25 ms instead of ~75 ms of blocked event loop.
 */
const setBasedFrom = 32;

/** Store.renewLeases inside the caller's transaction. */
export function renewLeases(s: Statements, request: RenewLeasesRequest): LeaseRenewal[] {
  const { nodeId, nowMs, leaseMs, leases } = request;
  if (leases.length < setBasedFrom) {
    return leases.map(({ jobId, fencingToken, startedAtMs }): LeaseRenewal => {
      const renewed = s.renewLease.get({ jobId, fencingToken, nodeId, nowMs, leaseMs, startedAtMs: startedAtMs ?? null }) as Row | undefined;
      const flag = renewed ?? (s.cancelRequested.get(jobId) as Row | undefined);
      return { jobId, held: renewed !== undefined, cancelRequested: Number(flag?.cancel_requested ?? 0) !== 0 };
    });
  }
  const groups = new Map<number | null, Array<[string, number]>>();
  for (const { jobId, fencingToken, startedAtMs } of leases) {
    const key = startedAtMs ?? null;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push([jobId, fencingToken]);
  }
  const renewed = new Map<string, boolean>();
  for (const [startedAtMs, group] of groups) {
    const rows = s.renewLeases.all({ leases: JSON.stringify(group), nodeId, nowMs, leaseMs, startedAtMs }) as Row[];
    for (const row of rows) renewed.set(String(row.id), Number(row.cancel_requested) !== 0);
  }
  return leases.map(({ jobId }): LeaseRenewal => {
    const cancelRequested = renewed.get(jobId);
    if (cancelRequested !== undefined) return { jobId, held: true, cancelRequested };
    // Lost (reclaimed, cancelled, deleted): the flag as the job has it now, if it still exists.
    const flag = s.cancelRequested.get(jobId) as Row | undefined;
    return { jobId, held: false, cancelRequested: Number(flag?.cancel_requested ?? 0) !== 0 };
  });
}
