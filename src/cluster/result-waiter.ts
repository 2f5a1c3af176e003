import type { JsonValue } from '../domain/json.ts';
import type { JobRecord } from '../domain/job.ts';
import { JobFailedError, JobNotFoundError, ResultTimeoutError } from '../errors.ts';
import type { Store } from '../store/store.ts';
import type { Clock, TimerHandle } from '../time/clock.ts';
import { finalJobEvents } from './cluster-events.ts';
import type { EventFeed } from './event-feed.ts';
import { interestRefreshMs } from './event-publisher.ts';

/** The first safety read after this long, then doubling up to `maxCheckMs`. */
const firstCheckMs = 250;
/**
 * Until the other nodes can have read that this node waits (they re-read the node records every
 * second), they do not append job ends for it: the safety reads start sooner then, so that the
 * first commands of a fresh API node do not wait a quarter of a second each.
 */
const warmUpMs = 2 * interestRefreshMs;
const warmUpFirstCheckMs = 25;
const maxCheckMs = 5_000;

interface Waiter {
  jobId: string;
  settle: (record: JobRecord) => boolean;
  check: () => void;
}

/**
 * `scheduler.result(jobId)`: resolves when the job reaches a final status on any node. The push
 * path is the cluster event log (the node that ends the job appends `job.succeeded`, `job.dead`
 * or `job.cancelled` because this node asked for them), after which the job record is read — the
 * record is the truth, the event only says when to look. A safety read on a backoff (250 ms
 * doubling to 5 s; 25 ms doubling in the first two seconds after this node first waits, before
 * the other nodes learn it listens) covers what the push path can miss: that warm-up, an event
 * lost with its node, a trimmed log.
 */
export class ResultWaiter {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #feed: EventFeed;
  readonly #waiters = new Map<string, Set<Waiter>>();
  #unwatch: (() => void) | null = null;
  #firstWaitAtMs: number | null = null;

  constructor(store: Store, clock: Clock, feed: EventFeed) {
    this.#store = store;
    this.#clock = clock;
    this.#feed = feed;
  }

  /** Every waiter reads its job again (after a gap in the log). */
  recheckAll(): void {
    for (const set of this.#waiters.values()) for (const waiter of set) waiter.check();
  }

  wait(jobId: string, timeoutMs: number | null, signal: AbortSignal | undefined): Promise<JsonValue | null> {
    this.#feed.want(finalJobEvents);
    this.#firstWaitAtMs ??= this.#clock.now();
    const warmingUp = this.#clock.now() - this.#firstWaitAtMs < warmUpMs;
    this.#unwatch ??= this.#feed.watch((record) => {
      if (!(finalJobEvents as readonly string[]).includes(record.type)) return;
      const id = (record.data as { job?: { id?: unknown } } | null)?.job?.id;
      if (typeof id === 'string') for (const waiter of this.#waiters.get(id) ?? []) waiter.check();
    });
    return new Promise((resolve, reject) => {
      signal?.throwIfAborted();
      let done = false;
      let pollTimer: TimerHandle | null = null;
      let timeoutTimer: TimerHandle | null = null;
      let nextCheckMs = warmingUp ? warmUpFirstCheckMs : firstCheckMs;
      const finish = (settleWith: () => void) => {
        if (done) return;
        done = true;
        pollTimer?.cancel();
        timeoutTimer?.cancel();
        signal?.removeEventListener('abort', onAbort);
        const set = this.#waiters.get(jobId);
        set?.delete(waiter);
        if (set?.size === 0) this.#waiters.delete(jobId);
        settleWith();
      };
      const onAbort = () => finish(() => reject(signal!.reason));
      const waiter: Waiter = {
        jobId,
        settle: (record) => {
          switch (record.status) {
            case 'succeeded':
              finish(() => resolve(record.result));
              return true;
            case 'dead':
            case 'cancelled':
              finish(() => reject(new JobFailedError(jobId, record.status as 'dead' | 'cancelled', record.error)));
              return true;
            default:
              return false;
          }
        },
        check: () => {
          if (done) return;
          this.#store.getJob(jobId).then(
            (record) => {
              if (done) return;
              if (record === null) finish(() => reject(new JobNotFoundError(`No job with id ${jobId}`)));
              else waiter.settle(record);
            },
            // A failed read is not the answer: the next check (event or backoff) tries again.
            () => {},
          );
        },
      };
      const poll = () => {
        pollTimer = this.#clock.setTimer(() => {
          waiter.check();
          nextCheckMs = Math.min(maxCheckMs, nextCheckMs * 2);
          poll();
        }, nextCheckMs);
      };
      // Registered before the first read, so an end between the read and the registration is seen.
      let set = this.#waiters.get(jobId);
      if (!set) this.#waiters.set(jobId, (set = new Set()));
      set.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeoutMs !== null) {
        timeoutTimer = this.#clock.setTimer(
          () => finish(() => reject(new ResultTimeoutError(`Job ${jobId} did not reach a final status within ${timeoutMs} ms`))),
          timeoutMs,
        );
      }
      waiter.check();
      poll();
    });
  }

  stop(): void {
    this.#unwatch?.();
    this.#unwatch = null;
  }
}
