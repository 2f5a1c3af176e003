import { InvalidArgumentError, NotLeaderError } from '../errors.ts';
import { defaultNodeId } from '../runtime/node-id.ts';
import { silentLogger, type Logger } from '../runtime/logger.ts';
import type { LeaderRecord, Store } from '../store/store.ts';
import { monotonicNow, systemClock, type Clock, type TimerHandle } from '../time/clock.ts';
import { parseDuration, type Duration } from '../time/duration.ts';
import type { HostedService, ServiceHealth } from './hosted-service.ts';
import { LeaderEvents, type LeaderEventMap } from './leader-events.ts';

/**
 * The options of `new LeaderElector(options)`: the store and election name, this node's id, and the lease timings.
 */
export interface LeaderElectorOptions {
  /** Where the election is held (any Sundial store; the same one the scheduler uses is fine). */
  store: Store;
  /** The election: one leader per name per store. */
  name: string;
  /** This node's id. @defaultValue `hostname:pid:random` */
  nodeId?: string;
  /**
   * How long the leader may go without renewing before another node takes over. Failover after a
   * crash takes about this long. @defaultValue '5s'
   */
  lease?: Duration;
  /** How often the leader renews. @defaultValue lease / 5 */
  renewEvery?: Duration;
  /**
   * The leader gives up when it has not renewed for this long, measured from the send of its
   * last successful renewal on its own monotonic clock — before any other node can take over.
   * Must be shorter than `lease`; the difference is the margin for clock-rate drift and the
   * time the leader's code needs to stop. @defaultValue lease × 2/3
   */
  renewDeadline?: Duration;
  /** How often a candidate reads the election. @defaultValue lease / 5 */
  retryEvery?: Duration;
  clock?: Clock;
  logger?: Logger;
  /**
   * Append `leader.elected` / `leader.deposed` to the store's cluster event log, so that every
   * node's `scope: 'cluster'` listeners see them. @defaultValue true
   */
  publishEvents?: boolean;
}

/**
 * One term of leadership as the leader's code sees it: the fencing token to hand to whatever it
 * writes, and a signal that aborts when the term ends.
 */
export interface LeaderTerm {
  readonly term: number;
  /** Aborts when this node stops leading (deposed, deadline passed, or stopped). */
  readonly signal: AbortSignal;
  /**
   * Whether the term is still good right now, judged synchronously on the monotonic clock. A
   * process that was paused (SIGSTOP, a long GC, a suspended VM) may run other callbacks before
   * the timer that aborts `signal`: check this (or `assert()`) right before acting.
   */
  readonly valid: boolean;
  /** Throws `NotLeaderError` when the term is no longer valid. */
  assert(): void;
}

type State = 'idle' | 'candidate' | 'leader' | 'stopped';

/** The term this node holds: `deadlineMono` is when it must have stopped acting, unless renewed. */
interface HeldTerm {
  term: number;
  controller: AbortController;
  deadlineMono: number;
  view: LeaderTerm;
}

/**
 * Leader election on a Sundial store, after client-go's `leaderelection`: the leader renews a
 * lease record; a candidate takes over only after it has watched the record unchanged for the
 * lease on its own clock (so clocks of two machines are never compared); every acquisition
 * raises the term, a fencing token the store refuses when it is old. The leader steps down on
 * its own when it cannot renew within `renewDeadline`, which is shorter than the lease: a paused
 * or partitioned leader has stopped acting before anyone else can start.
 *
 * @example
 * const elector = new LeaderElector({ store, name: 'worker-controller' });
 * elector.on('leader.elected', ({ term }) => console.log('leading, term', term));
 * await elector.start();
 */
export class LeaderElector implements HostedService {
  readonly name: string;
  readonly election: string;
  readonly nodeId: string;
  readonly leaseMs: number;
  readonly renewEveryMs: number;
  readonly renewDeadlineMs: number;
  readonly retryEveryMs: number;
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #publish: boolean;
  readonly #events: LeaderEvents;
  #state: State = 'idle';
  #timer: TimerHandle | null = null;
  /** Ends the term at its deadline even while a store call hangs (it runs outside the serial chain). */
  #deadlineTimer: TimerHandle | null = null;
  #busy: Promise<void> = Promise.resolve();
  /** The last record seen, and when (monotonic) its version was first seen. */
  #observed: { record: LeaderRecord; firstSeenMono: number } | null = null;
  #lastHolder: string | null | undefined = undefined;
  /**
   * When the earliest acquisition whose answer never came was sent (it may have succeeded): a
   * term found later is counted from then, not from the call that found it.
   */
  #unansweredSince: number | null = null;
  /** A ref'd handle while started: an elector keeps its process alive, as a listening server does (timers are unref'd). */
  #keepAlive: ReturnType<typeof setInterval> | null = null;
  /** While leading: the term, its controller, and the monotonic instant it must end by. */
  #term: HeldTerm | null = null;

