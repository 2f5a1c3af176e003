import { api, query } from './api.js';
import { badge, h, table } from './dom.js';
import { absolute, duration, shortId } from './format.js';
import { flowCard } from './view-flow.js';
import { actionButton, card, liveTime, pageHeader, statusBadge } from './view-kit.js';

const statuses = ['waiting', 'queued', 'reserved', 'running', 'failed', 'succeeded', 'dead', 'cancelled'];
const finals = ['succeeded', 'dead', 'cancelled'];

/** Jobs, newest first, filtered by status chips, task and schedule. */
export async function renderJobs(app, params) {
  const status = params.get('status') || '';
  const task = params.get('task') || '';
  const scheduleId = params.get('scheduleId') || '';
  const limit = Number(params.get('limit') || 50);
  const [page, tasks] = await Promise.all([api(`jobs${query({ status, task, scheduleId, limit })}`), api('tasks')]);
  const now = app.now();
  const chips = h(
    'div',
    { class: 'chips', role: 'group', 'aria-label': 'Filter by status' },
    ['', ...statuses].map((value) =>
      h(
        'a',
        { class: `chip ${value === status ? 'active' : ''} ${value ? `chip-${value}` : ''}`, href: `#/jobs${query({ status: value, task, scheduleId })}`, 'aria-current': value === status ? 'true' : null },
        value || 'all',
      ),
    ),
  );
  const taskSelect = h(
    'select',
    {
      'aria-label': 'Filter by task',
      onchange(event) {
        app.navigate('jobs', { status, task: event.target.value, scheduleId });
      },
    },
    h('option', { value: '' }, 'All tasks'),
    tasks.items.map((name) => h('option', { value: name, selected: name === task }, name)),
  );
  const more = page.nextAfterId
    ? h('div', { class: 'more' }, h('a', { class: 'btn secondary', href: `#/jobs${query({ status, task, scheduleId, limit: Math.min(500, limit + 50) })}` }, 'Show more'))
    : null;
  return [
    pageHeader('Jobs', scheduleId ? `Jobs of schedule ${scheduleId}, newest first.` : 'Newest first, from every node.', chips, taskSelect),
    h('section', { class: 'card flush' }, jobTable(app, page.items, now, status ? `No ${status} jobs.` : 'No jobs yet.', tasks.runnable)),
    more,
  ];
}

/** Flags a job that waits for a node running its task, or whose record could not be read. */
function jobFlags(job, runnable) {
  const waiting = (job.status === 'queued' || job.status === 'failed') && runnable && !runnable.includes(job.task);
  return [
    waiting
      ? [' ', h('span', { class: 'badge badge-warn', 'data-flag': 'no-node', title: `No live node runs task "${job.task}" (none registers it and serves its queue): the job waits, queued, until one does` }, 'no live node runs this task')]
      : null,
    job.unreadable ? [' ', h('span', { class: 'badge badge-dead', 'data-flag': 'unreadable', title: job.unreadable.map((u) => `${u.field}: ${u.reason}`).join('\n') }, 'unreadable')] : null,
  ];
}

function jobTable(app, jobs, now, emptyText, runnable) {
  const rows = jobs.map((job) => ({
    attrs: { 'data-id': job.id, class: `clickable ${app.flashClass(job.id)}`, onclick: () => (location.hash = `#/jobs/${encodeURIComponent(job.id)}`) },
    cells: [
      h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'mono', title: job.id }, shortId(job.id)),
      h('span', { class: 'tag' }, job.task),
      h('span', null, statusBadge(job.status), jobFlags(job, runnable)),
      `${job.attempt} / ${job.maxAttempts}`,
      job.scheduleId ? h('span', { class: 'clip' }, job.scheduleId) : h('span', { class: 'muted' }, job.origin),
      liveTime(job.createdAtMs, now),
      job.startedAtMs && job.finishedAtMs ? duration(job.finishedAtMs - job.startedAtMs) : h('span', { class: 'muted' }, '–'),
    ],
  }));
  return table(['Job', 'Task', 'Status', 'Attempt', 'Schedule', 'Created', 'Took'], rows, emptyText);
}

