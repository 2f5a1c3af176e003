import { InvalidArgumentError, JobNotFoundError, ScheduleNotFoundError, type JobRecord, type Scheduler } from '../index.ts';
import { AmbiguousIdError } from './ambiguous-id-error.ts';

/** How many of the newest jobs a prefix or suffix is looked for in (ids are UUIDv7: newest first). */
export const recentJobScan = 1000;
/** How many candidates an ambiguous id lists. */
const maxCandidatesShown = 5;
const jobPageSize = 200;

/**
 * The job an id names: the exact id, else the one job among the {@link recentJobScan} newest whose
 * id starts or ends with it (the dashboard shows `…` and the last 8 characters).
 *
 * @throws JobNotFoundError when none matches, AmbiguousIdError when several do.
 */
export async function resolveJob(scheduler: Scheduler, given: string): Promise<JobRecord> {
  assertNotEmpty(given, 'job id');
  const exact = await scheduler.getJob(given);
  if (exact) return exact;
  const matches: JobRecord[] = [];
  let afterId: string | undefined;
  for (let scanned = 0; scanned < recentJobScan; ) {
    const page = await scheduler.listJobs({ afterId, limit: Math.min(jobPageSize, recentJobScan - scanned) });
    for (const job of page) if (job.id.startsWith(given) || job.id.endsWith(given)) matches.push(job);
    scanned += page.length;
    afterId = page.at(-1)?.id;
    if (page.length === 0 || afterId === undefined) break;
  }
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    throw new AmbiguousIdError(
      `"${given}" matches ${matches.length} jobs: ${candidates(matches.map((j) => `${j.id} (${j.task}, ${j.status})`))}; give more characters`,
    );
  }
  throw new JobNotFoundError(
    `No job with id "${given}", nor one among the ${recentJobScan} newest whose id starts or ends with it (see \`sundial jobs ls\` for ids)`,
  );
}

/** The id of the job an id, prefix or suffix names (see {@link resolveJob}). */
export async function resolveJobId(scheduler: Scheduler, given: string): Promise<string> {
  return (await resolveJob(scheduler, given)).id;
}

/**
 * The id of the schedule an id names: the exact id, else the one schedule whose id starts with it.
 *
 * @throws ScheduleNotFoundError when none matches, AmbiguousIdError when several do.
 */
export async function resolveScheduleId(scheduler: Scheduler, given: string): Promise<string> {
  assertNotEmpty(given, 'schedule id');
  const exact = await scheduler.getSchedule(given);
  if (exact) return exact.id;
  const matches = await scheduler.listSchedules({ idPrefix: given, limit: maxCandidatesShown + 1 });
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length > 1) {
    const count = matches.length > maxCandidatesShown ? `more than ${maxCandidatesShown}` : String(matches.length);
    throw new AmbiguousIdError(`"${given}" is the start of ${count} schedule ids: ${candidates(matches.map((s) => s.id))}; give more characters`);
  }
  // The words from before ids could be shortened: scripts match them.
  throw new ScheduleNotFoundError(`No schedule with id "${given}"`);
}

function candidates(list: readonly string[]): string {
  return list.length > maxCandidatesShown ? `${list.slice(0, maxCandidatesShown).join(', ')}, …` : list.join(', ');
}

function assertNotEmpty(given: string, what: string): void {
  if (given.trim() === '') throw new InvalidArgumentError(`Expected a ${what}, got an empty string`);
}

/** The help paragraph of the commands that take a job id. */
export const jobIdHelp = [
  'The job id may be shortened: its start, or its end as the dashboard shows it (…01a2290a), when',
  `exactly one of the ${recentJobScan} newest jobs matches; several matches are listed (exit code 2).`,
].join('\n');

/** The help paragraph of the commands that take a schedule id. */
export const scheduleIdHelp =
  'The schedule id may be shortened to its start when exactly one schedule matches; several matches are listed (exit code 2).';
