import { JobNotFoundError } from '../../index.ts';
import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { formatJobDetail } from '../format-records.ts';

export const jobsShow: Command = {
  name: 'jobs show',
  summary: 'show one job: its attempts, its error and stack',
  help: [
    'Usage: sundial jobs show <jobId> [--store <url>] [--json]',
    '',
    'Shows one job: its fields, the timeline of its attempts (node, fencing token, outcome),',
    'and its last error with the stack.',
    '',
    'Options:',
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { positionals, storeUrl, json } = parseCommandArgs(this.name, argv, io.env, {}, ['jobId']);
    const id = positionals[0]!;
    const job = await withClient(storeUrl, (scheduler) => scheduler.getJob(id));
    if (!job) throw new JobNotFoundError(`No job with id "${id}" (see \`sundial jobs ls\` for ids)`);
    io.out(json ? JSON.stringify(job, null, 2) : formatJobDetail(job, io.nowMs()));
    return 0;
  },
};
