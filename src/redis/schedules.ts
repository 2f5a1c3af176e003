import type { ScheduleRecord, ScheduleWrite } from '../domain/schedule.ts';
import type { AcquiredSchedule, AcquireSchedulesRequest, ReleaseScheduleRequest, ReleaseScheduleResult, SchedulePatch, ScheduleQuery } from '../store/store.ts';
import { decodeClaimedRows, decodeSchedule, optionalNumberArg } from './codecs.ts';
import type { FlatHash, ReplyValue } from './codecs.ts';
import { listSchedules } from './list-queries.ts';
import { pushReleaseArgs, pushScheduleWriteArgs } from './store-args.ts';
import type { StoreCalls } from './store-calls.ts';

/** Schedules per upsert script. */
const upsertChunk = 500;

/**
 * The Redis store's schedules (see `Store.upsertSchedule` and what follows it): one hash
 * `s:<id>` per schedule, indexed by `schedules`, `sdue` and `slease`. Every write is one script.
 */
export class RedisSchedules {
  readonly #calls: StoreCalls;

  constructor(calls: StoreCalls) {
    this.#calls = calls;
  }

  /** Many writes in few scripts: one per `upsertChunk` writes, each applied in order. */
  async upsert(writes: readonly ScheduleWrite[]): Promise<ScheduleRecord[]> {
    const records: ScheduleRecord[] = [];
    for (let from = 0; from < writes.length; from += upsertChunk) {
      const chunk = writes.slice(from, from + upsertChunk);
      const args: string[] = [this.#calls.instanceId];
      for (const write of chunk) pushScheduleWriteArgs(args, write);
      const rows = (await this.#calls.script('upsertSchedule', args)) as FlatHash[];
      chunk.forEach((write, i) => records.push(decodeSchedule(write.id, rows[i] ?? [])));
    }
    return records;
  }

  async get(id: string): Promise<ScheduleRecord | null> {
    const flat = await this.#calls.call('getSchedule', (client) => client.call('HGETALL', this.#calls.keys.schedule(id)) as Promise<string[]>);
    return flat.length === 0 ? null : decodeSchedule(id, flat);
  }

  list(query: ScheduleQuery): Promise<ScheduleRecord[]> {
    return this.#calls.call('listSchedules', (client) => listSchedules(client, this.#calls.keys, query));
  }

  async remove(id: string, nowMs: number): Promise<boolean> {
    return Number(await this.#calls.script('removeSchedule', [id, nowMs])) > 0;
  }

  async update(id: string, patch: SchedulePatch, nowMs: number): Promise<ScheduleRecord | null> {
    const paused = patch.paused === undefined ? '' : patch.paused ? '1' : '0';
    const setNext = patch.nextFireAtMs === undefined ? '0' : '1';
    const args = [this.#calls.instanceId, id, nowMs, paused, setNext, optionalNumberArg(patch.nextFireAtMs)];
    const flat = (await this.#calls.script('updateSchedule', args)) as FlatHash;
    return flat.length === 0 ? null : decodeSchedule(id, flat);
  }

  async acquireDue(request: AcquireSchedulesRequest): Promise<AcquiredSchedule[]> {
    if (request.limit <= 0) return [];
    const args = [request.nodeId, request.nowMs, request.leaseMs, request.limit, request.horizonMs ?? 0];
    const rows = (await this.#calls.script('acquireSchedules', args)) as Array<[string, FlatHash, number]>;
    return rows.map(([id, flat, activeJobs]) => {
      const schedule = decodeSchedule(id, flat);
      return { schedule, leaseToken: schedule.leaseToken, activeJobs: Number(activeJobs) };
    });
  }

  async release(requests: readonly ReleaseScheduleRequest[]): Promise<ReleaseScheduleResult[]> {
    if (requests.length === 0) return [];
    const args: string[] = [this.#calls.instanceId];
    for (const request of requests) pushReleaseArgs(args, request);
    const rows = (await this.#calls.script('releaseSchedules', args)) as Array<[number, ReplyValue[]]>;
    return requests.map((request, i) => {
      const [released, created] = rows[i] ?? [0, []];
      return { scheduleId: request.scheduleId, released: released === 1, created: decodeClaimedRows(created) };
    });
  }
}
