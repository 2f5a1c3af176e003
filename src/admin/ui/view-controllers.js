// The controllers view: who leads each election, what each controller last reported, and a form
// that sends a command (enqueues a job) and follows it to its end on the event stream. It polls
// leaders and controllers itself (statuses arrive every 5 s; they have no event) and is not
// re-rendered by job events, so that what the operator types stays as typed.
import { ApiError, api } from './api.js';
import { badge, h, table } from './dom.js';
import { duration, shortId } from './format.js';
import { card, liveTime, pageHeader, statusBadge } from './view-kit.js';

const refreshEveryMs = 2000;
const finals = ['succeeded', 'dead', 'cancelled'];
/** How many sent commands the page keeps showing. */
const sentKept = 6;

// Kept across renders (a refresh, leaving the view and coming back) for the life of the page.
/** Controllers whose errors per key are unfolded. */
const unfolded = new Set();
/** Commands sent from this page, newest first: { job, error } with the job as the stream last told it. */
const sent = [];
/** The form as typed. */
const draft = { task: '', data: '' };

export async function renderControllers(app) {
  const [leaders, controllers, tasks] = await Promise.all([api('leaders'), api('controllers'), api('tasks')]);
  app.syncClock(leaders.nowMs);
  const leadersBody = h('div', { 'data-section': 'leaders' });
  const controllersBody = h('div', { 'data-section': 'controllers' });
  const notice = h('div');
  const sentList = h('div', { 'data-section': 'sent' });

  const fill = (leaderList, controllerList) => {
    const now = app.now();
    leadersBody.replaceChildren(leadersTable(leaderList.items, now));
    controllersBody.replaceChildren(controllersTable(controllerList.items, now, () => fill(leaderList, controllerList)));
    notice.replaceChildren(
      controllerList.listening
        ? []
        : h('div', { class: 'card notice', 'data-not-listening': '' }, h('h2', null, 'Not following the cluster'), h('p', null, "This admin's scheduler is not started, so no controller status can reach it. Start the scheduler you gave the admin.")),
    );
  };
  fill(leaders, controllers);
  const showSent = () => sentList.replaceChildren(sentCommands(app));
  showSent();

  const timer = setInterval(async () => {
    try {
      const [leaderList, controllerList] = await Promise.all([api('leaders'), api('controllers')]);
      fill(leaderList, controllerList);
    } catch (error) {
      // A session that ended: a full render asks to sign in again. Anything else: try again later.
      if (error instanceof ApiError && error.status === 401) app.refresh();
    }
  }, refreshEveryMs);
  const stopListening = app.onJobEvent((_name, job) => {
    const entry = sent.find((item) => item.job.id === job.id);
    if (entry && job.updatedAtMs >= entry.job.updatedAtMs) {
      entry.job = job;
      showSent();
    }
  });
  app.keepView(() => {
    clearInterval(timer);
    stopListening();
  });

  return [
    pageHeader('Controllers', 'Leader elections and the control loops running in the cluster. A controller reports every 5 s from the node that runs it.'),
    notice,
    tableCard('Leaders', leadersBody),
    tableCard('Controllers', controllersBody),
    app.role === 'operate'
      ? h(
          'div',
          { class: 'grid-2' },
          card('Send command', commandForm(app, tasks, showSent)),
          card('Sent commands', sentList, h('span', { class: 'muted small' }, 'followed live until they end')),
        )
      : null,
  ];
}

/** A card holding a table edge to edge, under its title. */
function tableCard(title, body) {
  return h('section', { class: 'card flush' }, h('div', { class: 'card-head padded' }, h('h2', null, title)), body);
}

function leadersTable(leaders, now) {
  const rows = leaders.map((leader) => ({
    attrs: { 'data-election': leader.name },
    cells: [
      h('strong', null, leader.name),
      leader.holder === null ? h('span', { class: 'muted' }, 'none') : h('span', { class: 'mono' }, leader.holder),
      h('span', { class: 'num', title: 'The fencing token: + 1 at every new leader' }, String(leader.term)),
      liveTime(leader.renewedAtMs, now),
      duration(leader.leaseMs),
      leader.holder === null
        ? h('span', { class: 'badge badge-gone', title: 'Its last leader let go; the next candidate takes over at once' }, 'released')
        : leader.fresh
          ? h('span', { class: 'badge badge-alive' }, 'leading')
          : h(
              'span',
              { class: 'badge badge-warn', 'data-flag': 'stale', title: `Not renewed for more than two leases (${duration(2 * leader.leaseMs)}): its node may be gone. Another node takes over once it has seen the lease run out.` },
              'stale',
            ),
    ],
  }));
  return table(['Election', 'Leader', 'Term', 'Renewed', 'Lease', 'State'], rows, 'No election in this store yet. A LeaderElector writes its record when it first runs.');
}

