import { InvalidArgumentError, jobStatuses, type JobStatus } from '../../index.ts';
import { parseCommandArgs, parsePositiveInt } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { formatJobTable } from '../format-records.ts';
import { recentJobScan, resolveJobId } from '../resolve-id.ts';
import { renderOrWatch, takeWatchOption, watchOptionHelp } from '../watch.ts';

export const jobsLs: Command = {
  name: 'jobs ls',
  summary: 'list jobs, newest first',
  help: [
    'Usage: sundial jobs ls [--status <s>[,<s>]] [--task <name>] [--schedule <id>] [--parent <id>] [--limit <n>] [--watch [interval]] [--store <url>] [--json]',
    '',
    'Lists jobs, newest first.',
    '',
    'Options:',
    `  --status <list>   only these statuses, comma-separated: ${jobStatuses.join(', ')}`,
    '  --task <name>     only jobs of this task',
    '  --schedule <id>   only jobs of this schedule',
    '  --parent <id>     only the children of this job (jobs of a flow that wait for it); an id,',
    `                    or its start or end (among the ${recentJobScan} newest jobs)`,
    '  --limit <n>       at most n jobs (default 50)',
    watchOptionHelp,
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { watchMs, rest } = takeWatchOption(argv);
    const { values, storeUrl, json } = parseCommandArgs(this.name, rest, io.env, {
      status: { type: 'string' },
      task: { type: 'string' },
      schedule: { type: 'string' },
      parent: { type: 'string' },
      limit: { type: 'string' },
    });
    const status = values.status === undefined ? undefined : parseStatuses(values.status);
    const limit = parsePositiveInt(values.limit, 'limit', 50);
    return withClient(storeUrl, async (scheduler) => {
      const parentId = values.parent === undefined ? undefined : await resolveJobId(scheduler, values.parent);
      return renderOrWatch(io, watchMs, async () => {
        const jobs = await scheduler.listJobs({ status, task: values.task, scheduleId: values.schedule, parentId, limit });
        return json ? JSON.stringify(jobs, null, 2) : formatJobTable(jobs, io.nowMs());
      });
    });
  },
};

/** `failed,dead` → ['failed', 'dead'], checked against the known statuses. */
export function parseStatuses(list: string): JobStatus[] {
  const statuses = list.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = statuses.filter((s) => !(jobStatuses as readonly string[]).includes(s));
  if (statuses.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `Expected \`--status\` to be one or more of ${jobStatuses.join(', ')} (comma-separated), got ${JSON.stringify(list)}`,
    );
  }
  return statuses as JobStatus[];
}
