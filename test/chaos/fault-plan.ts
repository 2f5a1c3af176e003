// The faults of one chaos run, decided up front from a seed: the same seed gives the same
// timeline (which node is killed when, how long it stays down, when connections are cut, when the
// server crashes), so a failing run can be replayed with SEED=<n>. Wall-clock timings of the
// nodes themselves still vary from run to run: a replay repeats the faults, not the interleaving.

/** mulberry32: a small, fast, seedable PRNG (uniform in [0, 1)). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** SEED from the environment (a replay), else a fresh one. */
export function chooseSeed(): number {
  const fromEnv = process.env.SEED;
  if (fromEnv !== undefined && fromEnv !== '') {
    const seed = Number(fromEnv);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new Error(`Expected SEED to be an integer in 0..2^32-1, got ${JSON.stringify(fromEnv)}`);
    return seed;
  }
  return Math.floor(Math.random() * 0xffff_ffff);
}

export type FaultAction =
  /** SIGKILL one node. */
  | { kind: 'kill'; node: number }
  /** Start a killed node again (a new incarnation: new process, new nodeId). */
  | { kind: 'restart'; node: number }
  /** SIGKILL every node at once. */
  | { kind: 'kill-all' }
  | { kind: 'restart-all' }
  /** Cut the store connections of one node (null: of every node). */
  | { kind: 'kill-connections'; node: number | null }
  /** Crash-stop the store's server (PostgreSQL immediate stop, Redis SIGKILL). */
  | { kind: 'crash-server' }
  | { kind: 'restart-server' };

export interface TimedFault {
  /** Milliseconds after the start of the fault phase. */
  atMs: number;
  action: FaultAction;
}

export interface FaultPlanOptions {
  seed: number;
  nodeCount: number;
  /** Length of the fault phase. */
  durationMs: number;
  /** Connection kills and a server crash (false for SQLite, which has neither). */
  hasServer: boolean;
}

/**
 * The timeline: a random node SIGKILLed every 2.5–5 s and restarted 0.3–2.5 s later; once, at
 * 30–45 % of the phase, every node killed at once and all restarted 2–3.5 s later (long enough
 * for every schedule to have overdue fires); with a server, connection kills every 1.5–4 s (a
 * random node, or every node one time in five) and one crash-stop of the server at 60–75 %,
 * restarted 1–2.5 s later. Single kills keep clear of the all-node kill. Sorted by time.
 */
export function planFaults(options: FaultPlanOptions): TimedFault[] {
  const random = seededRandom(options.seed);
  const between = (low: number, high: number) => Math.round(low + (high - low) * random());
  const { durationMs, nodeCount } = options;
  const faults: TimedFault[] = [];

  const allKillAtMs = between(durationMs * 0.3, durationMs * 0.45);
  const allDownMs = between(2000, 3500);
  faults.push({ atMs: allKillAtMs, action: { kind: 'kill-all' } }, { atMs: allKillAtMs + allDownMs, action: { kind: 'restart-all' } });
  const quietFromMs = allKillAtMs - 3000;
  const quietUntilMs = allKillAtMs + allDownMs + 2000;

  for (let atMs = between(2000, 3500); atMs < durationMs - 3000; atMs += between(2500, 5000)) {
    const downMs = between(300, 2500);
    if (atMs + downMs > quietFromMs && atMs < quietUntilMs) continue;
    const node = Math.floor(random() * nodeCount);
    faults.push({ atMs, action: { kind: 'kill', node } }, { atMs: atMs + downMs, action: { kind: 'restart', node } });
  }

  if (options.hasServer) {
    const crashAtMs = between(durationMs * 0.6, durationMs * 0.75);
    faults.push({ atMs: crashAtMs, action: { kind: 'crash-server' } }, { atMs: crashAtMs + between(1000, 2500), action: { kind: 'restart-server' } });
    for (let atMs = between(1000, 2500); atMs < durationMs - 1000; atMs += between(1500, 4000)) {
      const node = random() < 0.2 ? null : Math.floor(random() * nodeCount);
      faults.push({ atMs, action: { kind: 'kill-connections', node } });
    }
  }
  return faults.sort((a, b) => a.atMs - b.atMs);
}

/** How many faults of each kind a plan holds, for the summary line. */
export function countFaults(faults: readonly TimedFault[]): Record<FaultAction['kind'], number> {
  const counts: Record<FaultAction['kind'], number> = {
    kill: 0,
    restart: 0,
    'kill-all': 0,
    'restart-all': 0,
    'kill-connections': 0,
    'crash-server': 0,
    'restart-server': 0,
  };
  for (const fault of faults) counts[fault.action.kind]++;
  return counts;
}
