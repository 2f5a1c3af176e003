import type { BreakerForce, BreakerRecord } from '../../index.ts';
import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';

/**
 * `breakers open|close|reset <task>`: the operator's override, one command per force. They differ
 * only in the force they write and in what they say, so one factory makes the three.
 */
function breakerForceCommand(word: string, force: BreakerForce, summary: string, description: readonly string[], done: (breaker: BreakerRecord) => string): Command {
  return {
    name: `breakers ${word}`,
    summary,
    help: [`Usage: sundial breakers ${word} <task> [--store <url>] [--json]`, '', ...description, '', 'Options:', commonOptionsHelp].join('\n'),
    async run(argv, io) {
      const { positionals, storeUrl, json } = parseCommandArgs(this.name, argv, io.env, {}, ['task']);
      const breaker = await withClient(storeUrl, (scheduler) => scheduler.forceBreaker(positionals[0]!, force));
      io.out(json ? JSON.stringify(breaker, null, 2) : done(breaker));
      return 0;
    },
  };
}

export const breakersOpen = breakerForceCommand(
  'open',
  'open',
  "hold a task's breaker open: none of its jobs starts",
  [
    "Holds the task's circuit breaker open on every node: no job of the task starts until",
    '`sundial breakers reset` (or `close`). Jobs already running go on; queued ones wait.',
    'A task that has no breaker record gets one.',
  ],
  (b) => `Forced the breaker of task ${b.task} open: none of its jobs starts until \`sundial breakers reset ${b.task}\`.`,
);

export const breakersClose = breakerForceCommand(
  'close',
  'closed',
  "hold a task's breaker closed: its jobs start whatever fails",
  [
    "Holds the task's circuit breaker closed on every node: its jobs start however many of them",
    'fail, until `sundial breakers reset`. A task that has no breaker record gets one.',
  ],
  (b) => `Forced the breaker of task ${b.task} closed: its jobs start whatever fails, until \`sundial breakers reset ${b.task}\`.`,
);

export const breakersReset = breakerForceCommand(
  'reset',
  null,
  "hand a task's breaker back to the automatic rules",
  [
    "Releases an operator's override: the breaker is closed with a fresh window (no call",
    'counted), and opens again by its rules when too many calls fail.',
  ],
  (b) => `The breaker of task ${b.task} is automatic again (${b.state}, no call counted).`,
);
