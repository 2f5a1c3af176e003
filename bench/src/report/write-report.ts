// Turns the raw JSON lines of a run into bench/RESULTS.md (and, for a full run, the chart).
import { readFileSync, writeFileSync } from 'node:fs';
import { barChart, type Panel } from './bar-chart.ts';
import { median, pick, stepMetrics, stepTitles } from './metrics.ts';
import { targetLines } from './targets.ts';

type Row = Record<string, unknown> & { step: string; system: string; variant: string };

export function writeReport(rawFile: URL, quick: boolean): string {
  const lines = readFileSync(rawFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  const machine = (lines.find((line) => 'machine' in line)?.machine ?? {}) as Record<string, unknown>;
  const rows = lines.filter((line) => 'step' in line) as Row[];
  const out: string[] = [];
  out.push('# Benchmark results', '');
  out.push(`Written by \`npm run bench${quick ? ':quick' : ''}\` (bench/src/run.ts) on ${String(machine.date ?? '')}. What each scenario does and how to read it: [docs/benchmarks.md](../docs/benchmarks.md). Raw lines: \`bench/results/${quick ? 'quick' : 'full'}.jsonl\`.`, '');
  out.push('| machine | |', '| --- | --- |');
  for (const [key, value] of Object.entries(machine)) out.push(`| ${key} | ${String(value)} |`);
  out.push('', 'Each cell: median of the repetitions, then (min–max) when there were several. Every case ran in its own OS process; systems were interleaved and their order rotated each repetition. `default` = the system\'s defaults; `fast` = its documented fast path (settings under each table).', '');

  const settings = new Map<string, string>();
  out.push('## Targets', '', ...targetLines(rows), '');
  for (const [step, title] of Object.entries(stepTitles)) {
    const stepRows = rows.filter((row) => row.step === step);
    if (stepRows.length === 0) continue;
    const metrics = stepMetrics[step]!;
    out.push(`## ${title}`, '');
    out.push(`| system | ${metrics.map((m) => m.label).join(' | ')} | runs |`, `| --- | ${metrics.map(() => '---:').join(' | ')} | ---: |`);
    const groups = groupBy(stepRows);
    const notes: string[] = [];
    for (const [key, group] of groups) {
      const na = group.find((row) => typeof row.na === 'string')?.na as string | undefined;
      const errors = group.filter((row) => typeof row.error === 'string');
      const ok = group.filter((row) => !row.na && !row.error);
      for (const row of ok) {
        const described = row.settings as { version?: string; settings?: string } | undefined;
        if (described) settings.set(`${row.system} ${row.variant}`, `${described.version ?? ''}: ${described.settings ?? ''}`);
      }
      if (na) {
        out.push(`| ${key} | ${metrics.map(() => 'n/a').join(' | ')} | – |`);
        notes.push(`- ${key}: n/a — ${na}`);
        continue;
      }
      const cells = metrics.map((metric) => cell(ok.map((row) => pick(row, metric.path)).filter((v): v is number => v !== null), ok.length));
      out.push(`| ${key} | ${cells.join(' | ')} | ${ok.length}${errors.length ? ` (+${errors.length} failed)` : ''} |`);
      for (const row of errors) notes.push(`- ${key}: a run failed — ${String(row.error).slice(0, 300)}`);
      for (const row of ok) if (row.startedBeforeDue === false) notes.push(`- ${key}: the worker started after the due instant in one run (creating took longer than the lead time)`);
      if (step === 'takeover') for (const row of ok) if (row.takeoverMs === null) notes.push(`- ${key}: not restarted within the ${String(row.boundMs)} ms bound in one run`);
    }
    out.push('');
    const ratios = ratioLines(step, groups);
    if (ratios.length) out.push(...ratios, '');
    if (notes.length) out.push(...notes, '');
  }
  out.push('## Versions and settings', '', '| system variant | version: settings |', '| --- | --- |');
  for (const [key, value] of [...settings].sort()) out.push(`| ${key} | ${value} |`);
  out.push('');
  const file = new URL(quick ? '../../results/RESULTS-quick.md' : '../../RESULTS.md', import.meta.url);
  writeFileSync(file, out.join('\n'));
  if (!quick) writeFileSync(new URL('../../../docs/bench-chart.svg', import.meta.url), chart(rows, machine));
  return file.pathname;
}

function groupBy(rows: readonly Row[]): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = `${row.system} ${row.variant}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return groups;
}

function format(value: number): string {
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  return String(Number(value.toFixed(1)));
}

function cell(values: readonly number[], runs: number): string {
  const mid = median(values);
  if (mid === null) return runs > 0 ? '–' : 'n/a';
  if (values.length < 2) return format(mid);
  return `${format(mid)} (${format(Math.min(...values))}–${format(Math.max(...values))})`;
}

/** Sundial/peer ratio of medians of the primary figure, for every store against every peer variant. */
function ratioLines(step: string, groups: Map<string, Row[]>): string[] {
  const metric = stepMetrics[step]!.find((m) => m.primary);
  if (!metric) return [];
  const medianOf = (key: string) => median((groups.get(key) ?? []).filter((r) => !r.na && !r.error).map((r) => pick(r, metric.path)).filter((v): v is number => v !== null));
  const sundialKeys = [...groups.keys()].filter((key) => key.startsWith('sundial-') && key.endsWith(' default'));
  const peerKeys = [...groups.keys()].filter((key) => !key.startsWith('sundial-') && medianOf(key) !== null);
  if (sundialKeys.length === 0 || peerKeys.length === 0) return [];
  const lines = [`Sundial/peer ratio of medians, ${metric.label} (${metric.better} is better${metric.better === 'lower' ? ': below 1 means Sundial is ahead' : ': above 1 means Sundial is ahead'}):`, ''];
  lines.push(`| Sundial store | ${peerKeys.join(' | ')} |`, `| --- | ${peerKeys.map(() => '---:').join(' | ')} |`);
  for (const key of sundialKeys) {
    const own = medianOf(key);
    lines.push(`| ${key.replace(' default', '')} | ${peerKeys.map((peer) => {
      const other = medianOf(peer);
      if (own === null || other === null || other === 0) return '–';
      return `${(own / other).toFixed(2)}×`;
    }).join(' | ')} |`);
  }
  return lines;
}

function chart(rows: readonly Row[], machine: Record<string, unknown>): string {
  const panel = (step: string, path: string, title: string, unit: string): Panel => {
    const groups = groupBy(rows.filter((row) => row.step === step));
    return {
      title,
      unit,
      bars: [...groups].map(([key, group]) => ({
        label: key.replace(' default', ''),
        value: median(group.filter((r) => !r.na && !r.error).map((r) => pick(r, path)).filter((v): v is number => v !== null)),
        sundial: key.startsWith('sundial-'),
      })),
    };
  };
  return barChart(
    'Sundial vs BullMQ, pg-boss, graphile-worker — same machine, same servers, one run',
    `${String(machine.cores)} cores, ${String(machine.memoryGiB)} GiB, Node ${String(machine.node)}, PostgreSQL ${String(machine.postgres)}, Redis ${String(machine.redis)}; medians (bench/RESULTS.md)`,
    [
      panel('process-10', 'jobsPerSecond', 'Processed jobs/s, concurrency 10 (higher is better)', 'jobs/s'),
      panel('process-50', 'jobsPerSecond', 'Processed jobs/s, concurrency 50 (higher is better)', 'jobs/s'),
      panel('fire-burst', 'latenessMs.p99', '5,000 jobs due at once: p99 lateness (lower is better)', 'ms'),
    ],
  );
}
