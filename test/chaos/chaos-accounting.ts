// What a chaos run did, counted from the store (read after every node stopped) and from the
// handlers' own log lines. Pure: it reads only its input, so each rule can be checked on its own.
//
// Fires. A schedule `every(interval, { startAt })` has nominal fire instants on the grid
// startAt + k × interval. Its window runs from its first fire (the first grid instant at or after
// the schedule's creation) up to, not including, its final `nextFireAtMs` F: every instant in the
// window was decided by some node. Each must be accounted for exactly once, either as a job in the
// store (one per instant, by the store's uniqueness) or in the schedule's counters (`missedCount`:
// late or coalesced, `skippedCount`: overlap). So per schedule
//   expected = instants in [first, F),  accounted = jobs with a fire in [first, F) + missed + skipped,
// and a fire that vanished without being counted makes accounted < expected: it is **lost**. More
// than expected (**over-counted**) means a fire was counted twice (a job and a counter). Instants
// at or after F that were due at least one interval before the end of settling are **lagging**:
// nothing decided them. `firedCount` must equal the schedule's jobs (none vanished from the store).
//
// Jobs. A job's final fencing token T is the one under which the store took its success (the last
// claim: a succeeded job is never claimed again). Its handler must have reached its end under T
// (else a **phantom** success). A **duplicate** is two jobs for one (schedule, fire), or a run of
// an already acknowledged success: a handler line under a token above T, an `acked` line (the
// node saw the store accept its success) under a token other than T, or two succeeded attempts.
// A **re-run** is the at-least-once case: the handler reached its end under an earlier token but
// that outcome was never acknowledged (the node was SIGKILLed before writing it, or lost its
// lease); it is counted, not failed. An **interrupted** attempt started and never ended.
//
// Acknowledged jobs: every job whose enqueue promise resolved must be in the store, succeeded.
// Schedule jobs fired before the faults ended must have succeeded too. **Stuck**: jobs still
// running at the end of settling under the lease of a node incarnation that is gone.
import type { JobRecord } from '../../src/domain/job.ts';
import type { ScheduleRecord } from '../../src/domain/schedule.ts';

/** One line of a chaos worker's log (test/chaos/chaos-worker.ts). */
export interface WorkerLogLine {
  e: 'start' | 'end' | 'abort' | 'acked' | 'missed' | 'skipped' | 'upserted' | 'ready';
  node: string;
  t: number;
  job?: string;
  tok?: number;
  att?: number;
  sch?: string | null;
  fire?: number | null;
  fires?: number[];
  /** `upserted`: the schedule's nextFireAtMs as schedule() wrote it. */
  next?: number | null;
  reason?: string;
}

export interface AccountingInput {
  intervalMs: number;
  startAtMs: number;
  scheduleIds: readonly string[];
  schedules: readonly ScheduleRecord[];
  jobs: readonly JobRecord[];
  lines: readonly WorkerLogLine[];
  /** Ids of the on-demand jobs whose enqueue resolved. */
  acknowledged: readonly string[];
  /** Schedule jobs fired up to here must have succeeded. */
  faultsEndMs: number;
  /** When settling ended (before the nodes were stopped). */
  settledAtMs: number;
  /** Running jobs at `settledAtMs` whose lease owner was not a live node. */
  stuckAtSettle: readonly JobRecord[];
}

export interface ChaosCounts {
  fires: { expected: number; jobs: number; missed: number; skipped: number; lost: number; overCounted: number; lagging: number };
  /** Schedules gone from the store, or whose firedCount differs from their jobs. */
  scheduleDefects: number;
  /** Extra jobs for a fire; jobs run after an acknowledged success; phantom successes (jobs). */
  duplicates: { jobsPerFire: number; runsAfterSuccess: number; phantomSuccesses: number };
  acknowledged: { total: number; succeeded: number; lost: number; notDone: number };
  scheduleJobsNotDone: number;
  stuck: number;
  reruns: { jobs: number; extraRuns: number; interruptedAttempts: number };
  /** Fires with neither a job nor a `missed`/`skipped` event line (a hint only: see `unaccountedHint`). */
  firesWithoutEvidence: number;
  /** What each non-zero failure count is made of (a few examples each), by kind. */
  problems: Partial<Record<ProblemKind, string>>;
}

