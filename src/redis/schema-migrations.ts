import type { Cluster, Redis } from 'ioredis';
import { StoreSchemaError } from '../errors.ts';
import type { KeyLayout } from './key-layout.ts';
import { runScript } from './scripts.ts';

/**
 * 2: one claim queue per task (routing). 3: reserved jobs (status `reserved`, in `jlease` and
 * `sres:<scheduleId>`), lean claim replies; an older node must not run against them.
 *
 * Leadership and the cluster event log (`l:<name>`, `leaders`, `events`, `evat`, `evseq`,
 * `evtrim`) left it at 3: they are new keys, absent from older data just as from a new store, so
 * there is nothing to migrate; and a node of schema 3 without them never touches them, so it may
 * run beside newer nodes in a rolling deploy (a bump would lock it out for nothing). The node
 * records it writes lack `clusterEvents`, which listNodes reads as none.
 *
 * The trace context (`tc` in job and schedule hashes, `traceContext` of the records) left it at 3
 * too: an optional field, written only when set, and absence reads as none, so older data needs
 * no migration. A schema-3 node that does not know it runs such jobs untraced; its upserts and
 * cancel/retry rewrites leave a job's `tc` alone (they write named fields), and its schedule
 * upserts keep a stored schedule's `tc` (the newer node's next write replaces it).
 *
 * Flows, task gates and the claim's `maxActive` left it at 3 as well: a child's fields (`par`,
 * `opf`, `pw`), a parent's `hc` and `ch:<id>`, `br:`/`brc:`/`breakers` and `rt:` are new, absent
 * from older data just as from a new store. The one derived index, `active` (running + reserved
 * jobs per task), is counted from `jlease` by a capped claim (then once a minute at most: key
 * `actv`), not by a migration, and kept by every script in between. A schema-3 node that does not know them
 * must not run beside flows, though: it neither resolves the children of the jobs it completes
 * nor reads `waiting` (its records flag the status unreadable). Stop such nodes before the first
 * job with parents is enqueued.
 */
export const schemaVersion = 3;

/** Queue entries one migrateQueues call moves; job ids per migrateActive call. */
const migrateBudget = 5_000;
const activeChunk = 1_000;

/**
 * Refuses data of a newer schema, stamps a new store with the current one, and brings older data
 * up to date (see `migrateSchema`).
 */
export async function ensureSchema(client: Redis | Cluster, keys: KeyLayout, prefix: string): Promise<void> {
  const version = await client.hget(keys.meta, 'schema');
  if (version !== null && Number(version) > schemaVersion) {
    throw new StoreSchemaError(`RedisStore ${prefix}: data written by a newer Sundial (schema ${version}, this one knows ${schemaVersion})`);
  }
  if (version === null) await client.hsetnx(keys.meta, 'schema', String(schemaVersion));
  else if (Number(version) < schemaVersion) await migrateSchema(client, keys, Number(version), schemaVersion);
}

/**
 * Brings data of an older schema up to `to`. Every step is idempotent, so nodes opening at once
 * just share the work. Stop the older version's nodes first: they would keep writing the old
 * layout.
 *
 * - 1 → 2: claimable jobs move from one queue per priority to one queue per task (routing), in
 *   steps of `migrateBudget` entries.
 * - 2 → 3: a schedule's active jobs are listed in a set `sa:<scheduleId>` instead of counted in
 *   the `sactive` hash. Active jobs are exactly those in a claim queue or in `jlease`, so only
 *   they are read, never the history.
 */
export async function migrateSchema(client: Redis | Cluster, keys: KeyLayout, from: number, to: number): Promise<void> {
  if (from < 2) {
    while (Number(await runScript(client, 'migrateQueues', keys.meta, [keys.base, migrateBudget])) > 0) {
      // Each call moves at most migrateBudget entries.
    }
  }
  if (from < 3) {
    const sets = [`${keys.base}jlease`];
    for (const task of await range(client, `${keys.base}qtasks`, 0, -1)) {
      for (const pri of await range(client, `${keys.base}qprio:${task}`, 0, -1)) sets.push(`${keys.base}q:${task}:${pri}`);
    }
    for (const set of sets) {
      // Queue members are '<16-digit sequence>:<id>'; jlease members are ids.
      const toId = set.endsWith('jlease') ? (member: string) => member : (member: string) => member.slice(17);
      for (let start = 0; ; start += activeChunk) {
        const members = await range(client, set, start, start + activeChunk - 1);
        if (members.length > 0) await runScript(client, 'migrateActive', keys.meta, [keys.base, ...members.map(toId)]);
        if (members.length < activeChunk) break;
      }
    }
    await client.del(`${keys.base}sactive`);
  }
  await client.hset(keys.meta, 'schema', String(to));
}

/** ZRANGE by rank (`client.zrange` has no single signature on `Redis | Cluster`). */
function range(client: Redis | Cluster, key: string, start: number, stop: number): Promise<string[]> {
  return client.call('ZRANGE', key, start, stop) as Promise<string[]>;
}
