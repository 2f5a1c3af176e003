// Testing with a virtual clock: three hours of an hourly schedule in milliseconds of real time.
// Run: node examples/virtual-clock.ts
import assert from 'node:assert/strict';
import { Scheduler, cron, task } from '../src/index.ts';
import { MemoryStore } from '../src/memory/index.ts';
import { VirtualClock } from '../src/testing/index.ts';

const runs: string[] = [];
const report = task('hourly-report', { run: ({ fireAt }) => void runs.push(fireAt!.toISOString()) });

const clock = new VirtualClock(new Date('2026-03-01T00:30:00Z'));
const scheduler = new Scheduler({ store: new MemoryStore(), tasks: [report], clock });
await scheduler.schedule({ id: 'hourly-report', task: report, trigger: cron('0 * * * *', { tz: 'Europe/Berlin' }) });
await scheduler.start();
await clock.advance('3h'); // every timer due on the way fires at its own instant
await scheduler.stop();

assert.deepEqual(runs, ['2026-03-01T01:00:00.000Z', '2026-03-01T02:00:00.000Z', '2026-03-01T03:00:00.000Z']);
console.log(`ran at ${runs.join(', ')}`);