export type ProblemKind =
  | 'lost fires'
  | 'over-counted fires'
  | 'lagging schedules'
  | 'schedule defects'
  | 'jobs per fire > 1'
  | 'runs after an acknowledged success'
  | 'phantom successes'
  | 'acknowledged jobs lost'
  | 'acknowledged jobs not done'
  | 'schedule jobs not done'
  | 'stuck leases';

export function accountRun(input: AccountingInput): ChaosCounts {
  const problems: Partial<Record<ProblemKind, string>> = {};
  const note = (kind: ProblemKind, items: readonly string[]) => {
    if (items.length > 0) problems[kind] = `${kind} (${items.length}): ${items.slice(0, 8).join('; ')}${items.length > 8 ? '; …' : ''}`;
  };
  let firesWithoutEvidence = 0;
  const linesByJob = group(input.lines.filter((line) => line.job !== undefined), (line) => line.job!);
  const jobsBySchedule = group(input.jobs.filter((job) => job.origin === 'schedule'), (job) => job.scheduleId ?? '');

  // ---- fires ----
  const fires = { expected: 0, jobs: 0, missed: 0, skipped: 0, lost: 0, overCounted: 0, lagging: 0 };
  const defects: string[] = [];
  const lostFires: string[] = [];
  const overCounted: string[] = [];
  const lagging: string[] = [];
  const offWindow: string[] = [];
  const schedulesById = new Map(input.schedules.map((schedule) => [schedule.id, schedule]));
  const { intervalMs, startAtMs } = input;
  const gridAtOrAfter = (ms: number) => (ms <= startAtMs ? startAtMs : startAtMs + Math.ceil((ms - startAtMs) / intervalMs) * intervalMs);
  for (const id of input.scheduleIds) {
    const schedule = schedulesById.get(id);
    const jobs = jobsBySchedule.get(id) ?? [];
    if (!schedule || schedule.nextFireAtMs === null) {
      defects.push(`${id}: ${schedule ? 'has no next fire' : 'is gone from the store'}`);
      continue;
    }
    const firstMs = gridAtOrAfter(schedule.createdAtMs);
    const nextMs = schedule.nextFireAtMs;
    if ((nextMs - startAtMs) % intervalMs !== 0) defects.push(`${id}: nextFireAtMs ${nextMs} is off the grid`);
    const expected = nextMs > firstMs ? Math.ceil((nextMs - firstMs) / intervalMs) : 0;
    const inWindow = new Set<number>();
    for (const job of jobs) {
      const fire = job.fireAtMs ?? Number.NaN;
      if (fire >= firstMs && fire < nextMs && (fire - startAtMs) % intervalMs === 0) inWindow.add(fire);
      else offWindow.push(`${id}@${fire} (window ${firstMs}..${nextMs})`);
    }
    const accounted = inWindow.size + schedule.missedCount + schedule.skippedCount;
    const unaccounted = unaccountedFires(id, firstMs, nextMs, intervalMs, inWindow, input.lines);
    firesWithoutEvidence += unaccounted.length;
    fires.expected += expected;
    fires.jobs += inWindow.size;
    fires.missed += schedule.missedCount;
    fires.skipped += schedule.skippedCount;
    if (accounted < expected) {
      fires.lost += expected - accounted;
      lostFires.push(`${id}: ${expected} expected, ${inWindow.size} jobs + ${schedule.missedCount} missed + ${schedule.skippedCount} skipped; no job nor event line for +${unaccounted.map((fire) => fire - startAtMs).join(', +')} ms`);
    } else if (accounted > expected) {
      fires.overCounted += accounted - expected;
      overCounted.push(`${id}: ${expected} expected, ${inWindow.size} jobs + ${schedule.missedCount} missed + ${schedule.skippedCount} skipped; ${doubleCountedHint(id, startAtMs, inWindow, input.lines)}`);
    }
    const lateCount = Math.max(0, Math.floor((input.settledAtMs - intervalMs - nextMs) / intervalMs) + 1);
    if (lateCount > 0) {
      fires.lagging += lateCount;
      lagging.push(`${id}: next fire ${nextMs} is ${input.settledAtMs - nextMs} ms before the end of settling`);
    }
    if (schedule.firedCount !== jobs.length) defects.push(`${id}: firedCount ${schedule.firedCount} but ${jobs.length} jobs in the store`);
  }
  note('lost fires', lostFires);
  note('over-counted fires', overCounted);
  note('lagging schedules', lagging);
  note('schedule defects', [...defects, ...offWindow.map((text) => `job outside its schedule's window: ${text}`)]);

  // ---- jobs ----
  const perFire = group(input.jobs.filter((job) => job.fireAtMs !== null), (job) => `${job.scheduleId}@${job.fireAtMs}`);
  const duplicateFires = [...perFire].filter(([, jobs]) => jobs.length > 1);
  note('jobs per fire > 1', duplicateFires.map(([key, jobs]) => `${key}: ${jobs.map((job) => job.id).join(', ')}`));

  const afterSuccess: string[] = [];
  const jobsRunAfterSuccess = new Set<string>();
  const phantoms: string[] = [];
  const reruns = { jobs: 0, extraRuns: 0, interruptedAttempts: 0 };
  for (const job of input.jobs) {
    const lines = linesByJob.get(job.id) ?? [];
    const ended = new Set(lines.filter((line) => line.e === 'end').map((line) => line.tok!));
    const started = new Set(lines.filter((line) => line.e === 'start').map((line) => line.tok!));
    for (const token of started) if (!ended.has(token)) reruns.interruptedAttempts++;
    if (ended.size > 1) {
      reruns.jobs++;
      reruns.extraRuns += ended.size - 1;
    }
    const acked = lines.filter((line) => line.e === 'acked');
    if (job.status !== 'succeeded') {
      if (acked.length > 0) afterSuccess.push(`${job.id}: acknowledged as succeeded under token ${acked[0]!.tok} but ${job.status} now`);
      continue;
    }
    const token = job.fencingToken;
    const later = lines.filter((line) => line.tok! > token);
    if (later.length > 0) afterSuccess.push(`${job.id}: succeeded under token ${token}, then ${later[0]!.e} under ${later[0]!.tok} on ${later[0]!.node}`);
    const otherAck = acked.find((line) => line.tok !== token);
    if (otherAck) afterSuccess.push(`${job.id}: success acknowledged under token ${otherAck.tok}, yet it succeeded again under ${token}`);
    const succeededAttempts = job.attempts.filter((attempt) => attempt.outcome === 'succeeded').length;
    if (succeededAttempts > 1) afterSuccess.push(`${job.id}: ${succeededAttempts} succeeded attempts`);
    if (!ended.has(token)) phantoms.push(`${job.id}: succeeded under token ${token} but no handler reached its end under it`);
  }
  for (const text of afterSuccess) jobsRunAfterSuccess.add(text.slice(0, text.indexOf(':')));
  note('runs after an acknowledged success', afterSuccess);
  note('phantom successes', phantoms);

  // ---- acknowledged on-demand jobs, schedule jobs, stuck leases ----
  const jobsById = new Map(input.jobs.map((job) => [job.id, job]));
  const lostJobs = input.acknowledged.filter((id) => !jobsById.has(id));
  const notDone = input.acknowledged.map((id) => jobsById.get(id)).filter((job) => job !== undefined && job.status !== 'succeeded') as JobRecord[];
  note('acknowledged jobs lost', lostJobs);
  note('acknowledged jobs not done', notDone.map(describeJob));
  const scheduleNotDone = input.jobs.filter((job) => job.origin === 'schedule' && job.fireAtMs !== null && job.fireAtMs <= input.faultsEndMs && job.status !== 'succeeded');
  note('schedule jobs not done', scheduleNotDone.map(describeJob));
  note('stuck leases', input.stuckAtSettle.map(describeJob));

  return {
    fires,
    scheduleDefects: defects.length + offWindow.length,
    duplicates: { jobsPerFire: duplicateFires.reduce((sum, [, jobs]) => sum + jobs.length - 1, 0), runsAfterSuccess: jobsRunAfterSuccess.size, phantomSuccesses: phantoms.length },
    acknowledged: { total: input.acknowledged.length, succeeded: input.acknowledged.length - lostJobs.length - notDone.length, lost: lostJobs.length, notDone: notDone.length },
    scheduleJobsNotDone: scheduleNotDone.length,
    stuck: input.stuckAtSettle.length,
    reruns,
    firesWithoutEvidence,
    problems,
  };
}

