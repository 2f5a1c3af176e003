import { api, query } from './api.js';
import { pointBars } from './charts.js';
import { badge, h, table } from './dom.js';
import { absolute, describeTrigger, duration, shortId } from './format.js';
import { unreadableCard } from './view-jobs.js';
import { actionButton, card, liveTime, pageHeader, statusBadge } from './view-kit.js';

/** How many of the schedule's newest jobs the page lists and charts. */
const recentJobCount = 40;

const overlapWords = {
  skip: 'skip the fire',
  bufferOne: 'buffer one fire until the active jobs end',
  bufferAll: 'buffer every fire, in order',
  cancelOther: 'cancel the active jobs and run the new one',
};

const coalesceWords = {
  latest: 'latest: run the newest missed fire once',
  earliest: 'earliest: run the oldest missed fire once',
  all: 'all: run every missed fire',
};

/** A job's lateness: its first start minus its nominal fire time; null when it has no fire time or has not started. */
function latenessMs(job) {
  return job.fireAtMs === null || job.startedAtMs === null ? null : job.startedAtMs - job.fireAtMs;
}

function signedDuration(ms) {
  return ms < 0 ? `−${duration(-ms)}` : duration(ms);
}

/** One schedule: its trigger in words, policies, next fires, recent jobs and how late they started. */
export async function renderSchedule(app, id) {
  const path = `schedules/${encodeURIComponent(id)}`;
  const [schedule, jobs] = await Promise.all([api(path), api(`jobs${query({ scheduleId: id, limit: recentJobCount })}`)]);
  const now = app.now();
  const field = (label, value, name) => [h('dt', null, label), h('dd', name ? { 'data-field': name } : null, value)];
  const triggerUnreadable = schedule.unreadable?.some((u) => u.field === 'trigger');
  const trigger = triggerUnreadable ? h('span', { class: 'muted' }, 'unreadable') : describeTrigger(schedule.trigger);
  return [
    pageHeader(
      h('span', null, `${schedule.id} `, schedule.paused ? badge('paused', 'paused') : null),
      h('span', null, h('span', { class: 'tag' }, schedule.task), ` · ${typeof trigger === 'string' ? trigger : 'trigger unreadable'}`),
      schedule.paused
        ? actionButton(app, 'Resume', () => api(`${path}/resume`, { method: 'POST' }), { done: `Resumed ${schedule.id}` })
        : actionButton(app, 'Pause', () => api(`${path}/pause`, { method: 'POST' }), { done: `Paused ${schedule.id}` }),
      actionButton(app, 'Trigger', () => api(`${path}/trigger`, { method: 'POST' }), { done: `Triggered ${schedule.id}: a job is queued` }),
    ),
    unreadableCard(schedule.unreadable, 'This schedule is quarantined (paused): the store could not read these fields. Schedule it again to repair it.'),
    h(
      'div',
      { class: 'grid-detail' },
      card(
        'Details',
        h(
          'dl',
          { class: 'fields' },
          field('Task', h('span', { class: 'tag' }, schedule.task)),
          field('Trigger', trigger, 'trigger'),
          field('Next fire', schedule.paused ? h('span', { class: 'muted' }, 'paused') : liveTime(schedule.nextFireAtMs, now)),
          field('Last fire', liveTime(schedule.lastFireAtMs, now)),
          field('Fired · skipped · missed', `${schedule.firedCount} · ${schedule.skippedCount} · ${schedule.missedCount}`, 'counters'),
          field('Priority', String(schedule.priority)),
          field('Lease', schedule.leaseOwner ? h('span', null, `${schedule.leaseOwner} `, liveTime(schedule.leaseExpiresAtMs, now)) : '–'),
          field('Created', liveTime(schedule.createdAtMs, now)),
          field('Updated', liveTime(schedule.updatedAtMs, now)),
        ),
      ),
      h(
        'section',
        { class: 'card', 'data-section': 'policies' },
        h('div', { class: 'card-head' }, h('h2', null, 'Policies')),
        h(
          'dl',
          { class: 'fields' },
          field('Max running', schedule.maxRunning === null ? 'no limit' : `${schedule.maxRunning} active job${schedule.maxRunning === 1 ? '' : 's'} at once`, 'maxRunning'),
          field('On overlap', `${schedule.overlap}: ${overlapWords[schedule.overlap] ?? schedule.overlap}`, 'overlap'),
          field('Misfire grace', schedule.misfireGraceMs === null ? 'no limit: a late fire always runs' : `${duration(schedule.misfireGraceMs)}: a fire later than that is missed`, 'misfireGrace'),
          field('Coalesce', coalesceWords[schedule.coalesce] ?? schedule.coalesce, 'coalesce'),
          field('Catch-up limit', `${schedule.catchUpLimit} due fire${schedule.catchUpLimit === 1 ? '' : 's'} after a downtime`, 'catchUpLimit'),
          field('Paused', schedule.paused ? 'yes' : 'no', 'paused'),
        ),
      ),
    ),
    h('div', { class: 'grid-2' }, card('Next fires', nextFires(schedule, now)), card('Lateness', latenessChart(jobs.items), h('span', { class: 'muted small' }, 'start − fire time'))),
    h(
      'section',
      { class: 'card flush', 'data-section': 'recent-jobs' },
      h('div', { class: 'card-head padded' }, h('h2', null, 'Recent jobs'), h('a', { href: `#/jobs${query({ scheduleId: schedule.id })}` }, 'All jobs of this schedule')),
      recentJobs(app, jobs.items, now),
    ),
  ];
}

