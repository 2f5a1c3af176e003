// The project's performance targets, checked against the medians of one run (met / not met).
import { median, pick } from './metrics.ts';

type Row = Record<string, unknown> & { step: string; system: string; variant: string };

export function targetLines(rows: readonly Row[]): string[] {
  const medianOf = (step: string, system: string, variant: string, path: string): number | null =>
    median(rows.filter((r) => r.step === step && r.system === system && r.variant === variant && !r.na && !r.error).map((r) => pick(r, path)).filter((v): v is number => v !== null));
  /** The peer's best variant (its fast path when that is better). */
  const bestPeer = (step: string, system: string, path: string): { value: number | null; variant: string } => {
    const candidates = ['default', 'fast'].map((variant) => ({ variant, value: medianOf(step, system, variant, path) })).filter((c) => c.value !== null);
    candidates.sort((a, b) => b.value! - a.value!);
    return candidates[0] ?? { value: null, variant: '–' };
  };
  const lines = ['| target | measured (medians) | met? |', '| --- | --- | --- |'];
  const verdict = (ok: boolean | null) => (ok === null ? 'not measured' : ok ? '**met**' : '**not met**');
  const fmt = (v: number | null) => (v === null ? '–' : Math.round(v).toLocaleString('en-US'));

  for (const step of ['process-10', 'process-50']) {
    const c = step.split('-')[1];
    const pairs: [string, string, number][] = [['sundial-postgres', 'graphile-worker', 1.5], ['sundial-postgres', 'pg-boss', 3], ['sundial-redis', 'bullmq', 1.5], ['sundial-sqlite', 'bullmq', 1.5]];
    for (const [own, peer, factor] of pairs) {
      // Both sides at their better variant: defaults or documented fast path.
      const best = bestPeer(step, own, 'jobsPerSecond');
      const ours = best.value;
      const theirs = bestPeer(step, peer, 'jobsPerSecond');
      const ok = ours === null || theirs.value === null ? null : ours >= factor * theirs.value;
      const ratio = ours !== null && theirs.value ? ` = ${(ours / theirs.value).toFixed(2)}×` : '';
      lines.push(`| ${own} ≥ ${factor}× ${peer} processed jobs/s (concurrency ${c}) | ${fmt(ours)} (${best.variant}) vs ${fmt(theirs.value)} (${peer} ${theirs.variant})${ratio} | ${verdict(ok)} |`);
    }
  }
  // Bulk enqueue: at least the best peer on the same kind of server.
  for (const [own, peer] of [['sundial-postgres', 'graphile-worker'], ['sundial-redis', 'bullmq'], ['sundial-sqlite', 'bullmq']] as const) {
    const ours = medianOf('enqueue', own, 'default', 'bulkJobsPerSecond');
    const theirs = medianOf('enqueue', peer, 'default', 'bulkJobsPerSecond');
    const ok = ours === null || theirs === null ? null : ours >= theirs;
    const ratio = ours !== null && theirs ? ` = ${(ours / theirs).toFixed(2)}×` : '';
    lines.push(`| ${own} bulk enqueue ≥ ${peer} | ${fmt(ours)} vs ${fmt(theirs)} jobs/s${ratio} | ${verdict(ok)} |`);
  }
  for (const step of ['fire-burst', 'delayed-burst']) {
    for (const store of ['sundial-sqlite', 'sundial-postgres', 'sundial-redis']) {
      const runs = rows.filter((r) => r.step === step && r.system === store && r.variant === 'default' && !r.na && !r.error);
      const p99 = medianOf(step, store, 'default', 'latenessMs.p99');
      const lost = runs.reduce((sum, r) => sum + ((pick(r, 'jobs') ?? 0) - (pick(r, 'started') ?? 0)), 0);
      const dups = runs.reduce((sum, r) => sum + (pick(r, 'duplicates') ?? 0), 0);
      const what = step === 'fire-burst' ? '5,000 one-shot schedules' : '5,000 delayed jobs';
      lines.push(`| ${store}: ${what} due at once, p99 lateness ≤ 50 ms, 0 missed, 0 duplicates | p99 ${fmt(p99)} ms, ${lost} missed, ${dups} duplicates (all runs) | ${verdict(p99 === null ? null : p99 <= 50 && lost === 0 && dups === 0)} |`);
    }
  }
  for (const store of ['sundial-sqlite', 'sundial-postgres', 'sundial-redis']) {
    const p99 = medianOf('recurrent', store, 'default', 'latenessMs.p99');
    const missed = rows.filter((r) => r.step === 'recurrent' && r.system === store && !r.na && !r.error).reduce((sum, r) => sum + (pick(r, 'missed') ?? 0), 0);
    const dups = rows.filter((r) => r.step === 'recurrent' && r.system === store && !r.na && !r.error).reduce((sum, r) => sum + (pick(r, 'duplicates') ?? 0), 0);
    lines.push(`| ${store}: scenario 3 p99 ≤ 10 ms, 0 missed, 0 duplicates | p99 ${fmt(p99)} ms, ${missed} missed, ${dups} duplicates (all runs) | ${verdict(p99 === null ? null : p99 <= 10 && missed === 0 && dups === 0)} |`);
  }
  for (const store of ['sundial-sqlite', 'sundial-postgres', 'sundial-redis']) {
    const runs = rows.filter((r) => r.step === 'nodes' && r.system === store && !r.na && !r.error);
    const missed = runs.reduce((sum, r) => sum + (pick(r, 'missed') ?? 0), 0);
    const dups = runs.reduce((sum, r) => sum + (pick(r, 'duplicates') ?? 0), 0);
    const p99 = medianOf('nodes', store, 'default', 'latenessMs.p99');
    lines.push(`| ${store}: scenario 4 (3 processes) p99 ≤ 10 ms, 0 missed, 0 duplicates | p99 ${fmt(p99)} ms, ${missed} missed, ${dups} duplicates (all runs) | ${verdict(runs.length === 0 || p99 === null ? null : p99 <= 10 && missed === 0 && dups === 0)} |`);
  }
  for (const store of ['sundial-sqlite', 'sundial-postgres', 'sundial-redis']) {
    const ms = medianOf('takeover', store, 'default', 'takeoverMs');
    lines.push(`| ${store}: takeover ≤ 5 s with defaults | ${fmt(ms)} ms | ${verdict(ms === null ? null : ms <= 5000)} |`);
  }
  for (const store of ['sundial-sqlite', 'sundial-postgres', 'sundial-redis']) {
    const rss = medianOf('scale', store, 'default', 'peakRssMb');
    const stored = medianOf('scale', store, 'default', 'stored');
    lines.push(`| ${store}: scenario 6 node RSS ≤ 150 MB | ${fmt(rss)} MB with ${fmt(stored)} stored | ${verdict(rss === null ? null : rss <= 150)} |`);
  }
  return lines;
}