/** The counts as one line. */
export function formatCounts(counts: ChaosCounts): string {
  const { fires, duplicates, acknowledged, reruns } = counts;
  return (
    `fires expected ${fires.expected} = run ${fires.jobs} + missed ${fires.missed} + skipped ${fires.skipped} ` +
    `(lost ${fires.lost}, over-counted ${fires.overCounted}, lagging ${fires.lagging}, schedule defects ${counts.scheduleDefects}, ` +
    `without job or event line ${counts.firesWithoutEvidence}); ` +
    `duplicates: jobs per fire ${duplicates.jobsPerFire}, runs after success ${duplicates.runsAfterSuccess}, phantom ${duplicates.phantomSuccesses}; ` +
    `acknowledged ${acknowledged.total} → succeeded ${acknowledged.succeeded} (lost ${acknowledged.lost}, not done ${acknowledged.notDone}); ` +
    `schedule jobs not done ${counts.scheduleJobsNotDone}; stuck ${counts.stuck}; ` +
    `re-runs ${reruns.jobs} jobs (+${reruns.extraRuns} runs), interrupted attempts ${reruns.interruptedAttempts}`
  );
}

function describeJob(job: JobRecord): string {
  return `${job.id} (${job.origin}${job.scheduleId ? ` ${job.scheduleId}@${job.fireAtMs}` : ''}) ${job.status}, attempt ${job.attempt}, lease ${job.leaseOwner ?? '-'}`;
}