/** One job: fields, actions, its flow (when it has parents or children), the attempts as a timeline, and its error with stack. */
export async function renderJob(app, id) {
  // The flow is secondary: the job is shown without it when it cannot be loaded.
  const [job, tasks, flow] = await Promise.all([
    api(`jobs/${encodeURIComponent(id)}`),
    api('tasks'),
    api(`jobs/${encodeURIComponent(id)}/flow`).catch((error) => ({ error })),
  ]);
  const now = app.now();
  const isFinal = finals.includes(job.status);
  const field = (label, value) => [h('dt', null, label), h('dd', null, value)];
  // The job's error, or else the newest attempt's (a retried job that then succeeded keeps its history).
  const failedAttempt = [...job.attempts].reverse().find((attempt) => attempt.error);
  const lastError = job.error || (failedAttempt ? failedAttempt.error : null);
  const lastErrorAttempt = failedAttempt ? failedAttempt.attempt : null;
  return [
    pageHeader(
      h('span', null, `${job.task} `, statusBadge(job.status), jobFlags(job, tasks.runnable)),
      h('span', { class: 'mono' }, job.id),
      !isFinal ? actionButton(app, 'Cancel', () => api(`jobs/${encodeURIComponent(job.id)}/cancel`, { method: 'POST' }), { kind: 'danger', confirmText: 'Cancel this job?', done: 'Cancel requested' }) : null,
      job.status === 'dead' || job.status === 'cancelled' ? actionButton(app, 'Retry', () => api(`jobs/${encodeURIComponent(job.id)}/retry`, { method: 'POST' }), { kind: 'primary', done: 'Queued for one more attempt' }) : null,
    ),
    unreadableCard(job.unreadable, 'This job was dead-lettered instead of run: the store could not read these fields. Their stored values are kept as they were.'),
    h(
      'div',
      { class: 'grid-detail' },
      card(
        'Details',
        h(
          'dl',
          { class: 'fields' },
          field('Origin', job.scheduleId ? h('span', null, `${job.origin} · `, h('a', { href: `#/jobs${query({ scheduleId: job.scheduleId })}` }, job.scheduleId)) : job.origin),
          field('Attempt', `${job.attempt} of ${job.maxAttempts}`),
          field('Fire time', job.fireAtMs === null ? '–' : absolute(job.fireAtMs)),
          field('Run at', absolute(job.runAtMs)),
          field('Created', liveTime(job.createdAtMs, now)),
          field('Started', liveTime(job.startedAtMs, now)),
          field('Finished', liveTime(job.finishedAtMs, now)),
          field('Start to finish', job.startedAtMs && job.finishedAtMs ? duration(job.finishedAtMs - job.startedAtMs) : '–'),
          field('Lease', job.leaseOwner ? h('span', null, `${job.leaseOwner} `, liveTime(job.leaseExpiresAtMs, now)) : '–'),
          field('Fencing token', String(job.fencingToken)),
          field('Priority', String(job.priority)),
          job.dedupeKey ? field('Dedupe key', job.dedupeKey) : null,
          job.parents ? field('Waits for', `${job.parents.length} parent${job.parents.length === 1 ? '' : 's'} · on a parent's failure: ${job.onParentFailure ?? 'fail'}`) : null,
          job.cancelRequested ? field('Cancel', 'requested') : null,
        ),
      ),
      card('Attempts', attemptsTimeline(job, now)),
    ),
    flow.error
      ? job.parents
        ? h('div', { class: 'card notice', 'data-section': 'flow' }, h('h2', null, 'Flow'), h('p', null, `The flow could not be loaded: ${flow.error.message}`))
        : null
      : flowCard(flow, job.id),
    lastError
      ? card(
          job.error ? 'Error' : 'Last error',
          h(
            'div',
            { class: 'error-block' },
            job.error ? null : h('p', { class: 'muted small' }, `From attempt ${lastErrorAttempt}; the job went on after it.`),
            h('p', { class: 'error-title' }, `${lastError.name}${lastError.code ? ` [${lastError.code}]` : ''}: ${lastError.message}`),
            lastError.stack ? h('pre', { class: 'stack' }, lastError.stack) : null,
          ),
        )
      : null,
    h('div', { class: 'grid-2' }, card('Data', payloadView(app, job.data, `job-${job.id}-data`)), card('Result', payloadView(app, job.result, `job-${job.id}-result`))),
  ];
}

