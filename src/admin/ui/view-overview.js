import { api } from './api.js';
import { horizontalBars, stackedBars } from './charts.js';
import { h, table } from './dom.js';
import { describeTrigger, duration } from './format.js';
import { card, liveTime, pageHeader, stat, statusBadge } from './view-kit.js';

const statuses = ['waiting', 'queued', 'reserved', 'running', 'failed', 'succeeded', 'dead', 'cancelled'];

/** The overview: outcome charts, queue depth, lateness, nodes, what fires next and what failed last. */
export async function renderOverview(app) {
  const [stats, schedules, failures] = await Promise.all([
    api('stats'),
    api('schedules?paused=false&limit=500'),
    api('jobs?status=dead,failed&limit=5'),
  ]);
  app.syncClock(stats.nowMs);
  const now = app.now();
  const sum = (key) => stats.finished.reduce((total, bucket) => total + bucket[key], 0);
  const succeeded = sum('succeeded');
  const dead = sum('dead');
  const due = stats.byStatus.queued + stats.byStatus.failed;
  // Jobs of a flow whose parents have not all finished: not due, so not in the backlog.
  const waitingForParents = stats.byStatus.waiting ?? 0;
  app.setDeadCount(stats.byStatus.dead);

  const upcoming = schedules.items
    .filter((schedule) => schedule.nextFireAtMs !== null)
    .sort((a, b) => a.nextFireAtMs - b.nextFireAtMs)
    .slice(0, 6);

  return [
    pageHeader('Overview', 'The whole cluster, live: every node that shares this store.'),
    // What the store's server is configured to lose (Store.durabilityWarnings): said before anything else.
    (stats.storeWarnings ?? []).length > 0
      ? h('div', { class: 'card notice', 'data-store-warnings': '' }, h('h2', null, 'The store may lose data'), stats.storeWarnings.map((warning) => h('p', null, warning.message)))
      : null,
    h(
      'div',
      { class: 'stats' },
      stat('Succeeded · 1 h', String(succeeded), `${(succeeded / 60).toFixed(1)} per minute`, 'good'),
      stat('Dead · 1 h', String(dead), dead === 0 ? 'no failures' : 'see Dead letters', dead > 0 ? 'bad' : undefined),
      stat('Queued', String(due), `${stats.byStatus.running} running now${waitingForParents > 0 ? ` · ${waitingForParents} waiting for parents` : ''}`),
      stat('Lateness p50', stats.lateness.p50Ms === null ? '–' : duration(stats.lateness.p50Ms), `p99 ${stats.lateness.p99Ms === null ? '–' : duration(stats.lateness.p99Ms)} · ${stats.lateness.sample} jobs`),
      stat('Nodes alive', String(stats.nodesAlive), stats.nodesAlive === 0 ? 'no node is running' : 'reported in the last 15 s', stats.nodesAlive === 0 ? 'bad' : undefined),
    ),
    h(
      'div',
      { class: 'grid-2' },
      card(
        'Throughput',
        stackedBars({
          buckets: stats.finished,
          bucketMs: stats.bucketMs,
          label: 'Jobs finished per minute over the last hour',
          series: [
            { key: 'succeeded', label: 'succeeded', className: 'fill-succeeded' },
            { key: 'dead', label: 'dead', className: 'fill-dead' },
          ],
        }),
        legend([['succeeded', 'Succeeded'], ['dead', 'Dead']]),
      ),
      card(
        'Failures',
        stackedBars({
          buckets: stats.finished,
          bucketMs: stats.bucketMs,
          label: 'Dead and cancelled jobs per minute over the last hour',
          series: [
            { key: 'dead', label: 'dead', className: 'fill-dead' },
            { key: 'cancelled', label: 'cancelled', className: 'fill-cancelled' },
          ],
        }),
        legend([['dead', 'Dead'], ['cancelled', 'Cancelled']]),
      ),
    ),
    h(
      'div',
      { class: 'grid-3' },
      card(
        'Queue depth',
        horizontalBars(
          statuses.map((status) => ({ label: status, value: stats.byStatus[status] ?? 0, className: `fill-${status}` })),
          'Jobs by status',
        ),
      ),
      card(
        'Next fires',
        upcoming.length === 0
          ? h('p', { class: 'empty' }, 'No active schedule.')
          : h(
              'ul',
              { class: 'list' },
              upcoming.map((schedule) =>
                h('li', { 'data-id': schedule.id }, h('div', null, h('strong', null, schedule.id), h('div', { class: 'muted small' }, describeTrigger(schedule.trigger))), liveTime(schedule.nextFireAtMs, now)),
              ),
            ),
      ),
      card(
        'Latest failures',
        failures.items.length === 0
          ? h('p', { class: 'empty' }, 'Nothing failed recently.')
          : h(
              'ul',
              { class: 'list' },
              failures.items.map((job) =>
                h(
                  'li',
                  { 'data-id': job.id },
                  h('div', { class: 'clip' }, h('a', { href: `#/jobs/${encodeURIComponent(job.id)}` }, job.task), h('div', { class: 'muted small clip' }, job.error ? job.error.message : '')),
                  statusBadge(job.status),
                ),
              ),
            ),
      ),
    ),
  ];
}

function legend(entries) {
  return h('div', { class: 'legend' }, entries.map(([kind, text]) => h('span', null, h('i', { class: `swatch fill-${kind}` }), text)));
}

/** The nodes sharing the store, from their own reports. */
export async function renderNodes(app) {
  const { items } = await api('nodes');
  const now = app.now();
  const alive = items.filter((node) => node.alive).length;
  const rows = items.map((node) => ({
    attrs: { 'data-id': node.id },
    cells: [
      h('span', { class: 'mono' }, node.id),
      node.alive ? statusBadge('alive') : h('span', { class: 'badge badge-gone' }, 'gone'),
      `${node.hostname} · pid ${node.pid}`,
      [node.roles.schedules ? 'schedules' : null, node.roles.jobs ? 'jobs' : null].filter(Boolean).join(' + ') || 'client',
      `${node.running} / ${node.concurrency}`,
      node.tasks.length === 0 ? h('span', { class: 'muted' }, '–') : h('span', { class: 'tags' }, node.tasks.map((task) => h('span', { class: 'tag' }, task))),
      liveTime(node.startedAtMs, now),
      liveTime(node.lastSeenAtMs, now),
      h('span', { class: 'muted' }, node.version),
    ],
  }));
  return [
    pageHeader('Nodes', `${alive} alive of ${items.length} known. A node reports every few seconds; one silent for 15 s is shown as gone.`),
    h('section', { class: 'card flush' }, table(['Node', 'State', 'Host', 'Roles', 'Running', 'Tasks', 'Started', 'Last seen', 'Version'], rows, 'No node has reported yet. Nodes register when their scheduler starts.')),
  ];
}
