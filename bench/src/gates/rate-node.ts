// One node of the rate-limit bench: a Scheduler on the case's store that runs `limited` (a rate
// limit across the cluster) and prints one JSON line per start, batched every 100 ms, plus
// `ready`. Stops on a `stop` line on stdin.
//
//   node bench/src/gates/rate-node.ts --store postgres --name <schema> --node n1 --rate 1000 --burst 100
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { Scheduler, task } from '../../../src/index.ts';
import { openStore, storeKind } from '../controllers/stores.ts';

const { values } = parseArgs({
  options: {
    store: { type: 'string' },
    name: { type: 'string' },
    node: { type: 'string' },
    rate: { type: 'string', default: '1000' },
    burst: { type: 'string', default: '100' },
    concurrency: { type: 'string', default: '50' },
  },
});
const starts: number[] = [];
const limited = task('limited', {
  rateLimit: { limit: Number(values.rate), per: '1s', burst: Number(values.burst) },
  run() {
    starts.push(Date.now());
  },
});
const scheduler = new Scheduler({
  store: openStore(storeKind(values.store), values.name!),
  tasks: [limited],
  nodeId: values.node!,
  concurrency: Number(values.concurrency),
  logger: 'error',
});
const flush = setInterval(() => {
  if (starts.length > 0) process.stdout.write(`${JSON.stringify({ event: 'starts', at: starts.splice(0) })}\n`);
}, 100);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== 'stop') return;
  void scheduler.stop().then(() => {
    clearInterval(flush);
    if (starts.length > 0) process.stdout.write(`${JSON.stringify({ event: 'starts', at: starts.splice(0) })}\n`);
    process.stdout.write(`${JSON.stringify({ event: 'stopped' })}\n`);
    process.exit(0);
  });
});
await scheduler.start();
process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);