  constructor(options: LeaderElectorOptions) {
    if (typeof options.name !== 'string' || options.name.length === 0) {
      throw new InvalidArgumentError(`Expected \`name\` to be a non-empty string, got ${JSON.stringify(options.name)}`);
    }
    this.election = options.name;
    this.name = `leader:${options.name}`;
    this.nodeId = options.nodeId ?? defaultNodeId();
    this.leaseMs = parseDuration(options.lease ?? '5s', 'lease');
    this.renewEveryMs = parseDuration(options.renewEvery ?? Math.max(1, Math.floor(this.leaseMs / 5)), 'renewEvery');
    this.renewDeadlineMs = parseDuration(options.renewDeadline ?? Math.floor((this.leaseMs * 2) / 3), 'renewDeadline');
    this.retryEveryMs = parseDuration(options.retryEvery ?? Math.max(1, Math.floor(this.leaseMs / 5)), 'retryEvery');
    if (this.renewDeadlineMs >= this.leaseMs) {
      throw new InvalidArgumentError(`Expected \`renewDeadline\` (${this.renewDeadlineMs} ms) to be shorter than \`lease\` (${this.leaseMs} ms)`);
    }
    if (this.retryEveryMs + this.renewDeadlineMs >= this.leaseMs) {
      throw new InvalidArgumentError(
        `Expected \`retryEvery\` + \`renewDeadline\` (${this.retryEveryMs} + ${this.renewDeadlineMs} ms) to be shorter than \`lease\` (${this.leaseMs} ms): a candidate may start counting a lease up to retryEvery before it saw the holder's last renewal`,
      );
    }
    if (this.renewEveryMs >= this.renewDeadlineMs) {
      throw new InvalidArgumentError(`Expected \`renewEvery\` (${this.renewEveryMs} ms) to be shorter than \`renewDeadline\` (${this.renewDeadlineMs} ms)`);
    }
    this.#store = options.store;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#publish = options.publishEvents ?? true;
    this.#events = new LeaderEvents((error, event) => this.#logger.error(`leader ${this.election}: a ${event} listener threw: ${(error as Error).message}`));
  }

  /** Whether this node leads right now (judged on the monotonic clock, not on a timer having run). */
  get leading(): boolean {
    return this.#term !== null && monotonicNow(this.#clock) < this.#term.deadlineMono;
  }

  /** The current term while leading, else null. */
  get term(): LeaderTerm | null {
    return this.leading ? this.#term!.view : null;
  }

  /** The leader as last seen by this node (null: none, or released); undefined before the first read. */
  get leader(): string | null | undefined {
    return this.#lastHolder;
  }

  /**
   * Listens to this elector's events (`leader.elected`, `leader.deposed`, `leader.changed`; see `LeaderEventMap`).
   * Returns a function that removes the listener.
   */
  on<E extends keyof LeaderEventMap>(event: E, listener: (payload: LeaderEventMap[E]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Resolves with the term once this node leads (at once when it does). */
  async whenLeading(signal?: AbortSignal): Promise<LeaderTerm> {
    const current = this.term;
    if (current !== null) return current;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        off();
        reject(signal!.reason);
      };
      const off = this.#events.on('leader.elected', () => {
        signal?.removeEventListener('abort', onAbort);
        off();
        resolve(this.#term!.view);
      });
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Joins the election. Resolves once the first read of the election is done. Idempotent. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.#state !== 'idle') return;
    this.#state = 'candidate';
    this.#keepAlive = setInterval(() => {}, 2 ** 30);
    signal?.addEventListener('abort', () => void this.stop(), { once: true });
    await this.#serially(() => this.#campaign());
  }

