import type { Store } from '../../index.ts';
import { parseCommandArgs } from '../args.ts';
import { withClient } from '../client.ts';
import { commonOptionsHelp, type Command } from '../command.ts';
import { formatTable } from '../format-table.ts';
import { formatTime } from '../format-time.ts';
import { renderOrWatch, takeWatchOption, watchOptionHelp } from '../watch.ts';

/** A node seen within this long is alive: the admin API's window (nodes report every few seconds). */
const aliveWindowMs = 15_000;

type NodeRecord = Awaited<ReturnType<Store['listNodes']>>[number];

export const nodesLs: Command = {
  name: 'nodes ls',
  summary: 'list the nodes sharing the store',
  help: [
    'Usage: sundial nodes ls [--watch [interval]] [--store <url>] [--json]',
    '',
    'Lists the processes that share the store, as each last reported itself: its roles',
    `(schedules, jobs), how many tasks it runs, when it was last seen, and whether it is alive`,
    `(seen in the last ${aliveWindowMs / 1000}s). A stopped node stays listed until the store prunes it.`,
    '',
    'Options:',
    watchOptionHelp,
    commonOptionsHelp,
  ].join('\n'),
  async run(argv, io) {
    const { watchMs, rest } = takeWatchOption(argv);
    const { storeUrl, json } = parseCommandArgs(this.name, rest, io.env, {});
    return withClient(storeUrl, (_scheduler, store) =>
      renderOrWatch(io, watchMs, async () => {
        const nowMs = io.nowMs();
        const nodes = (await store.listNodes()).map((node) => ({ ...node, alive: node.lastSeenAtMs > nowMs - aliveWindowMs }));
        return json ? JSON.stringify(nodes, null, 2) : formatNodeTable(nodes, nowMs);
      }),
    );
  },
};

/** One row per node: id, roles, tasks, running jobs, host, last seen, alive. */
export function formatNodeTable(nodes: ReadonlyArray<NodeRecord & { alive: boolean }>, nowMs: number): string {
  if (nodes.length === 0) return 'No nodes. A node reports itself once its scheduler starts.';
  return formatTable(
    ['id', 'roles', 'tasks', 'running', 'host', 'last seen', 'alive'],
    nodes.map((n) => [
      n.id,
      [n.roles.schedules ? 'schedules' : '', n.roles.jobs ? 'jobs' : ''].filter(Boolean).join(',') || 'client',
      String(n.tasks.length),
      `${n.running}/${n.concurrency}`,
      `${n.hostname}:${n.pid}`,
      formatTime(n.lastSeenAtMs, nowMs),
      n.alive ? 'yes' : 'no',
    ]),
  );
}
