// What the framework recipes share: one task that takes a moment, and the scheduler options read
// from the environment (SUNDIAL_DB: the SQLite file; PORT: 0 picks a free one).
import { setTimeout as sleep } from 'node:timers/promises';
import { Scheduler, task, type SchedulerOptions } from '../../src/index.ts';
import { SqliteStore } from '../../src/sqlite/index.ts';

/** A job that takes `ms` milliseconds (300 by default) and stops early when its signal aborts. */
export const brew = task<{ ms?: number }>('brew', {
  async run({ data, job, signal }) {
    console.log(`brewing ${job.id}`);
    await sleep(data.ms ?? 300, undefined, { signal });
    return { brewedMs: data.ms ?? 300 };
  },
});

export const port = Number(process.env.PORT ?? 3000);

/** The scheduler options of every recipe: the SQLite store and the `brew` task. */
export function schedulerOptions(): SchedulerOptions {
  return { store: new SqliteStore(process.env.SUNDIAL_DB ?? './sundial-frameworks.db'), tasks: [brew], logger: 'warn' };
}

export function createScheduler(): Scheduler {
  return new Scheduler(schedulerOptions());
}

/** Announces the port on stdout (the integration test reads it). */
export function announce(framework: string, listeningPort: number): void {
  console.log(`${framework} listening on http://127.0.0.1:${listeningPort}`);
}
