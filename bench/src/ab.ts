// Before/after on one machine: runs the same cases from two checkouts, interleaved (A B A B …,
// the first of each pair alternating), each case in its own process, and prints the medians.
//
//   node bench/src/ab.ts --before ../sundial-before --steps process-10,fire-burst \
//     --systems sundial-postgres,sundial-redis --variant fast --reps 3
//
// The before checkout needs its own `npm install` and `npm --prefix bench install`. Its cases run
// its own code (store, runtime and scenario drivers): a scenario it does not know reports an error.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { median, pick, stepMetrics } from './report/metrics.ts';

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string', default: resolve(import.meta.dirname, '../..') },
    steps: { type: 'string', default: 'process-10,process-50' },
    systems: { type: 'string', default: 'sundial-sqlite,sundial-postgres,sundial-redis' },
    variant: { type: 'string', default: 'default' },
    reps: { type: 'string', default: '3' },
    out: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
});
if (!values.before) throw new Error('Expected --before <checkout of the version to compare with>');
const trees = { before: resolve(values.before), after: resolve(values.after) };
const reps = Number(values.reps);
const steps = values.steps.split(',');
const systems = values.systems.split(',');

type Line = Record<string, unknown>;
const lines: Array<{ tree: 'before' | 'after'; step: string; system: string; line: Line }> = [];

for (let rep = 0; rep < reps; rep++) {
  for (const step of steps) {
    for (const system of systems) {
      const order = (rep % 2 === 0 ? ['before', 'after'] : ['after', 'before']) as Array<'before' | 'after'>;
      for (const tree of order) {
        const line = await runCase(trees[tree], step, system);
        lines.push({ tree, step, system, line });
        if (values.out) appendFileSync(values.out, `${JSON.stringify({ tree, step, system, rep, ...line })}\n`);
        console.log(`${tree.padEnd(6)} ${step} ${system} #${rep + 1}: ${JSON.stringify(line).slice(0, 240)}`);
      }
    }
  }
}

console.log('\n| step | system | figure | before | after | change |\n| --- | --- | --- | --- | --- | --- |');
for (const step of steps) {
  for (const system of systems) {
    for (const metric of stepMetrics[step] ?? []) {
      const of = (tree: string) =>
        median(lines.filter((l) => l.tree === tree && l.step === step && l.system === system).map((l) => pick(l.line, metric.path)).filter((v): v is number => v !== null));
      const before = of('before');
      const after = of('after');
      const change = before !== null && after !== null && before !== 0 ? `${after >= before ? '+' : ''}${(((after - before) / before) * 100).toFixed(0)} %` : '–';
      const fmt = (v: number | null) => (v === null ? '–' : Math.round(v).toLocaleString('en-US'));
      console.log(`| ${step} | ${system} | ${metric.label} | ${fmt(before)} | ${fmt(after)} | ${change} |`);
    }
  }
}

function runCase(tree: string, step: string, system: string): Promise<Line> {
  const concurrency = /^process-(\d+)$/.exec(step)?.[1];
  const scenario = concurrency ? 'process' : step;
  const caseArgs = ['--expose-gc', join(tree, 'bench/src/case.ts'), '--system', system, '--scenario', scenario, '--variant', values.variant];
  if (concurrency) caseArgs.push('--concurrency', concurrency);
  if (values.quick) caseArgs.push('--quick');
  return new Promise((done) => {
    const child = spawn(process.execPath, caseArgs, { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      const last = stdout.split('\n').filter((l) => l.startsWith('{')).at(-1);
      done(last ? (JSON.parse(last) as Line) : { error: `exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
    });
  });
}