/**
 * The instants of a schedule's window with neither a job nor a `missed`/`skipped` event line.
 * A hint only: an event line is lost when its node is SIGKILLed between the store's answer and
 * the write, so the counters decide. It names the instants behind a lost fire, and would show a
 * loss that an over-count of the same schedule hides from the counters.
 */
function unaccountedFires(id: string, firstMs: number, nextMs: number, intervalMs: number, jobFires: ReadonlySet<number>, lines: readonly WorkerLogLine[]): number[] {
  const counted = new Set<number>();
  for (const line of lines) if ((line.e === 'missed' || line.e === 'skipped') && line.sch === id) for (const fire of line.fires ?? []) counted.add(fire);
  const unaccounted: number[] = [];
  for (let fire = firstMs; fire < nextMs; fire += intervalMs) if (!jobFires.has(fire) && !counted.has(fire)) unaccounted.push(fire);
  return unaccounted;
}

/** Fires of a schedule that have a job and were also reported missed or skipped, or reported twice (a hint, as above). */
function doubleCountedHint(id: string, startAtMs: number, jobFires: ReadonlySet<number>, lines: readonly WorkerLogLine[]): string {
  const seen = new Map<number, string[]>();
  for (const fire of jobFires) seen.set(fire, ['job']);
  for (const line of lines) {
    if ((line.e !== 'missed' && line.e !== 'skipped') || line.sch !== id) continue;
    for (const fire of line.fires ?? []) seen.set(fire, [...(seen.get(fire) ?? []), `${line.e}${line.reason ? ` (${line.reason})` : ''} by ${line.node} at +${line.t - startAtMs} ms`]);
  }
  const twice = [...seen].filter(([, how]) => how.length > 1).map(([fire, how]) => `+${fire - startAtMs} ms: ${how.join(' and ')}`);
  return twice.length > 0 ? `counted twice: ${twice.join(', ')}` : 'no fire seen counted twice in the event lines';
}

function group<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return map;
}
