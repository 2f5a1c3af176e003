import { JobNotFoundError } from '../../index.ts';
import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { jobIdHelp, resolveJobId } from '../resolve-id.ts';

export const retry: Command = {
  name: 'retry',
  summary: 'give a dead or cancelled job one more attempt',
  help: [
    'Usage: sundial retry <jobId> [--store <url>] [--json]',
    '',
    'Puts a dead or cancelled job back in the queue, to run now with one more attempt.',
    '',
    jobIdHelp,
    '',
    'Options:',
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { positionals, storeUrl, json } = parseCommandArgs(this.name, argv, io.env, {}, ['jobId']);
    const id = positionals[0]!;
    const job = await withClient(storeUrl, async (scheduler) => scheduler.retryJob(await resolveJobId(scheduler, id)));
    if (!job) throw new JobNotFoundError(`No job with id "${id}" (see \`sundial jobs ls\` for ids)`);
    io.out(json ? JSON.stringify(job, null, 2) : `Job ${job.id} (${job.task}) is queued again (attempt ${job.attempt + 1} of ${job.maxAttempts}).`);
    return 0;
  },
};