function nextFires(schedule, now) {
  const fires = schedule.upcomingFireAtMs ?? [];
  if (fires.length === 0) return h('p', { class: 'empty' }, 'No more fires: the trigger has ended.');
  return [
    schedule.paused ? h('p', { class: 'muted small' }, 'Paused: these fires happen only once it is resumed.') : null,
    h(
      'ol',
      { class: 'list', 'data-section': 'next-fires' },
      fires.map((atMs) => h('li', null, h('span', null, absolute(atMs)), liveTime(atMs, now))),
    ),
  ];
}

function latenessChart(jobs) {
  const points = jobs
    .filter((job) => latenessMs(job) !== null)
    .map((job) => ({ job, late: latenessMs(job) }))
    .sort((a, b) => a.job.fireAtMs - b.job.fireAtMs)
    .map(({ job, late }) => ({
      atMs: job.fireAtMs,
      value: late,
      className: job.status === 'dead' ? 'fill-dead' : job.status === 'succeeded' ? 'fill-succeeded' : 'fill-running',
      tip: `Fire of ${absolute(job.fireAtMs)}: started ${signedDuration(late)} ${late < 0 ? 'early' : 'late'} (${job.status})`,
    }));
  if (points.length === 0) return h('p', { class: 'empty' }, 'No fired job has started yet.');
  const values = points.map((point) => point.value).sort((a, b) => a - b);
  const median = values[Math.floor(values.length / 2)];
  const worst = values.at(-1);
  return [
    pointBars({ points, formatValue: signedDuration, label: `Lateness of the last ${points.length} fired jobs: median ${signedDuration(median)}, worst ${signedDuration(worst)}` }),
    h('p', { class: 'muted small', 'data-field': 'lateness' }, `${points.length} job${points.length === 1 ? '' : 's'} · median ${signedDuration(median)} · worst ${signedDuration(worst)}`),
  ];
}

function recentJobs(app, jobs, now) {
  const rows = jobs.map((job) => {
    const late = latenessMs(job);
    return {
      attrs: { 'data-id': job.id, class: app.flashClass(job.id) },
      cells: [
        h('a', { href: `#/jobs/${encodeURIComponent(job.id)}`, class: 'mono', title: job.id }, shortId(job.id)),
        statusBadge(job.status),
        `${job.attempt} / ${job.maxAttempts}`,
        job.fireAtMs === null ? h('span', { class: 'muted' }, job.origin) : liveTime(job.fireAtMs, now),
        liveTime(job.startedAtMs, now),
        late === null ? h('span', { class: 'muted' }, '–') : h('span', { class: 'num' }, signedDuration(late)),
        job.startedAtMs && job.finishedAtMs ? duration(job.finishedAtMs - job.startedAtMs) : h('span', { class: 'muted' }, '–'),
      ],
    };
  });
  return table(['Job', 'Status', 'Attempt', 'Fire time', 'Started', 'Late by', 'Took'], rows, 'No jobs yet: it has not fired.');
}
