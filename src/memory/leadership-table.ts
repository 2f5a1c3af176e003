import type { AcquireLeadershipRequest, LeaderRecord, ReleaseLeadershipRequest, RenewLeadershipRequest } from '../store/store.ts';

/** The memory store's elections: one record per name (see `Store.acquireLeadership`). */
export class LeadershipTable {
  readonly #records = new Map<string, LeaderRecord>();

  acquire(request: AcquireLeadershipRequest): LeaderRecord {
    const { name, nodeId, nowMs, leaseMs, observedVersion } = request;
    const current = this.#records.get(name);
    if (current !== undefined && current.holder !== null && current.version !== observedVersion) return { ...current };
    const record: LeaderRecord = {
      name,
      holder: nodeId,
      term: (current?.term ?? 0) + 1,
      version: (current?.version ?? 0) + 1,
      acquiredAtMs: nowMs,
      renewedAtMs: nowMs,
      leaseMs,
    };
    this.#records.set(name, record);
    return { ...record };
  }

  renew(request: RenewLeadershipRequest): LeaderRecord | null {
    const current = this.#held(request.name, request.nodeId, request.term);
    if (current === null) return null;
    current.renewedAtMs = request.nowMs;
    current.leaseMs = request.leaseMs;
    current.version += 1;
    return { ...current };
  }

  release(request: ReleaseLeadershipRequest): boolean {
    const current = this.#held(request.name, request.nodeId, request.term);
    if (current === null) return false;
    current.holder = null;
    current.version += 1;
    return true;
  }

  get(name: string): LeaderRecord | null {
    const record = this.#records.get(name);
    return record === undefined ? null : { ...record };
  }

  list(): LeaderRecord[] {
    return [...this.#records.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((r) => ({ ...r }));
  }

  #held(name: string, nodeId: string, term: number): LeaderRecord | null {
    const current = this.#records.get(name);
    return current !== undefined && current.holder === nodeId && current.term === term ? current : null;
  }
}
