// Turns the raw lines of a controllers run (bench/results/controllers-<date>[-quick].jsonl) into a
// section of bench/CONTROLLERS.md, between the markers of its mode (full or quick): the text
// around the markers (written by hand: reading, analysis) is kept.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

type Row = Record<string, unknown>;
type Stats = { n: number; min: number | null; p50: number | null; p90: number | null; p99: number | null; max: number | null; mean: number | null };

const commandTargetMs = 20;

const median = (values: readonly number[]): number | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const percentile = (sorted: readonly number[], p: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
const ms = (value: number | null | undefined, digits = 1): string => (value === null || value === undefined ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const whole = (value: number | null | undefined): string => (value === null || value === undefined ? '–' : Math.round(value).toLocaleString('en-US'));
const num = (row: Row, key: string): number | null => (typeof row[key] === 'number' ? (row[key] as number) : null);
const groupBy = <T,>(items: readonly T[], key: (item: T) => string): Map<string, T[]> => {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    out.set(k, [...(out.get(k) ?? []), item]);
  }
  return out;
};
type CallStats = Record<string, { calls: number; meanMs: number } | undefined>;
const callsOf = (row: Row, role: string): CallStats => (row.processes as Record<string, { storeCalls?: CallStats } | undefined>)[role]?.storeCalls ?? {};
const storeOrder = ['sqlite', 'postgres', 'redis'];
const byStore = (a: string, b: string) => storeOrder.indexOf(a.split(' ')[0]!) - storeOrder.indexOf(b.split(' ')[0]!);

export function controllersSection(lines: readonly Row[], rawName: string, quick: boolean): string {
  const machine = (lines.find((line) => 'machine' in line)?.machine ?? {}) as Record<string, unknown>;
  const rows = lines.filter((line) => 'step' in line);
  const out: string[] = [];
  out.push(`### ${quick ? 'Quick run' : 'Full run'} — ${String(machine.date ?? '').slice(0, 16).replace('T', ' ')} UTC`, '');
  out.push(`Command: \`node bench/src/controllers/run.ts${quick ? ' --quick' : ''}\` (from the repository root). Raw lines: \`bench/results/${rawName}\`. Written by bench/src/controllers/report.ts.`, '');
  out.push(`Machine: ${String(machine.cores)} cores (${String(machine.cpu)}), ${String(machine.memoryGiB)} GiB, ${String(machine.os)}, Node ${String(machine.node)}, PostgreSQL ${String(machine.postgres)}, Redis ${String(machine.redis)}; ${String(machine.mode)}. The machine is shared: each case waited (bounded) for it to be under 25 % busy; the tables say how busy it was.`, '');
  // src/ is read by every case: say which version ran (by content), and whether it changed during the run.
  type Source = { commit: string; srcHash: string; uncommitted: boolean };
  const sourced = rows.filter((row) => row.source !== undefined) as (Row & { source: Source })[];
  const byHash = groupBy(sourced, (row) => row.source.srcHash);
  const commitsOf = (group: readonly (Row & { source: Source })[]) => [...new Set(group.map((row) => `${row.source.commit}${row.source.uncommitted ? ' + uncommitted changes' : ''}`))].join(', then ');
  if (byHash.size === 1) out.push(`Sundial under test: the same src/ for every case (content hash ${[...byHash.keys()][0]!}; git: ${commitsOf(sourced)}).`, '');
  if (byHash.size > 1) {
    out.push(`**src/ changed during this run** (other engineers' work): the cases ran on ${byHash.size} versions of src/ —`, '');
    for (const [hash, group] of byHash) out.push(`- src/ hash ${hash} (git: ${commitsOf(group)}): ${group.length} cases, from ${String(group[0]!.step)} ${String(group[0]!.label)} to ${String(group.at(-1)!.step)} ${String(group.at(-1)!.label)}`);
    out.push('');
  }
  const errors = rows.filter((row) => typeof row.error === 'string');
  if (errors.length > 0) {
    out.push('Failed cases:', '');
    for (const row of errors) out.push(`- ${String(row.step)} ${String(row.label)} (run ${Number(row.rep) + 1}): ${String(row.error).slice(0, 300)}`);
    out.push('');
  }
  out.push(...failoverTables(rows.filter((row) => row.step === 'failover' && typeof row.error !== 'string')));
  out.push(...roundTripTables(rows.filter((row) => row.step === 'round-trip' && typeof row.error !== 'string')));
  return out.join('\n');
}

function failoverTables(rows: readonly Row[]): string[] {
  if (rows.length === 0) return [];
  const out: string[] = [];
  const groups = groupBy(rows, (row) => `${String(row.store)} ${String(row.leaseMs)} ${String(row.mode)}`);
  const keys = [...groups.keys()].sort((a, b) => byStore(a, b) || Number(b.split(' ')[1]) - Number(a.split(' ')[1]));
  out.push('#### Leader failover: SIGKILL the leader → first action of the new leader', '');
  out.push('3 contender processes (`LeaderElector`, defaults but the lease: renew and retry every lease/5); the leader\'s leader-only work acts every 10–25 ms. Killed after it had led for 2–3 renewal periods (random phase). ms; target: ≤ the lease.', '');
  out.push('| store | lease | runs | min | median | max | ≤ lease | elected (median) | kill − last renewal (median) | winner first saw that renewal after (median) |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: |');
  for (const key of keys.filter((k) => k.endsWith(' kill'))) {
    const group = groups.get(key)!;
    const lease = num(group[0]!, 'leaseMs')!;
    const failover = group.map((row) => num(row, 'failoverMs')!).sort((a, b) => a - b);
    const within = failover.filter((v) => v <= lease).length;
    out.push(`| ${String(group[0]!.store)} | ${whole(lease)} | ${group.length} | ${whole(failover[0])} | ${whole(median(failover))} | ${whole(failover.at(-1))} | ${within === group.length ? 'met' : `**${within}/${group.length}**`} | ${whole(median(group.map((r) => num(r, 'electedMs')!)))} | ${whole(median(group.flatMap((r) => num(r, 'sinceLastRenewalMs') ?? [])))} | ${whole(median(group.flatMap((r) => num(r, 'winnerSawRenewalAfterMs') ?? [])))} |`);
  }
  out.push('');
  out.push('#### Graceful handover: SIGTERM the leader → first action of the new leader', '');
  out.push('The leader\'s `elector.stop()` releases the lease; a candidate takes it at its next read (every lease/5). ms.', '');
  out.push('| store | lease | runs | min | median | max | SIGTERM → released (median) | old and new leader never acted at once |');
  out.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: |');
  for (const key of keys.filter((k) => k.endsWith(' term'))) {
    const group = groups.get(key)!;
    const handover = group.map((row) => num(row, 'failoverMs')!).sort((a, b) => a - b);
    const overlaps = group.filter((row) => row.noOverlap === false).length;
    out.push(`| ${String(group[0]!.store)} | ${whole(num(group[0]!, 'leaseMs'))} | ${group.length} | ${whole(handover[0])} | ${whole(median(handover))} | ${whole(handover.at(-1))} | ${ms(median(group.flatMap((r) => num(r, 'releaseMs') ?? [])))} | ${overlaps === 0 ? 'yes' : `**no (${overlaps} runs)**`} |`);
  }
  out.push('');
  return out;
}

function roundTripTables(rows: readonly Row[]): string[] {
  if (rows.length === 0) return [];
  const out: string[] = [];
  const groups = groupBy(rows, (row) => `${String(row.store)} ${String(row.load)} ${String(row.variant)}`);
  const loadOrder = ['none', 'worker', 'controller'];
  const keys = [...groups.keys()].sort((a, b) => {
    const [sa, la, ...va] = a.split(' ');
    const [sb, lb, ...vb] = b.split(' ');
    return storeOrder.indexOf(sa!) - storeOrder.indexOf(sb!) || (va.join(' ') === 'default' ? -1 : 0) - (vb.join(' ') === 'default' ? -1 : 0) || loadOrder.indexOf(la!) - loadOrder.indexOf(lb!);
  });
  const background = (row: Row) => (row.load === 'none' ? 'idle' : row.load === 'worker' ? '1,000 jobs/s, run by a 3rd process' : '1,000 jobs/s, run by the controller');
  const variant = (row: Row) => (row.variant === 'default' ? 'defaults' : String(row.variant));

  out.push('#### Command round trip: API `enqueue()` → `result()` resolved', '');
  out.push('Separate processes: API node (`queues: [\'api\']`), controller node (serves `controller`), with load a load process (and, for "3rd process", a worker serving `bulk`). Sequential commands 0–10 ms apart after a warm-up of 50; all runs of a row pooled. ms; target from the issue: p99 ≤ 20 ms idle on PostgreSQL and Redis.', '');
  out.push('| store | background | settings | commands | p50 | p90 | p99 | max | p99 by run | target | via event | machine busy % | other users\' CPU % |');
  out.push('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | :---: | ---: | ---: | ---: |');
  for (const key of keys) {
    const group = groups.get(key)!;
    const first = group[0]!;
    const all = group.flatMap((row) => row.latenciesMs as number[]).sort((a, b) => a - b);
    const p99 = percentile(all, 99);
    const targeted = first.load === 'none' && first.variant === 'default' && (first.store === 'postgres' || first.store === 'redis');
    const target = targeted ? (p99 !== null && p99 <= commandTargetMs ? 'met' : '**missed**') : '';
    const viaEvent = group.reduce((sum, row) => sum + (num(row, 'resolvedByEvent') ?? 0), 0);
    out.push(`| ${String(first.store)} | ${background(first)} | ${variant(first)} | ${all.length} | ${ms(percentile(all, 50))} | ${ms(percentile(all, 90))} | ${ms(p99)} | ${ms(all.at(-1))} | ${group.map((row) => ms((row.latencyMs as Stats).p99)).join(', ')} | ${target} | ${Math.round((viaEvent / all.length) * 100)} % | ${group.map((row) => whole(num(row, 'machineBusyPercent'))).join(', ')} | ${group.map((row) => whole(num(row, 'foreignCpuPercent'))).join(', ')} |`);
  }
  out.push('', '"via event": share of commands whose result came through the cluster event (the rest: the waiter\'s own first read or safety read). "machine busy": all cores, every process (100 = both cores busy), per run. "other users\' CPU": the machine\'s busy time less this case\'s processes and the database servers, in % of one core, per run.', '');

  const loaded = keys.filter((key) => groups.get(key)![0]!.load !== 'none');
  if (loaded.length > 0) {
    out.push('#### Background load achieved (over the measured commands)', '');
    out.push('| store | run by | settings | target jobs/s | enqueued jobs/s | completed jobs/s | backlog at end | bulk job enqueue → start p50 / p99 ms | database server CPU % |');
    out.push('| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const key of loaded) {
      const group = groups.get(key)!;
      const first = group[0]!;
      const bg = group.map((row) => row.background as Record<string, unknown>);
      const pickups = bg.map((b) => b.bulkPickupMs as { p50: number | null; p99: number | null });
      const servers = group.map((row) => Object.values((row.serverCpuPercent ?? {}) as Record<string, number>).find((v) => v > 0) ?? 0);
      out.push(`| ${String(first.store)} | ${first.load === 'worker' ? '3rd process' : 'controller'} | ${variant(first)} | ${whole(bg[0]!.targetPerSecond as number)} | ${bg.map((b) => whole(b.enqueuedPerSecond as number)).join(', ')} | ${bg.map((b) => whole(b.completedPerSecond as number)).join(', ')} | ${bg.map((b) => whole(b.backlogAtEnd as number)).join(', ')} | ${pickups.map((p) => `${ms(p.p50, 0)} / ${ms(p.p99, 0)}`).join(', ')} | ${servers.map(whole).join(', ')} |`);
    }
    out.push('', 'Per run, comma-separated. Backlog: bulk jobs enqueued but not yet run when the last command returned.', '');
  }

  out.push('#### Where a command\'s time goes', '');
  out.push('Each process timestamps its own store calls on a shared wall clock (performance.timeOrigin + now(), µs resolution). Median of each stretch, and in brackets its mean over the slowest 10 % of commands; median over the runs of a row. Commands answered through the event only. ms.', '');
  const stretchNames = Object.keys((rows[0]!.stretchesMs ?? {}) as Record<string, unknown>);
  out.push(`| store | background | settings | ${stretchNames.join(' | ')} | total p50 | controller notified (idle) |`);
  out.push(`| --- | --- | --- | ${stretchNames.map(() => '---:').join(' | ')} | ---: | ---: |`);
  for (const key of keys) {
    const group = groups.get(key)!;
    const first = group[0]!;
    const cells = stretchNames.map((name) => {
      const p50 = median(group.flatMap((row) => (row.stretchesMs as Record<string, Stats>)[name]?.p50 ?? []));
      const slow = median(group.flatMap((row) => (row.slowest10PercentStretchesMeanMs as Record<string, number | null>)[name] ?? []));
      return `${ms(p50)} (${ms(slow)})`;
    });
    // Under load the first signal after the enqueue may be another job's: shown for idle runs only.
    const notified = first.load === 'none' ? ms(median(group.flatMap((row) => (row.controllerHeardJobAfterMs as Stats).p50 ?? []))) : '–';
    out.push(`| ${String(first.store)} | ${background(first)} | ${variant(first)} | ${cells.join(' | ')} | ${ms(median(group.map((row) => (row.latencyMs as Stats).p50!)))} | ${notified} |`);
  }
  out.push('', 'Stretches: API enqueue = the API\'s `enqueue()` (its store write); wake-up → claim sent = until the controller sends the claim that takes the job (its notification or poll, then its loop); claim + handler = the claim round trip, the start, the handler; outcome write = until the completion is written; event append = until `job.succeeded` is appended to the cluster event log; event → API read = until the API\'s read of the log that brings the event returns (its notification, then the read); confirm + resolve = the waiter\'s read of the job record, then the promise. Controller notified: when its first wake-up signal after the API\'s write arrived, relative to the end of that write (negative: before the API had its answer).', '');

  const idle = keys.filter((key) => groups.get(key)![0]!.load === 'none' && groups.get(key)![0]!.variant === 'default');
  if (idle.length > 0) {
    out.push('#### Store calls per command (idle, defaults)', '');
    out.push('Calls of each process during the measured commands, divided by the commands; mean duration in brackets (ms). The API node serves no task, the controller only `command`.', '');
    const stores = idle.map((key) => String(groups.get(key)![0]!.store));
    const perMethod = new Map<string, Map<string, string>>();
    for (const key of idle) {
      const group = groups.get(key)!;
      const store = String(group[0]!.store);
      for (const role of ['api', 'controller']) {
        const methods = new Set(group.flatMap((row) => Object.keys(callsOf(row, role))));
        for (const method of methods) {
          const perCommand = median(group.map((row) => (callsOf(row, role)[method]?.calls ?? 0) / (row.latenciesMs as number[]).length));
          const meanMs = median(group.flatMap((row) => callsOf(row, role)[method]?.meanMs ?? []));
          if (perCommand === null || perCommand < 0.05) continue;
          const rowKey = `${role} | ${method}`;
          if (!perMethod.has(rowKey)) perMethod.set(rowKey, new Map());
          perMethod.get(rowKey)!.set(store, `${ms(perCommand, 2)} (${ms(meanMs, 2)})`);
        }
      }
    }
    out.push(`| process | store method | ${stores.join(' | ')} |`, `| --- | --- | ${stores.map(() => '---:').join(' | ')} |`);
    for (const [rowKey, cells] of [...perMethod].sort((a, b) => a[0].localeCompare(b[0]))) out.push(`| ${rowKey} | ${stores.map((store) => cells.get(store) ?? '–').join(' | ')} |`);
    out.push('');
  }

  out.push('#### Warm-up: the first 10 commands of each run (ms)', '');
  out.push('Before the controller has read the API node\'s record (it re-reads the node records every 1 s) it does not append `job.succeeded`, and `result()` answers from its safety read of the job record (in a node\'s first 2 s of waiting: after 25 ms, then doubling; later: 250 ms, then doubling).', '');
  for (const key of keys.filter((k) => groups.get(k)![0]!.variant === 'default')) {
    const group = groups.get(key)!;
    out.push(`- ${String(group[0]!.store)}, ${background(group[0]!)}: ${group.map((row) => ((row.warmupMs as { first10: number[] }).first10).map((v) => whole(v)).join(' ')).join(' · ')}`);
  }
  out.push('');
  return out;
}

/** Writes the section of `rawFile` into `markdown` (created with both markers when absent); returns its path. */
export function writeControllersSection(rawFile: URL, markdown: URL, quick: boolean): string {
  const lines = readFileSync(rawFile, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row);
  const section = controllersSection(lines, basename(rawFile.pathname), quick);
  const mode = quick ? 'quick' : 'full';
  const begin = `<!-- controllers:${mode}:begin (generated by bench/src/controllers/run.ts; edit outside the markers) -->`;
  const end = `<!-- controllers:${mode}:end -->`;
  let text = existsSync(markdown)
    ? readFileSync(markdown, 'utf8')
    : ['# Controller benchmarks', '', '## Measured: full run', '', '<!-- controllers:full:begin -->', '<!-- controllers:full:end -->', '', '## Measured: quick run', '', '<!-- controllers:quick:begin -->', '<!-- controllers:quick:end -->', ''].join('\n');
  const from = text.indexOf(`<!-- controllers:${mode}:begin`);
  const to = text.indexOf(end);
  if (from < 0 || to < 0) text = `${text.trimEnd()}\n\n${begin}\n${end}\n`;
  const start = text.indexOf(`<!-- controllers:${mode}:begin`);
  const stop = text.indexOf(end) + end.length;
  text = `${text.slice(0, start)}${begin}\n${section}\n${end}${text.slice(stop)}`;
  writeFileSync(markdown, text);
  return markdown.pathname;
}
