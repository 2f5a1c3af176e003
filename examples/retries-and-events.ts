// Retries, backoff and events: a task that fails twice, then succeeds. Run: node examples/retries-and-events.ts
import { NonRetryableError, Scheduler, task } from '../src/index.ts';
import { MemoryStore } from '../src/memory/index.ts';

const syncInvoices = task<{ account: string }>('sync-invoices', {
  retry: { attempts: 3, backoff: { type: 'fixed', delay: '200ms', jitter: 0 } },
  timeout: '5s', // aborts `signal` and fails the attempt after 5 s
  async run({ data, attempt, signal }) {
    if (data.account === '') throw new NonRetryableError('no account: retrying cannot help');
    if (attempt < 3) throw new Error(`upstream busy (attempt ${attempt})`);
    signal.throwIfAborted();
    return { account: data.account, synced: 12 };
  },
});

const scheduler = new Scheduler({ store: new MemoryStore(), tasks: [syncInvoices] });
scheduler.on('job.failed', ({ job, error, retryAtMs }) =>
  console.log(`attempt ${job.attempt} failed: ${error.message}; retry in ${retryAtMs - Date.now()} ms`),
);
scheduler.on('job.succeeded', ({ job, result }) => console.log(`attempt ${job.attempt} succeeded:`, result));
scheduler.on('job.dead', ({ job, error }) => console.log(`job ${job.id} is dead: ${error.message}`));

await scheduler.start();
const job = await scheduler.enqueue({ task: syncInvoices, data: { account: 'acme' }, dedupeKey: 'sync:acme' });
const again = await scheduler.enqueue({ task: syncInvoices, data: { account: 'acme' }, dedupeKey: 'sync:acme' });
console.log(`same dedupeKey, same job: ${job.id === again.id}`);
await scheduler.waitFor('job.succeeded');
await scheduler.enqueue({ task: syncInvoices, data: { account: '' } });
await scheduler.waitFor('job.dead');
await scheduler.stop();
