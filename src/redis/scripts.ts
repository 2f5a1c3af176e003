import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

/** The Lua scripts, one per atomic operation (src/redis/lua/<file>.lua, copied to dist by the build). */
const scriptFiles = {
  upsertSchedule: 'upsert-schedule',
  updateSchedule: 'update-schedule',
  removeSchedule: 'remove-schedule',
  acquireSchedules: 'acquire-schedules',
  releaseSchedules: 'release-schedules',
  enqueueJobs: 'enqueue-jobs',
  claimJobs: 'claim-jobs',
  renewLeases: 'renew-leases',
  completeJobs: 'complete-jobs',
  completeAndClaim: 'complete-and-claim',
  findExpiredLeases: 'find-expired-leases',
  cancelJob: 'cancel-job',
  retryJob: 'retry-job',
  purgeJobs: 'purge-jobs',
  jobStats: 'job-stats',
  nextWake: 'next-wake',
  migrateQueues: 'migrate-queues',
  migrateActive: 'migrate-active',
  acquireLeadership: 'acquire-leadership',
  renewLeadership: 'renew-leadership',
  releaseLeadership: 'release-leadership',
  listLeaders: 'list-leaders',
  appendEvents: 'append-events',
  readEvents: 'read-events',
  trimEvents: 'trim-events',
  readBreakers: 'read-breakers',
  recordBreakerCalls: 'record-breaker-calls',
  writeBreaker: 'write-breaker',
  takeRateTokens: 'take-rate-tokens',
} as const;

export type ScriptName = keyof typeof scriptFiles;

/**
 * Scripts ioredis may send to a Cluster replica when the client has `scaleReads` set: only those
 * whose answer is a hint or a figure, never one a write then relies on. `findExpiredLeases` reads
 * only, but the reaper's fenced completion trusts it: a lagging replica's "expired" for a lease
 * its node has just renewed would take the job from a live node and run it twice.
 */
const readOnly: ReadonlySet<ScriptName> = new Set(['jobStats', 'nextWake']);

let sources: Map<ScriptName, string> | null = null;

/**
 * Each script's source with the shared helpers (lua/_lib.lua, _jobs.lua, _flows.lua, _hot.lua) in front; read once per process.
 * The script's own body runs as a function, so that the index writes it deferred are applied
 * after it returns, whichever `return` it took (flush_later in _lib.lua).
 */
function scriptSources(): Map<ScriptName, string> {
  if (sources) return sources;
  const read = (file: string) => readFileSync(new URL(`./lua/${file}.lua`, import.meta.url), 'utf8');
  // The shared helpers, in order: each may use those before it.
  const lib = ['_lib', '_jobs', '_flows', '_hot'].map(read).join('\n');
  const wrap = (body: string) => `${lib}\nlocal function script_body()\n${body}\nend\nlocal reply = script_body()\nflush_later()\nreturn reply\n`;
  sources = new Map(Object.entries(scriptFiles).map(([name, file]) => [name as ScriptName, wrap(read(file))]));
  return sources;
}

/** The command name a script is registered under on the client (namespaced: the client may be the caller's). */
const commandName = (name: ScriptName) => `sundial_${name}`;

/**
 * Registers every script on the client with ioredis `defineCommand`: calls go out as EVALSHA and
 * fall back to EVAL on NOSCRIPT (after a Redis restart or SCRIPT FLUSH), so nothing to reload by hand.
 */
export function defineScripts(client: Redis | Cluster): void {
  for (const [name, lua] of scriptSources()) {
    client.defineCommand(commandName(name), { lua, numberOfKeys: 1, readOnly: readOnly.has(name) });
  }
}

/** Runs script `name` with KEYS[1] = `metaKey` (Cluster routing) and the given ARGV. */
export function runScript(client: Redis | Cluster, name: ScriptName, metaKey: string, args: readonly (string | number)[]): Promise<unknown> {
  const command = (client as unknown as Record<string, (...argv: unknown[]) => Promise<unknown>>)[commandName(name)];
  if (typeof command !== 'function') throw new Error(`Redis script ${name} is not registered on this client`);
  // The arguments go as one array (ioredis flattens it): spread, a batch of many thousand jobs
  // would overflow the JavaScript stack.
  return command.call(client, metaKey, args);
}
