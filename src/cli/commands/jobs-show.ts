import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { formatJobDetail } from '../format-records.ts';
import { jobIdHelp, resolveJob } from '../resolve-id.ts';

/** Children listed under a job; `sundial jobs ls --parent <id>` lists them all. */
const maxChildrenShown = 50;

export const jobsShow: Command = {
  name: 'jobs show',
  summary: 'show one job: its attempts, its error and stack, its parents and children',
  help: [
    'Usage: sundial jobs show <jobId> [--store <url>] [--json]',
    '',
    'Shows one job: its fields, the timeline of its attempts (node, fencing token, outcome),',
    'its last error with the stack, and, in a flow, the jobs it waits for (parents) and the',
    'jobs that wait for it (children), with their status.',
    '',
    jobIdHelp,
    '',
    'Options:',
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { positionals, storeUrl, json } = parseCommandArgs(this.name, argv, io.env, {}, ['jobId']);
    const id = positionals[0]!;
    const found = await withClient(storeUrl, async (scheduler) => {
      const job = await resolveJob(scheduler, id);
      // A flow's neighbours, so that an operator sees what a waiting job waits for and what waits for it.
      const parents = await Promise.all((job.parents ?? []).map(async (parentId) => (await scheduler.getJob(parentId)) ?? parentId));
      const children = await scheduler.listJobs({ parentId: job.id, limit: maxChildrenShown + 1 });
      return { job, family: { parents, children: children.slice(0, maxChildrenShown), moreChildren: children.length > maxChildrenShown } };
    });
    io.out(json ? JSON.stringify(found.job, null, 2) : formatJobDetail(found.job, io.nowMs(), found.family));
    return 0;
  },
};
