import { breakerStates } from '../store/gate-types.ts';
import type { BreakerForce, BreakerRecord, BreakerState, ReadBreakersRequest, RecordBreakerCallsRequest, WriteBreakerRequest } from '../store/gate-types.ts';
import { optionalNumberArg, toMap } from './codecs.ts';
import type { FlatHash } from './codecs.ts';
import type { StoreCalls } from './store-calls.ts';

/**
 * The Redis store's circuit breakers (see `Store.readBreakers`): one hash `br:<task>` per task
 * (its state, written by compare-and-set on `ver`), one hash `brc:<task>` of its calls per time
 * bucket, and `breakers` listing the tasks that have a record. Each call is one script.
 */
export class RedisBreakers {
  readonly #calls: StoreCalls;

  constructor(calls: StoreCalls) {
    this.#calls = calls;
  }

  async read(request: ReadBreakersRequest): Promise<BreakerRecord[]> {
    if (request.tasks !== undefined && request.tasks.length === 0) return [];
    const args: string[] = [String(request.sinceMs), request.tasks === undefined ? '1' : '0', ...new Set(request.tasks ?? [])];
    const rows = (await this.#calls.script('readBreakers', args)) as Array<[string, FlatHash, number, number]>;
    // Sorted here: `breakers` orders by UTF-8 bytes, the other stores by UTF-16 code units.
    return rows
      .map(([task, flat, succeeded, failed]) => decodeBreaker(task, flat, Number(succeeded), Number(failed)))
      .sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0));
  }

  async record(request: RecordBreakerCallsRequest): Promise<void> {
    if (request.calls.length === 0) return;
    const bucketStartMs = Math.floor(request.nowMs / request.bucketMs) * request.bucketMs;
    const args: string[] = [String(bucketStartMs), String(request.pruneBeforeMs)];
    for (const call of request.calls) args.push(call.task, String(call.succeeded), String(call.failed));
    await this.#calls.script('recordBreakerCalls', args);
  }

  async write(request: WriteBreakerRequest): Promise<boolean> {
    const args = [
      request.task,
      String(request.expectedVersion),
      request.state,
      request.forced ?? '',
      String(request.changedAtMs),
      optionalNumberArg(request.openUntilMs),
      request.probeOwner === null ? '' : `=${request.probeOwner}`,
      optionalNumberArg(request.probeUntilMs),
      request.clearCalls ? '1' : '0',
    ];
    return Number(await this.#calls.script('writeBreaker', args)) === 1;
  }
}

const forces: readonly string[] = ['open', 'closed'];

/**
 * A breaker hash → BreakerRecord. Fields: st, fo (forced; absent = null), cat (changedAtMs), ou
 * (openUntilMs), po (probeOwner), pu (probeUntilMs), ver. A record has no `unreadable` list:
 * damaged text reads as a closed, unforced breaker, and an unreadable version as 0, which is what
 * write-breaker.lua compares too — so the next write of the core replaces the record instead of
 * failing against it forever.
 */
function decodeBreaker(task: string, flat: FlatHash, succeeded: number, failed: number): BreakerRecord {
  const f = toMap(flat);
  const state = f.get('st');
  const forced = f.get('fo');
  const number = (value: string | undefined): number | null => {
    const n = value === undefined ? Number.NaN : Number(value);
    return Number.isFinite(n) ? n : null;
  };
  return {
    task,
    state: state !== undefined && (breakerStates as readonly string[]).includes(state) ? (state as BreakerState) : 'closed',
    forced: forced !== undefined && forces.includes(forced) ? (forced as BreakerForce) : null,
    changedAtMs: number(f.get('cat')) ?? 0,
    openUntilMs: number(f.get('ou')),
    probeOwner: f.get('po') ?? null,
    probeUntilMs: number(f.get('pu')),
    version: number(f.get('ver')) ?? 0,
    succeeded,
    failed,
  };
}
