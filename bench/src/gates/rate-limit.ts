// A rate limit across the cluster, measured: three node processes share one store and run a task
// limited to --rate starts per second (burst --burst); a client enqueues --jobs jobs at once. The
// figures: the steady rate (starts after the burst / time from first to last start) against the
// limit, the busiest 1-second window, and each node's share. Writes a JSON line per store to --out.
//
//   node bench/src/gates/rate-limit.ts --stores sqlite,postgres,redis --rate 1000 --jobs 15000
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Scheduler } from '../../../src/index.ts';
import { dropStore, openStore, prepareStore, storeKind } from '../controllers/stores.ts';
import { spawnNode, type Node } from '../controllers/processes.ts';

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: 'sqlite,postgres,redis' },
    rate: { type: 'string', default: '1000' },
    burst: { type: 'string', default: '100' },
    jobs: { type: 'string', default: '15000' },
    nodes: { type: 'string', default: '3' },
    out: { type: 'string' },
    /** Also print the starts in each second of the run. */
    histogram: { type: 'boolean', default: false },
  },
});
const rate = Number(values.rate);
const burst = Number(values.burst);
const total = Number(values.jobs);
const script = join(import.meta.dirname, 'rate-node.ts');

for (const kind of values.stores.split(',').map(storeKind)) {
  const name = `bench_rate_${kind}_${process.pid}`;
  await dropStore(kind, name);
  await prepareStore(kind, name);
  const nodes: Node[] = Array.from({ length: Number(values.nodes) }, (_, i) =>
    spawnNode(`n${i + 1}`, script, ['--store', kind, '--name', name, '--node', `n${i + 1}`, '--rate', String(rate), '--burst', String(burst)]),
  );
  await Promise.all(nodes.map((node) => node.waitFor((line) => line.event === 'ready', 30_000, 'ready')));
  const client = new Scheduler({ store: openStore(kind, name), roles: { schedules: false, jobs: false }, logger: 'error' });
  for (let i = 0; i < total; i += 1_000) await client.enqueueMany(Array.from({ length: Math.min(1_000, total - i) }, () => ({ task: 'limited' })));
  const started = () => nodes.flatMap((node) => node.lines.filter((line) => line.event === 'starts').flatMap((line) => line.at as number[]));
  const deadline = Date.now() + (total / rate) * 1000 * 2 + 30_000;
  while (started().length < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  for (const node of nodes) node.process.stdin!.write('stop\n');
  await Promise.all(nodes.map((node) => node.waitFor((line) => line.event === 'stopped', 30_000, 'stopped').catch(() => node.kill())));
  await client.stop();
  const starts = started().sort((a, b) => a - b);
  const steady = ((starts.length - burst) / (starts.at(-1)! - starts[0]!)) * 1000;
  let busiest = 0;
  for (let i = 0, j = 0; i < starts.length; i++) {
    while (starts[i]! - starts[j]! >= 1000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  const shares = nodes.map((node) => node.lines.filter((line) => line.event === 'starts').reduce((sum, line) => sum + (line.at as number[]).length, 0));
  const result = {
    store: kind,
    rate,
    burst,
    jobs: total,
    started: starts.length,
    steadyRate: Math.round(steady * 10) / 10,
    errorPct: Math.round(((steady - rate) / rate) * 1000) / 10,
    busiestSecond: busiest,
    shares,
  };
  console.log(JSON.stringify(result));
  if (values.histogram) {
    const perSecond = new Map<number, number>();
    for (const at of starts) perSecond.set(Math.floor((at - starts[0]!) / 1000), (perSecond.get(Math.floor((at - starts[0]!) / 1000)) ?? 0) + 1);
    console.log(`starts per second: ${[...perSecond.values()].join(' ')}`);
  }
  if (values.out) appendFileSync(values.out, `${JSON.stringify(result)}\n`);
  await dropStore(kind, name);
}
