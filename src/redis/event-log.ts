import type { JsonValue } from '../domain/json.ts';
import type { ClusterEventRecord, ClusterEventWrite, ReadEventsRequest, ReadEventsResult } from '../store/store.ts';
import { toMap } from './codecs.ts';
import type { StoreCalls } from './store-calls.ts';

/** Events one trimEvents script deletes at most: Redis is never blocked long by one trim. */
const trimChunk = 1000;

/** A stream entry as XRANGE answers it: '<seq>-0' and its fields, flat. */
type StreamEntry = [string, string[]];

/**
 * The Redis store's cluster event log (see `Store.appendEvents`): a stream `events` with ids
 * `<seq>-0` (why a stream: lua/append-events.lua), `evat` indexing seqs by atMs for the trim by
 * age, the counter `evseq` and the trim marker `evtrim`.
 */
export class RedisEventLog {
  readonly #calls: StoreCalls;

  constructor(calls: StoreCalls) {
    this.#calls = calls;
  }

  /**
   * One script for the whole batch, however large: the contract makes the append atomic, and
   * a batch split in chunks could interleave with another node's.
   */
  async append(events: readonly ClusterEventWrite[]): Promise<void> {
    if (events.length === 0) return;
    const args: string[] = [this.#calls.instanceId];
    for (const event of events) args.push(event.type, event.nodeId, String(event.atMs), JSON.stringify(event.data));
    await this.#calls.script('appendEvents', args);
  }

  async read(request: ReadEventsRequest): Promise<ReadEventsResult> {
    const limit = Math.max(0, Math.floor(request.limit));
    const [entries, trimmed] = (await this.#calls.script('readEvents', [request.afterSeq, limit])) as [StreamEntry[], string | null];
    return { events: entries.map(decodeEvent), trimmedThroughSeq: trimmed === null ? 0 : Number(trimmed) };
  }

  async cursor(): Promise<number> {
    const last = await this.#calls.call('eventCursor', (client) => client.get(this.#calls.keys.eventSeq));
    return last === null ? 0 : Number(last);
  }

  /** In chunks, each atomic with its raise of `trimmedThroughSeq`. */
  async trim(request: { beforeMs: number; keepLast?: number }): Promise<number> {
    const keepLast = request.keepLast === undefined ? '' : String(request.keepLast);
    let total = 0;
    for (;;) {
      const deleted = Number(await this.#calls.script('trimEvents', [request.beforeMs, keepLast, trimChunk]));
      total += deleted;
      if (deleted < trimChunk) return total;
    }
  }
}

/** A stream entry → ClusterEventRecord; data that is not JSON (a hand edit) is flagged, never thrown. */
function decodeEvent([id, flat]: StreamEntry): ClusterEventRecord {
  const f = toMap(flat);
  const record: ClusterEventRecord = {
    seq: Number(id.slice(0, id.indexOf('-'))),
    type: f.get('type') ?? '',
    nodeId: f.get('node') ?? '',
    atMs: Number(f.get('at') ?? 0),
    data: null,
  };
  try {
    record.data = JSON.parse(f.get('data') ?? 'null') as JsonValue;
  } catch {
    record.unreadable = true;
  }
  return record;
}
