// Which figures each step reports, and which way is better.

export interface Metric {
  label: string;
  path: string;
  better: 'higher' | 'lower';
  /** The figure Sundial/peer ratios are given for. */
  primary?: boolean;
}

export const stepTitles: Record<string, string> = {
  enqueue: '1a. Enqueue 20,000 no-op jobs (bulk: batches of 1,000; single: one call per job)',
  'process-10': '1b. Process 20,000 queued no-op jobs, one worker process, concurrency 10',
  'process-50': '1c. Process 20,000 queued no-op jobs, one worker process, concurrency 50',
  'fire-burst': '2. Fire precision: 5,000 one-shots due at the same instant (Sundial: at() schedules; peers: delayed jobs), concurrency 50',
  'delayed-burst': '2b. Fire precision: 5,000 jobs enqueued to run at the same instant (concurrency 50; the peers: scenario 2)',
  recurrent: '3. Recurrent precision: 200 schedules every second for 60 s, one node',
  nodes: '4. Many nodes, one fire each: 3 processes, 200 schedules every second for 60 s',
  takeover: '5. Crash takeover: a 10 s job, its process SIGKILLed 1 s in; time until another process starts it',
  scale: '6. Scale: many stored one-shots far in the future plus 1,000 due soon',
  latency: '7. Latency: enqueue → handler start, single jobs on an idle worker (from another connection)',
};

export const stepMetrics: Record<string, Metric[]> = {
  enqueue: [
    { label: 'bulk jobs/s', path: 'bulkJobsPerSecond', better: 'higher', primary: true },
    { label: 'single jobs/s', path: 'singleJobsPerSecond', better: 'higher' },
  ],
  'process-10': [
    { label: 'processed jobs/s', path: 'jobsPerSecond', better: 'higher', primary: true },
    { label: 'worker peak RSS MB', path: 'peakRssMb', better: 'lower' },
  ],
  'process-50': [
    { label: 'processed jobs/s', path: 'jobsPerSecond', better: 'higher', primary: true },
    { label: 'worker peak RSS MB', path: 'peakRssMb', better: 'lower' },
  ],
  'fire-burst': [
    { label: 'lateness p50 ms', path: 'latenessMs.p50', better: 'lower' },
    { label: 'p95 ms', path: 'latenessMs.p95', better: 'lower' },
    { label: 'p99 ms', path: 'latenessMs.p99', better: 'lower', primary: true },
    { label: 'max = all started ms', path: 'latenessMs.max', better: 'lower' },
    { label: 'create ms', path: 'createMs', better: 'lower' },
  ],
  'delayed-burst': [
    { label: 'lateness p50 ms', path: 'latenessMs.p50', better: 'lower' },
    { label: 'p95 ms', path: 'latenessMs.p95', better: 'lower' },
    { label: 'p99 ms', path: 'latenessMs.p99', better: 'lower', primary: true },
    { label: 'max = all started ms', path: 'latenessMs.max', better: 'lower' },
    { label: 'create ms', path: 'createMs', better: 'lower' },
  ],
  recurrent: [
    { label: 'lateness p50 ms', path: 'latenessMs.p50', better: 'lower' },
    { label: 'p99 ms', path: 'latenessMs.p99', better: 'lower', primary: true },
    { label: 'missed', path: 'missed', better: 'lower' },
    { label: 'duplicates', path: 'duplicates', better: 'lower' },
    { label: 'expected fires', path: 'expectedFires', better: 'higher' },
  ],
  nodes: [
    { label: 'missed', path: 'missed', better: 'lower' },
    { label: 'duplicates', path: 'duplicates', better: 'lower' },
    { label: 'expected fires', path: 'expectedFires', better: 'higher' },
    { label: 'lateness p99 ms', path: 'latenessMs.p99', better: 'lower', primary: true },
  ],
  takeover: [{ label: 'takeover ms', path: 'takeoverMs', better: 'lower', primary: true }],
  scale: [
    { label: 'stored', path: 'stored', better: 'higher' },
    { label: 'add/s', path: 'addPerSecond', better: 'higher' },
    { label: 'node RSS at start MB', path: 'baselineRssMb', better: 'lower' },
    { label: 'node peak RSS MB', path: 'peakRssMb', better: 'lower' },
    { label: 'due lateness p50 ms', path: 'latenessMs.p50', better: 'lower' },
    { label: 'p99 ms', path: 'latenessMs.p99', better: 'lower', primary: true },
  ],
  latency: [
    { label: 'p50 ms', path: 'latencyMs.p50', better: 'lower' },
    { label: 'p99 ms', path: 'latencyMs.p99', better: 'lower', primary: true },
  ],
};

export function pick(record: Record<string, unknown>, path: string): number | null {
  let value: unknown = record;
  for (const part of path.split('.')) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
