import type { AcquireLeadershipRequest, LeaderRecord, ReleaseLeadershipRequest, RenewLeadershipRequest } from '../store/store.ts';
import { optionalNumberArg, toMap } from './codecs.ts';
import type { FlatHash } from './codecs.ts';
import type { StoreCalls } from './store-calls.ts';

/**
 * The Redis store's elections (see `Store.acquireLeadership`): one hash `l:<name>` per election,
 * its name listed in `leaders`. Every write is one script, so the version check and the write
 * it guards are one atomic step.
 */
export class RedisLeadership {
  readonly #calls: StoreCalls;

  constructor(calls: StoreCalls) {
    this.#calls = calls;
  }

  async acquire(request: AcquireLeadershipRequest): Promise<LeaderRecord> {
    const { name, nodeId, nowMs, leaseMs, observedVersion } = request;
    const flat = (await this.#calls.script('acquireLeadership', [name, nodeId, nowMs, leaseMs, optionalNumberArg(observedVersion)])) as FlatHash;
    return decodeLeader(name, flat);
  }

  async renew(request: RenewLeadershipRequest): Promise<LeaderRecord | null> {
    const { name, nodeId, term, nowMs, leaseMs } = request;
    const flat = (await this.#calls.script('renewLeadership', [name, nodeId, term, nowMs, leaseMs])) as FlatHash;
    return flat.length === 0 ? null : decodeLeader(name, flat);
  }

  /** `nowMs` is not sent: a release changes only the holder and the version. */
  async release(request: ReleaseLeadershipRequest): Promise<boolean> {
    return Number(await this.#calls.script('releaseLeadership', [request.name, request.nodeId, request.term])) === 1;
  }

  async get(name: string): Promise<LeaderRecord | null> {
    const flat = await this.#calls.call('getLeader', (client) => client.call('HGETALL', this.#calls.keys.leader(name)) as Promise<string[]>);
    return flat.length === 0 ? null : decodeLeader(name, flat);
  }

  async list(): Promise<LeaderRecord[]> {
    const rows = (await this.#calls.script('listLeaders', [])) as Array<[string, FlatHash]>;
    // Sorted here too: `leaders` orders by UTF-8 bytes, the other stores by UTF-16 code units.
    return rows.map(([name, flat]) => decodeLeader(name, flat)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** An election hash → LeaderRecord. Fields: holder (absent = released), term, ver, acq, ren, lease. */
function decodeLeader(name: string, flat: FlatHash): LeaderRecord {
  const f = toMap(flat);
  return {
    name,
    holder: f.get('holder') ?? null,
    term: Number(f.get('term') ?? 0),
    version: Number(f.get('ver') ?? 0),
    acquiredAtMs: Number(f.get('acq') ?? 0),
    renewedAtMs: Number(f.get('ren') ?? 0),
    leaseMs: Number(f.get('lease') ?? 0),
  };
}
