import { JobNotFoundError } from '../../index.ts';
import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { jobIdHelp, resolveJobId } from '../resolve-id.ts';

export const cancel: Command = {
  name: 'cancel',
  summary: 'cancel a job (a running one is aborted by its node)',
  help: [
    'Usage: sundial cancel <jobId> [--store <url>] [--json]',
    '',
    'Cancels a waiting, queued or failed job at once (the children waiting for it follow their',
    '`onParentFailure`). For a running job, asks the node that runs it to abort it (at its next',
    'heartbeat). A finished job is left as it is.',
    '',
    jobIdHelp,
    '',
    'Options:',
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { positionals, storeUrl, json } = parseCommandArgs(this.name, argv, io.env, {}, ['jobId']);
    const id = positionals[0]!;
    const job = await withClient(storeUrl, async (scheduler) => scheduler.cancelJob(await resolveJobId(scheduler, id), 'cancelled from the CLI'));
    if (!job) throw new JobNotFoundError(`No job with id "${id}" (see \`sundial jobs ls\` for ids)`);
    if (json) io.out(JSON.stringify(job, null, 2));
    else if (job.status === 'cancelled') io.out(`Cancelled job ${job.id} (${job.task}).`);
    else if (job.status === 'running') io.out(`Job ${job.id} is running: asked its node (${job.leaseOwner ?? '?'}) to abort it.`);
    else io.out(`Job ${job.id} is already ${job.status}; nothing to cancel.`);
    return 0;
  },
};