function controllersTable(controllers, now, redraw) {
  const twoLines = (title, note) => h('span', { class: 'th-2' }, title, h('br'), h('span', { class: 'th-note' }, note));
  const columns = [
    'Controller · node',
    'State',
    'Depth',
    'In flight',
    'Reconciles',
    'Errors',
    'Retries',
    twoLines('Last', 'reconcile'),
    twoLines('Queue latency', 'p50 / p99'),
    twoLines('Work duration', 'p50 / p99'),
    'Reported',
  ];
  const rows = controllers.map((status) => {
    const keys = status.errorsByKey ?? [];
    const open = unfolded.has(status.name) && keys.length > 0;
    const toggle =
      keys.length === 0
        ? null
        : h(
            'button',
            {
              type: 'button',
              class: 'btn ghost small',
              'data-action': 'errors',
              'aria-expanded': String(open),
              title: 'Errors per key',
              onclick() {
                if (unfolded.has(status.name)) unfolded.delete(status.name);
                else unfolded.add(status.name);
                redraw();
              },
            },
            `${open ? '▾' : '▸'} ${keys.length} key${keys.length === 1 ? '' : 's'}`,
          );
    return {
      attrs: { 'data-controller': status.name, class: status.stale ? 'is-stale' : '' },
      cells: [
        h('div', { class: 'name-cell' }, h('strong', null, status.name), h('div', { class: 'mono muted small', 'data-field': 'node' }, status.nodeId)),
        h(
          'span',
          { class: 'state' },
          status.running ? badge('running', 'running') : h('span', { class: 'badge badge-gone' }, 'stopped'),
          status.stale ? [' ', h('span', { class: 'badge badge-warn', 'data-flag': 'stale', title: 'Nothing heard from it for 15 s (3 reports): its node may be gone' }, 'stale')] : null,
        ),
        num(status.depth),
        num(status.inFlight),
        num(status.reconciles),
        h('span', { class: 'errors-cell' }, h('span', { class: status.errors > 0 ? 'num bad' : 'num' }, String(status.errors ?? 0)), toggle),
        num(status.retries),
        liveTime(status.lastReconcileAtMs, now),
        percentiles(status.queueLatencyMs),
        percentiles(status.workDurationMs),
        liveTime(status.publishedAtMs, now),
      ],
      after: open ? h('tr', { class: 'detail-row', 'data-errors-of': status.name }, h('td', { colspan: columns.length }, keyErrors(keys, now))) : null,
    };
  });
  return table(
    columns,
    rows,
    'No controller has reported since this admin started. A controller made with `store` reports every 5 s from the node that runs it.',
  );
}

function keyErrors(keys, now) {
  return h(
    'ul',
    { class: 'key-errors' },
    keys.map((entry) =>
      h(
        'li',
        { 'data-key': entry.key },
        h('span', { class: 'tag' }, entry.key),
        h('span', { class: 'error-cell' }, `${entry.lastError.name}: ${entry.lastError.message}`),
        h('span', { class: 'muted small' }, `${entry.count} in a row · `, liveTime(entry.lastAtMs, now)),
      ),
    ),
  );
}

function num(value) {
  return h('span', { class: 'num' }, value === undefined || value === null ? '–' : String(value));
}

function percentiles(value) {
  if (!value || (value.p50 === null && value.p99 === null)) return h('span', { class: 'muted' }, '–');
  return h('span', { class: 'num' }, `${duration(value.p50)} / ${duration(value.p99)}`);
}

