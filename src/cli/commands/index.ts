import type { Command } from '../command.ts';
import { breakersClose, breakersOpen, breakersReset } from './breakers-force.ts';
import { breakersLs } from './breakers-ls.ts';
import { cancel } from './cancel.ts';
import { completionCommand } from './completion.ts';
import { demo } from './demo.ts';
import { enqueue } from './enqueue.ts';
import { jobsLs } from './jobs-ls.ts';
import { jobsShow } from './jobs-show.ts';
import { migrate } from './migrate.ts';
import { nodesLs } from './nodes-ls.ts';
import { pause } from './pause.ts';
import { remove } from './remove.ts';
import { resume } from './resume.ts';
import { retry } from './retry.ts';
import { schedulesLs } from './schedules-ls.ts';
import { schedulesNext } from './schedules-next.ts';
import { serve } from './serve.ts';
import { trigger } from './trigger.ts';

/** Every command, in the order `sundial --help` lists them. */
export const commands: readonly Command[] = [
  schedulesLs,
  schedulesNext,
  jobsLs,
  jobsShow,
  enqueue,
  trigger,
  pause,
  resume,
  remove,
  cancel,
  retry,
  nodesLs,
  breakersLs,
  breakersOpen,
  breakersClose,
  breakersReset,
  migrate,
  serve,
  demo,
  completionCommand(() => commands),
];
