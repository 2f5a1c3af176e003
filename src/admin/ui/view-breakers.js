// The breakers view: every task's circuit breaker as the store holds it, and the operator's
// override. It is re-rendered by the event stream (`breaker.changed`, read from the store by the
// server, so changes made by any node arrive) and by job events, whose attempts move the counts.
import { api } from './api.js';
import { h, table } from './dom.js';
import { actionButton, liveTime, pageHeader } from './view-kit.js';

const stateTitles = {
  closed: 'Closed: its jobs start as usual',
  'half-open': 'Half-open: a few probe jobs run; their outcome closes or opens it again',
  open: 'Open: none of its jobs starts until it turns half-open',
};

export async function renderBreakers(app) {
  const { nowMs, items } = await api('breakers');
  app.syncClock(nowMs);
  const now = app.now();
  const open = items.filter((breaker) => breaker.state === 'open').length;
  const rows = items.map((breaker) => ({
    attrs: { 'data-task': breaker.task, 'data-state': breaker.state, class: app.flashClass(`breaker:${breaker.task}`) },
    cells: [
      h('span', { class: 'tag' }, breaker.task),
      h('span', { class: 'state' }, breakerBadge(breaker.state), forcedFlag(breaker.forced)),
      calls(breaker),
      breaker.state === 'open' && breaker.openUntilMs !== null ? liveTime(breaker.openUntilMs, now) : h('span', { class: 'muted' }, breaker.state === 'open' ? 'until released' : '–'),
      breaker.state === 'half-open' && breaker.probeOwner ? h('span', { class: 'mono', title: 'The node running the probe jobs' }, breaker.probeOwner) : h('span', { class: 'muted' }, '–'),
      liveTime(breaker.changedAtMs, now),
      h('div', { class: 'row-actions' }, actions(app, breaker)),
    ],
  }));
  return [
    pageHeader(
      'Breakers',
      items.length === 0
        ? "Each task's circuit breaker, shared by every node."
        : `${items.length} breaker${items.length === 1 ? '' : 's'}${open ? `, ${open} open` : ''}. Shared by every node: an open breaker stops its task's jobs on all of them.`,
    ),
    h(
      'section',
      { class: 'card flush' },
      table(
        ['Task', 'State', 'Failed / calls', 'Open until', 'Probes by', 'Changed', ''],
        rows,
        'No breaker yet. A task with the `breaker` option gets one when its first calls are counted, or when an operator forces it.',
      ),
    ),
  ];
}

/** closed green, half-open amber, open red. */
function breakerBadge(state) {
  return h('span', { class: `badge badge-breaker-${state}`, title: stateTitles[state] ?? state }, state);
}

function forcedFlag(forced) {
  if (forced === null) return null;
  const title = `Held ${forced} by an operator on every node, whatever fails, until set back to automatic`;
  return [' ', h('span', { class: 'badge badge-warn', 'data-flag': 'forced', title }, `forced ${forced}`)];
}

function calls(breaker) {
  const total = breaker.failed + breaker.succeeded;
  const rate = total === 0 ? '' : ` · ${Math.round((100 * breaker.failed) / total)}%`;
  return h(
    'span',
    { class: 'num', 'data-field': 'calls', title: 'Attempts that failed, of those that ended, since the breaker last changed' },
    h('span', { class: breaker.failed > 0 ? 'num bad' : 'num' }, String(breaker.failed)),
    ` / ${total}${rate}`,
  );
}

/** Only the overrides that change something: a force it does not hold yet; "Automatic" unless it is automatic and closed. */
function actions(app, breaker) {
  const force = (value) => () => api(`breakers/${encodeURIComponent(breaker.task)}`, { method: 'POST', body: { force: value } });
  return [
    breaker.forced === 'open'
      ? null
      : actionButton(app, 'Force open', force('open'), { kind: 'danger', confirmText: `Stop every job of task "${breaker.task}" from starting, on every node?`, done: `Breaker of ${breaker.task} held open` }),
    breaker.forced === 'closed' ? null : actionButton(app, 'Force closed', force('closed'), { done: `Breaker of ${breaker.task} held closed` }),
    breaker.forced === null && breaker.state === 'closed' ? null : actionButton(app, 'Automatic', force(null), { kind: 'primary', done: `Breaker of ${breaker.task} is automatic again` }),
  ];
}