/** Task, JSON data, Send: POST /jobs, then the job is followed in the sent list. */
function commandForm(app, tasks, showSent) {
  const runnable = new Set(tasks.runnable);
  if (!tasks.items.includes(draft.task)) draft.task = tasks.items.find((name) => runnable.has(name)) ?? tasks.items[0] ?? '';
  const taskHint = h('p', { class: 'hint', id: 'command-task-hint' });
  const dataHint = h('p', { class: 'hint', id: 'command-data-hint' });
  const failure = h('p', { class: 'error', id: 'command-error', role: 'alert', hidden: true });
  const select = h(
    'select',
    {
      id: 'command-task',
      name: 'task',
      required: true,
      'aria-describedby': 'command-task-hint',
      onchange(event) {
        draft.task = event.target.value;
        check();
      },
    },
    tasks.items.length === 0 ? h('option', { value: '' }, 'No task known yet') : null,
    tasks.items.map((name) => h('option', { value: name, selected: name === draft.task }, runnable.has(name) ? name : `${name} · no live node`)),
  );
  const data = h('textarea', {
    id: 'command-data',
    name: 'data',
    rows: 6,
    spellcheck: 'false',
    placeholder: '{ "workerId": "w-1" }',
    'aria-describedby': 'command-data-hint',
    oninput(event) {
      draft.data = event.target.value;
      check();
    },
  });
  data.value = draft.data;
  const send = h('button', { type: 'submit', class: 'btn primary', 'data-action': 'send' }, 'Send');

  /** What the form would send, or null when the data is not JSON (said under the field). */
  function check() {
    const text = draft.data.trim();
    let body = { task: draft.task };
    if (text !== '') {
      try {
        body = { task: draft.task, data: JSON.parse(text) };
        dataHint.textContent = 'Valid JSON.';
        dataHint.className = 'hint ok';
      } catch (error) {
        body = null;
        dataHint.textContent = `Not JSON: ${error.message}`;
        dataHint.className = 'hint bad';
      }
    } else {
      dataHint.textContent = 'Optional: the job’s data as JSON (empty sends null).';
      dataHint.className = 'hint';
    }
    data.setAttribute('aria-invalid', String(body === null));
    const waits = draft.task !== '' && !runnable.has(draft.task);
    taskHint.textContent = waits ? 'No live node runs this task: the job waits, queued, until one does.' : 'A live node runs this task.';
    taskHint.className = waits ? 'hint warn' : 'hint';
    send.disabled = body === null || draft.task === '';
    return body;
  }
  check();

  return h(
    'form',
    {
      class: 'command-form',
      'data-form': 'command',
      async onsubmit(event) {
        event.preventDefault();
        const body = check();
        if (body === null) return;
        send.disabled = true;
        failure.hidden = true;
        try {
          const { job } = await api('jobs', { method: 'POST', body });
          // Its events may have come before the answer did (a quick job): start from the newest.
          const seen = app.lastJobEvent(job.id);
          sent.unshift({ job: seen && seen.job.updatedAtMs >= job.updatedAtMs ? seen.job : job });
          sent.length = Math.min(sent.length, sentKept);
          showSent();
          app.toast(`Sent ${job.task} (${shortId(job.id)})`);
        } catch (error) {
          failure.hidden = false;
          failure.textContent = error.code ? `${error.code}: ${error.message}` : error.message;
        } finally {
          check();
        }
      },
    },
    h('label', { class: 'field' }, h('span', null, 'Task'), select),
    taskHint,
    h('label', { class: 'field' }, h('span', null, 'Data'), data),
    dataHint,
    failure,
    h('div', { class: 'form-actions' }, send),
  );
}

function sentCommands(app) {
  if (sent.length === 0) return h('p', { class: 'empty' }, 'Nothing sent from this page yet. A command is a job: its end comes on the event stream.');
  const now = app.now();
  return h(
    'ul',
    { class: 'list sent-list' },
    sent.map(({ job }) => {
      const done = finals.includes(job.status);
      return h(
        'li',
        { 'data-job': job.id, 'data-status': job.status },
        h(
          'div',
          { class: 'sent-main' },
          h('div', { class: 'sent-head' }, h('span', { class: 'tag' }, job.task), ' ', h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'mono', title: job.id }, shortId(job.id)), ' ', liveTime(job.createdAtMs, now)),
          job.status === 'succeeded' ? h('pre', { class: 'json', 'data-field': 'result' }, JSON.stringify(job.result, null, 2)) : null,
          job.error ? h('div', { class: 'error-cell', 'data-field': 'error' }, `${job.error.name}: ${job.error.message}`) : null,
          done ? null : h('div', { class: 'muted small' }, job.status === 'failed' ? 'failed; a retry is planned' : 'waiting for its end…'),
        ),
        statusBadge(job.status),
      );
    }),
  );
}
