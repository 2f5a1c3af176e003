/**
 * Where the Redis store keeps things. Every key starts with `{<prefix>}:`: the braces make the
 * prefix a Cluster hash tag, so all of a store's keys live in one slot and each Lua script may
 * touch any of them (the scripts derive per-record keys from the base; see lua/_lib.lua).
 *
 * | key                     | type   | holds                                                        |
 * |-------------------------|--------|--------------------------------------------------------------|
 * | meta                    | hash   | schema version (KEYS[1] of every script, for routing)        |
 * | seq                     | string | job creation counter (claim tie-break)                       |
 * | s:<id>                  | hash   | one schedule                                                 |
 * | schedules               | zset   | all schedule ids, score 0 (lexicographic: list, idPrefix)    |
 * | sdue                    | zset   | unpaused, unleased schedules by nextFireAtMs                 |
 * | slease                  | zset   | leased schedules by lease expiry                             |
 * | j:<id>                  | hash   | one job                                                      |
 * | q:<task>:<priority>     | zset   | claimable jobs of one task and priority by runAtMs, seq:id   |
 * | qprio:<task>            | zset   | the task's non-empty priority levels                         |
 * | qtasks                  | zset   | the tasks with claimable jobs (score 0)                      |
 * | jlease                  | zset   | running and reserved jobs by lease expiry                    |
 * | jall                    | zset   | every job by createdAtMs (listJobs, newest first)            |
 * | jfeed                   | zset   | every job by updatedAtMs (the change feed)                   |
 * | done:<status>           | zset   | final jobs by finishedAtMs (purge, stats)                    |
 * | f:<scheduleId>          | hash   | fireAtMs → job id (one job per fire; pruned by purge)        |
 * | dedupe                  | hash   | dedupeKey → id of the live job holding it                    |
 * | sa:<scheduleId>         | set    | the schedule's active jobs (maxRunning; listJobs by schedule) |
 * | sres:<scheduleId>       | zset   | the schedule's reserved jobs by runAtMs (cancelled on edits)  |
 * | counts                  | hash   | status → number of jobs (jobStats)                           |
 * | nodes                   | hash   | node id → NodeRecord JSON                                    |
 * | l:<name>                | hash   | one election: holder, term, ver, acq, ren, lease             |
 * | leaders                 | zset   | every election name, score 0 (listLeaders)                   |
 * | events                  | stream | the cluster event log, ids '<seq>-0': type, node, at, data   |
 * | evat                    | zset   | event seqs by atMs (trim by age)                             |
 * | evseq                   | string | the last event seq handed out (never goes back)              |
 * | evtrim                  | string | trimmedThroughSeq: the highest event seq deleted             |
 * | signals                 | pubsub | wake-up channel: '<jobs|schedules|events>:<instance id>'     |
 * | ch:<jobId>              | set    | the job's children (flows: resolution, listJobs by parentId) |
 * | active                  | hash   | task → its running + reserved jobs (claim `maxActive`)       |
 * | actv                    | string | present while `active` is fresh (recounted when it expires)  |
 * | br:<task>               | hash   | one circuit breaker: st, fo, cat, ou, po, pu, ver            |
 * | brc:<task>              | hash   | the breaker's calls: '<bucketStartMs>:s' / ':f' → count      |
 * | breakers                | zset   | every task with a breaker record, score 0 (readBreakers)     |
 * | rt:<key>                | string | a rate-limit bucket's tat (GCRA), expiring when it is idle    |
 */
export interface KeyLayout {
  /** `{prefix}:`, passed to every script as ARGV[1]. */
  readonly base: string;
  readonly meta: string;
  readonly schedules: string;
  readonly jobsByCreation: string;
  readonly jobsByUpdate: string;
  readonly nodes: string;
  readonly signals: string;
  /** The event log's seq counter (eventCursor). */
  readonly eventSeq: string;
  schedule(id: string): string;
  job(id: string): string;
  /** The schedule's active jobs (queued, reserved, running, failed). */
  activeJobs(scheduleId: string): string;
  /** One election's record. */
  leader(name: string): string;
  /** A job's children (flows), kept while they exist. */
  children(jobId: string): string;
}

export function keyLayout(prefix: string): KeyLayout {
  const base = `{${prefix}}:`;
  return {
    base,
    meta: `${base}meta`,
    schedules: `${base}schedules`,
    jobsByCreation: `${base}jall`,
    jobsByUpdate: `${base}jfeed`,
    nodes: `${base}nodes`,
    signals: `${base}signals`,
    eventSeq: `${base}evseq`,
    schedule: (id) => `${base}s:${id}`,
    job: (id) => `${base}j:${id}`,
    activeJobs: (scheduleId) => `${base}sa:${scheduleId}`,
    leader: (name) => `${base}l:${name}`,
    children: (jobId) => `${base}ch:${jobId}`,
  };
}

/** The pattern matching every key of a prefix (for SCAN-based cleanup in tests and tools). */
export function keyPattern(prefix: string): string {
  return `{${prefix.replace(/[*?[\]\\]/g, (c) => `\\${c}`)}}:*`;
}
