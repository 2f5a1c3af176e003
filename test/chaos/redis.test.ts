// Chaos on a Redis server of the test's own (a free port, AOF fsynced on every write): three node
// processes under random SIGKILLs and restarts, every node killed at once, their connections
// killed (CLIENT KILL of the clients carrying their names), and the server SIGKILLed and started
// again on the same AOF once. See docs/testing.md, "Chaos tests".
import { Redis } from 'ioredis';
import { afterAll, describe, test } from 'vitest';
import { RedisStore } from '../../src/redis/index.ts';
import { requireOrSkip } from '../fixtures/free-port.ts';
import { PrivateRedis, privateRedisUnavailableReason } from '../fixtures/private-redis.ts';
import { expectNoChaosDamage } from './chaos-assertions.ts';
import { runChaos } from './chaos-run.ts';
import { chooseSeed } from './fault-plan.ts';

const available = requireOrSkip('test/chaos/redis.test.ts (a private redis-server)', privateRedisUnavailableReason());
const prefix = 'chaos';

let server: PrivateRedis | null = null;
let admin: Redis | null = null;
afterAll(async () => {
  admin?.disconnect();
  await server?.destroy();
});

describe.skipIf(!available)('chaos: Redis', () => {
  test('three nodes under SIGKILLs, CLIENT KILLs and a server crash lose no fire and no acknowledged job', { timeout: 90_000 }, async () => {
    const seed = chooseSeed();
    const redis = await PrivateRedis.create();
    server = redis;
    const client = new Redis(redis.port, '127.0.0.1', { connectionName: 'sundial-chaos-admin', maxRetriesPerRequest: 1 });
    client.on('error', () => {}); // the server restarts under it; it reconnects by itself
    admin = client;
    const result = await runChaos({
      seed,
      backend: {
        name: 'redis',
        workerFlags: ['--redis', redis.url, '--prefix', prefix],
        openStore: () => new RedisStore({ url: redis.url, prefix, redisOptions: { connectionName: 'sundial-chaos-client' } }),
        async killConnections(name) {
          const list = (await client.client('LIST')) as string;
          let killed = 0;
          for (const line of list.split('\n')) {
            if (!line.split(' ').includes(`name=${name}`)) continue;
            const id = /\bid=(\d+)/.exec(line)?.[1];
            if (id) killed += Number(await client.call('CLIENT', 'KILL', 'ID', id));
          }
          return killed;
        },
        crashServer: () => redis.crash(),
        restartServer: () => redis.start(),
      },
    });
    expectNoChaosDamage(result, { server: true });
  });
});
