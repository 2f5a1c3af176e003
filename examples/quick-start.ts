// Quick start: one task, a schedule every 2 seconds, one job on demand. Run: node examples/quick-start.ts
import { Scheduler, every, task } from '../src/index.ts';
import { SqliteStore } from '../src/sqlite/index.ts';

const greet = task<{ name: string }>('greet', {
  run: ({ data, job }) => console.log(`Hello, ${data.name}! (job ${job.origin}, attempt ${job.attempt})`),
});

const scheduler = new Scheduler({ store: new SqliteStore('./quick-start.db'), tasks: [greet] });
await scheduler.schedule({ id: 'greet-every-2s', task: greet, data: { name: 'world' }, trigger: every('2s') });
await scheduler.enqueue({ task: greet, data: { name: 'you' } }); // runs at once
await scheduler.start();
await scheduler.waitFor('job.succeeded', ({ job }) => job.origin === 'schedule');
await scheduler.stop(); // graceful: waits for running handlers, then closes the store