/** Above this many bytes of JSON a payload is not rendered inline: its size, Copy and Download instead. */
const inlinePayloadBytes = 10 * 1024;

/** A payload shown whole, or, when large, collapsed to its size with Copy and Download (JSON). */
function payloadView(app, value, name) {
  const text = JSON.stringify(value, null, 2);
  const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
  if (bytes <= inlinePayloadBytes) return h('pre', { class: 'json' }, text);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      app.toast('Copied');
    } catch (error) {
      app.toast(`Copy failed: ${error.message}`, 'error');
    }
  };
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const link = h('a', { href: url, download: `${name}.json` });
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 0);
  };
  return h(
    'div',
    { class: 'payload-collapsed', 'data-bytes': bytes },
    h('p', { class: 'muted small' }, `${(bytes / 1024).toFixed(1)} KB of JSON: too large to show here.`),
    h('button', { type: 'button', class: 'btn small', 'data-action': 'copy', onclick: copy }, 'Copy'),
    ' ',
    h('button', { type: 'button', class: 'btn small', 'data-action': 'download', onclick: download }, 'Download (JSON)'),
  );
}

function attemptsTimeline(job, now) {
  if (job.attempts.length === 0) return h('p', { class: 'empty' }, 'Not started yet.');
  return h(
    'ol',
    { class: 'timeline' },
    job.attempts.map((attempt) =>
      h(
        'li',
        { class: `outcome-${attempt.outcome}` },
        h('div', { class: 'timeline-head' }, h('strong', null, `Attempt ${attempt.attempt}`), badge(attempt.outcome.replace('_', ' '), attempt.outcome), h('span', { class: 'muted small' }, liveTime(attempt.startedAtMs, now))),
        h(
          'div',
          { class: 'muted small' },
          `node ${attempt.nodeId} · fencing token ${attempt.fencingToken} · `,
          attempt.finishedAtMs === null ? 'running' : `took ${duration(attempt.finishedAtMs - attempt.startedAtMs)}`,
        ),
        attempt.error ? h('div', { class: 'attempt-error' }, `${attempt.error.name}: ${attempt.error.message}`) : null,
      ),
    ),
  );
}

/** Dead letters: jobs with no attempt left, their last error, and Retry. */
export async function renderDead(app) {
  const page = await api('jobs?status=dead&limit=200');
  const now = app.now();
  app.setDeadCount(page.items.length);
  const rows = page.items.map((job) => ({
    attrs: { 'data-id': job.id, class: app.flashClass(job.id) },
    cells: [
      h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'mono', title: job.id }, shortId(job.id)),
      h('span', { class: 'tag' }, job.task),
      h('div', { class: 'error-cell' }, job.error ? `${job.error.name}: ${job.error.message}` : '–'),
      `${job.attempt} / ${job.maxAttempts}`,
      liveTime(job.finishedAtMs, now),
      actionButton(app, 'Retry', () => api(`jobs/${encodeURIComponent(job.id)}/retry`, { method: 'POST' }), { kind: 'primary', done: 'Queued for one more attempt' }),
    ],
  }));
  return [
    pageHeader('Dead letters', 'Jobs that used all their attempts, failed with a non-retryable error, or had no task to run. Retry gives one more attempt.'),
    h('section', { class: 'card flush' }, table(['Job', 'Task', 'Last error', 'Attempts', 'Died', ''], rows, 'No dead jobs. ')),
  ];
}

/** The fields the store could not decode, with why (see UnreadableField). */
export function unreadableCard(unreadable, text) {
  if (!unreadable) return null;
  return h(
    'div',
    { class: 'card notice', 'data-unreadable': '' },
    h('h2', null, 'Unreadable record'),
    h('p', null, text),
    h('ul', null, unreadable.map((u) => h('li', null, h('code', null, u.field), `: ${u.reason}`))),
  );
}