  /** Leaves the election: ends the term (aborting leader work) and releases the lease at once. Idempotent. */
  async stop(): Promise<void> {
    if (this.#state === 'stopped') return;
    const wasIdle = this.#state === 'idle';
    this.#state = 'stopped';
    this.#timer?.cancel();
    this.#timer = null;
    if (this.#keepAlive !== null) clearInterval(this.#keepAlive);
    this.#keepAlive = null;
    if (wasIdle) return;
    // Not behind the serial chain: a hung store call must not hold the stop (or the release) up.
    const term = this.#term;
    if (term === null) return;
    this.#endTerm('stopped');
    try {
      await this.#bounded(this.#store.releaseLeadership({ name: this.election, nodeId: this.nodeId, term: term.term, nowMs: this.#clock.now() }));
    } catch (error) {
      // Not fatal: the others take over after the lease instead of at once.
      this.#logger.warn(`leader ${this.election}: could not release the lease: ${(error as Error).message}`);
    }
  }

  health(): ServiceHealth {
    return { live: this.#state !== 'stopped', ready: this.#state === 'candidate' || this.#state === 'leader', detail: this.leading ? `leading (term ${this.#term!.term})` : 'following' };
  }

  /** Same as `stop()` (which releases leadership at once), for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }

  /** Runs store calls one at a time: a renewal never overlaps a release. */
  #serially(work: () => Promise<void>): Promise<void> {
    const next = this.#busy.then(work, work);
    this.#busy = next.catch(() => {});
    return next;
  }

  /**
   * A store call that does not answer within the renew deadline counts as failed: the election
   * goes on (a hung connection must not freeze it). A late answer is ignored, which is safe: an
   * acquisition nobody saw is not trusted later (see `acquiredNow`), a renewal only extends.
   */
  #bounded<T>(call: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.#clock.setTimer(() => reject(new Error(`no answer from the store within ${this.renewDeadlineMs} ms`)), this.renewDeadlineMs);
      call.then(
        (value) => {
          timer.cancel();
          resolve(value);
        },
        (error: unknown) => {
          timer.cancel();
          reject(error as Error);
        },
      );
    });
  }

  #schedule(delayMs: number, work: () => Promise<void>): void {
    this.#timer?.cancel();
    if (this.#state === 'stopped') return;
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = null;
      void this.#serially(work);
    }, delayMs);
  }

  async #campaign(): Promise<void> {
    if (this.#state !== 'candidate') return;
    let record: LeaderRecord;
    let sentMono: number | undefined;
    try {
      // The acquisition is judged against what was seen just before (see #acquiredNow): read
      // first when nothing was seen yet, or after a term of our own whose end the store may not know.
      if (this.#observed === null) this.#watch((await this.#bounded(this.#store.getLeader(this.election))) ?? absent(this.election));
      const observed = this.#observed!;
      const expired = observed.record.holder !== null && monotonicNow(this.#clock) - observed.firstSeenMono >= observed.record.leaseMs;
      sentMono = monotonicNow(this.#clock);
      record = await this.#bounded(this.#store.acquireLeadership({
        name: this.election,
        nodeId: this.nodeId,
        nowMs: this.#clock.now(),
        leaseMs: this.leaseMs,
        observedVersion: expired ? observed.record.version : null,
      }));
    } catch (error) {
      if (sentMono !== undefined) this.#unansweredSince ??= sentMono;
      this.#logger.warn(`leader ${this.election}: could not read the election: ${(error as Error).message}`);
      this.#schedule(this.retryEveryMs, () => this.#campaign());
      return;
    }
    if (this.#state !== 'candidate') return;
    const before = this.#observed!.record;
    this.#noteHolder(record);
    if (acquired(before, record, this.nodeId)) {
      this.#beginTerm(record, Math.min(sentMono, this.#unansweredSince ?? sentMono));
      this.#unansweredSince = null;
      return;
    }
    if (record.holder !== this.nodeId) this.#unansweredSince = null;
    const watch = this.#watch(record);
    const untilExpiry = record.holder === null ? 0 : watch.firstSeenMono + record.leaseMs - monotonicNow(this.#clock);
    this.#schedule(Math.max(0, Math.min(this.retryEveryMs, untilExpiry)), () => this.#campaign());
  }

  /**
   * Notes a record just read. A new version restarts the watch from `retryEvery` ago: the write
   * that made it is visible now, so it was sent before now, and its holder's deadline is at most
   * now + renewDeadline. A takeover a lease after (now − retryEvery) is therefore later than that
   * deadline whenever retryEvery + renewDeadline < lease (checked at construction; the rest is
   * the margin for clock-rate drift and for the leader's code to stop). Counting from a little
   * before the read, rather than from the read, makes failover about one lease after the
   * holder's last renewal, not a lease plus a poll.
   */
  #watch(record: LeaderRecord): { record: LeaderRecord; firstSeenMono: number } {
    const previous = this.#observed;
    const since = previous !== null && previous.record.version === record.version ? previous.firstSeenMono : monotonicNow(this.#clock) - this.retryEveryMs;
    this.#observed = { record, firstSeenMono: since };
    return this.#observed;
  }

  #beginTerm(record: LeaderRecord, sentMono: number): void {
    const controller = new AbortController();
    const state: HeldTerm = { term: record.term, controller, deadlineMono: sentMono + this.renewDeadlineMs, view: undefined as unknown as LeaderTerm };
    const isCurrent = () => this.#term === state && monotonicNow(this.#clock) < state.deadlineMono;
    const describe = `Node ${this.nodeId} no longer leads ${this.election} under term ${record.term}`;
    state.view = {
      term: record.term,
      signal: controller.signal,
      get valid() {
        return isCurrent();
      },
      assert() {
        if (!isCurrent()) throw new NotLeaderError(describe);
      },
    };
    this.#term = state;
    this.#state = 'leader';
    this.#observed = { record, firstSeenMono: sentMono };
    this.#logger.info(`leader ${this.election}: elected (term ${record.term})`);
    this.#announce('leader.elected', { name: this.election, nodeId: this.nodeId, term: record.term });
    this.#armDeadline(state);
    this.#schedule(this.renewEveryMs, () => this.#renew());
  }

  async #renew(): Promise<void> {
    const term = this.#term;
    if (this.#state !== 'leader' || term === null) return;
    if (monotonicNow(this.#clock) >= term.deadlineMono) {
      this.#depose('renew-deadline');
      return;
    }
    const sentMono = monotonicNow(this.#clock);
    let record: LeaderRecord | null;
    try {
      record = await this.#bounded(this.#store.renewLeadership({ name: this.election, nodeId: this.nodeId, term: term.term, nowMs: this.#clock.now(), leaseMs: this.leaseMs }));
    } catch (error) {
      this.#logger.warn(`leader ${this.election}: renewal failed: ${(error as Error).message}`);
      this.#scheduleRenewal(term, Math.min(this.retryEveryMs, this.renewEveryMs));
      return;
    }
    if (this.#term !== term) return;
    if (record === null) {
      this.#depose('lost');
      return;
    }
    term.deadlineMono = sentMono + this.renewDeadlineMs;
    this.#armDeadline(term);
    this.#observed = { record, firstSeenMono: sentMono };
    this.#scheduleRenewal(term, this.renewEveryMs);
  }

  #armDeadline(term: HeldTerm): void {
    this.#deadlineTimer?.cancel();
    this.#deadlineTimer = this.#clock.setTimer(() => {
      this.#deadlineTimer = null;
      if (this.#term === term && monotonicNow(this.#clock) >= term.deadlineMono) this.#depose('renew-deadline');
      else if (this.#term === term) this.#armDeadline(term);
    }, term.deadlineMono - monotonicNow(this.#clock));
  }

  /** The next renewal, but never later than the deadline: the deadline check deposes on time. */
  #scheduleRenewal(term: { deadlineMono: number }, delayMs: number): void {
    const untilDeadline = term.deadlineMono - monotonicNow(this.#clock);
    this.#schedule(Math.max(0, Math.min(delayMs, untilDeadline)), () => this.#renew());
  }

  #depose(reason: 'lost' | 'renew-deadline'): void {
    const term = this.#endTerm(reason);
    this.#logger.warn(`leader ${this.election}: deposed (term ${term}, ${reason === 'lost' ? 'another node took over' : 'could not renew in time'})`);
    this.#state = 'candidate';
    // Read afresh: the store may still name this node under the old term (a deadline passed
    // while renewals failed), which must not read as a new acquisition.
    this.#observed = null;
    this.#schedule(this.retryEveryMs, () => this.#campaign());
  }

  #endTerm(reason: 'lost' | 'renew-deadline' | 'stopped'): number {
    const term = this.#term!;
    this.#term = null;
    this.#deadlineTimer?.cancel();
    this.#deadlineTimer = null;
    term.controller.abort(new NotLeaderError(`Node ${this.nodeId} stopped leading ${this.election} (term ${term.term}): ${reason}`));
    this.#announce('leader.deposed', { name: this.election, nodeId: this.nodeId, term: term.term, reason });
    return term.term;
  }

  #noteHolder(record: LeaderRecord): void {
    if (record.holder === this.#lastHolder) return;
    this.#lastHolder = record.holder;
    this.#events.emit('leader.changed', { name: this.election, leader: record.holder, term: record.term });
  }

  #announce<E extends 'leader.elected' | 'leader.deposed'>(event: E, payload: LeaderEventMap[E]): void {
    if (event === 'leader.elected') this.#noteHolder({ ...this.#observed!.record });
    this.#events.emit(event, payload);
    if (!this.#publish) return;
    const write = { type: event, nodeId: this.nodeId, atMs: this.#clock.now(), data: { ...payload } };
    this.#store.appendEvents([write]).catch((error: unknown) => {
      this.#logger.warn(`leader ${this.election}: could not publish ${event}: ${(error as Error).message}`);
    });
  }
}

/** The record of an election never held: what a first acquisition is judged against. */
function absent(name: string): LeaderRecord {
  return { name, holder: null, term: 0, version: 0, acquiredAtMs: 0, renewedAtMs: 0, leaseMs: 0 };
}

/**
 * Whether the node became leader since `before` was seen: it holds the record under a newer
 * term (only its own acquisition can name it). The same term still naming it — left from before
 * a restart, or from a term it gave up when renewals failed — is not trusted: the node then
 * waits a lease and takes over under a new term, since it cannot know since when the others
 * have been watching.
 */
function acquired(before: LeaderRecord, after: LeaderRecord, nodeId: string): boolean {
  return after.holder === nodeId && after.term > before.term;
}
