// A node that only listens to job.succeeded across the cluster (for cluster-events-cost.ts), in a
// process of its own as it would be in production: prints "ready", counts, exits on SIGTERM.
//   node bench/src/profile/cluster-listener.ts <sqlite:path | postgres:schema | redis:prefix>
import { Scheduler, type Store } from '../../../src/index.ts';
import { PostgresStore } from '../../../src/postgres/index.ts';
import { RedisStore } from '../../../src/redis/index.ts';
import { SqliteStore } from '../../../src/sqlite/index.ts';
import { pgConnection, redisUrl } from '../lib/common.ts';

const [kind, name] = (process.argv[2] ?? '').split(/:(.*)/s) as [string, string];
const store: Store =
  kind === 'sqlite' ? new SqliteStore(name) : kind === 'postgres' ? new PostgresStore({ poolConfig: pgConnection, schema: name }) : new RedisStore({ url: redisUrl, prefix: name });
const listener = new Scheduler({ store, roles: { schedules: false, jobs: false }, logger: 'error' });
let seen = 0;
listener.on('job.succeeded', () => void seen++, { scope: 'cluster' });
await listener.start();
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void listener.stop().then(() => {
    process.stdout.write(`seen ${seen}\n`);
    process.exit(0);
  });
});
