// Transactional enqueue on SQLite: an order and its expiry job are written in one transaction on
// your own connection to the store's file, so both exist or neither does. Run: node examples/sqlite-transaction.ts
import { rmSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { Scheduler, task } from '../src/index.ts';
import { SqliteStore } from '../src/sqlite/index.ts';

const file = './sqlite-transaction.db';
for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });

const db = new DatabaseSync(file, { timeout: 5000 }); // your connection: your tables live in the same file
db.exec(`CREATE TABLE IF NOT EXISTS orders (id INTEGER PRIMARY KEY, item TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open')`);

const expireOrder = task<{ orderId: number }>('expire-order', {
  run: ({ data }) => {
    db.prepare(`UPDATE orders SET status = 'expired' WHERE id = ? AND status = 'open'`).run(data.orderId);
    console.log(`order ${data.orderId} expired`);
  },
});

const scheduler = new Scheduler({ store: new SqliteStore(file), tasks: [expireOrder], logger: 'silent' });
await scheduler.start(); // opens (and migrates) the store: its tables exist before your first transaction

/** Places an order and schedules its expiry in one transaction; `fail` throws before COMMIT. */
async function placeOrder(item: string, fail: boolean): Promise<void> {
  db.exec('BEGIN IMMEDIATE');
  try {
    const { id } = db.prepare('INSERT INTO orders (item) VALUES (?) RETURNING id').get(item) as { id: number };
    await scheduler.enqueue({ task: expireOrder, data: { orderId: id }, delay: '200ms' }, { tx: db });
    if (fail) throw new Error(`payment for ${item} declined`);
    db.exec('COMMIT'); // the order and its expiry job, together
    console.log(`order ${id} (${item}) placed`);
  } catch (error) {
    db.exec('ROLLBACK'); // neither the order nor its job
    console.log(`rolled back: ${(error as Error).message}`);
  }
}

const expired = scheduler.waitFor('job.succeeded');
await placeOrder('teapot', false);
await placeOrder('kettle', true);
await expired;

console.log('orders:', db.prepare('SELECT id, item, status FROM orders ORDER BY id').all());
console.log('jobs:', (await scheduler.store.listJobs()).map((job) => `${job.task} ${JSON.stringify(job.data)} ${job.status}`));
await scheduler.stop();
db.close();
