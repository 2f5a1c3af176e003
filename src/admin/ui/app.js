// The Sundial dashboard: a hash router over the admin API, kept live by its event stream.
import { ApiError, api, openEvents, storeToken, storedToken } from './api.js';
import { h } from './dom.js';
import { relative } from './format.js';
import { renderBreakers } from './view-breakers.js';
import { renderControllers } from './view-controllers.js';
import { renderDead, renderJob, renderJobs } from './view-jobs.js';
import { renderNodes, renderOverview } from './view-overview.js';
import { renderSchedule } from './view-schedule.js';
import { renderSchedules } from './view-schedules.js';

const main = document.getElementById('main');
const flashMs = 2500;
/** The latest event of each recently changed job, for a view that learns a job's id after its event came. */
const recentJobs = new Map();
const recentJobsKept = 500;
const jobListeners = new Set();
/** Set by a view that refreshes itself (and keeps what is typed in it): events then do not re-render it. */
let leaveView = null;

const app = {
  role: null,
  /** Server time minus browser time: relative times follow the server's clock. */
  clockOffsetMs: 0,
  recent: new Map(),
  now: () => Date.now() + app.clockOffsetMs,
  syncClock(serverNowMs) {
    app.clockOffsetMs = serverNowMs - Date.now();
  },
  /** 'flash' for a row whose record changed in the last moments (from the event stream). */
  flashClass(id) {
    const at = app.recent.get(id);
    return at !== undefined && Date.now() - at < flashMs ? 'flash' : '';
  },
  navigate(view, params) {
    const search = new URLSearchParams(Object.entries(params).filter(([, value]) => value));
    location.hash = `#/${view}${search.toString() ? `?${search}` : ''}`;
  },
  refresh: () => scheduleRender(0),
  toast(message, kind = 'ok') {
    const toast = document.getElementById('toast');
    toast.textContent = message;
    toast.className = `toast toast-${kind}`;
    toast.hidden = false;
    clearTimeout(app.toastTimer);
    app.toastTimer = setTimeout(() => (toast.hidden = true), 3500);
  },
  setDeadCount(count) {
    const badge = document.getElementById('dead-count');
    badge.hidden = count === 0;
    badge.textContent = String(count);
  },
  /** Calls `listener(eventName, job)` for every job event of the stream; returns the function that stops. */
  onJobEvent(listener) {
    jobListeners.add(listener);
    return () => jobListeners.delete(listener);
  },
  /** The last event seen for this job id ({ name, job }), if it changed recently. */
  lastJobEvent(id) {
    return recentJobs.get(id);
  },
  /** The current view keeps itself up to date; `leave` runs when another render replaces it. */
  keepView(leave) {
    leaveView = leave;
  },
};

function route() {
  const [path, search = ''] = location.hash.replace(/^#\/?/, '').split('?');
  const params = new URLSearchParams(search);
  const [view = 'overview', id] = path.split('/');
  return { view: view || 'overview', id: id ? decodeURIComponent(id) : undefined, params };
}

async function render() {
  const { view, id, params } = route();
  leaveView?.();
  leaveView = null;
  for (const tab of document.querySelectorAll('.tabs a')) {
    tab.classList.toggle('active', tab.dataset.view === view);
    if (tab.dataset.view === view) tab.setAttribute('aria-current', 'page');
    else tab.removeAttribute('aria-current');
  }
  let content;
  try {
    if (view === 'schedules' && id) content = await renderSchedule(app, id);
    else if (view === 'schedules') content = await renderSchedules(app, params);
    else if (view === 'jobs' && id) content = await renderJob(app, id);
    else if (view === 'jobs') content = await renderJobs(app, params);
    else if (view === 'dead') content = await renderDead(app);
    else if (view === 'nodes') content = await renderNodes(app);
    else if (view === 'controllers') content = await renderControllers(app);
    else if (view === 'breakers') content = await renderBreakers(app);
    else content = await renderOverview(app);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return signIn('Your session ended; sign in again.');
    content = h('div', { class: 'card notice' }, h('h2', null, error.status === 404 ? 'Not found' : 'Something went wrong'), h('p', null, error.message));
  }
  document.title = `Sundial · ${view[0].toUpperCase()}${view.slice(1)}`;
  main.replaceChildren(...[content].flat().filter(Boolean));
  main.dataset.view = view;
  main.dataset.rendered = String(Date.now());
}

let renderTimer = null;
let rendering = null;
/** Coalesces bursts of events into one refresh, and never runs two renders at once. */
function scheduleRender(delayMs) {
  if (renderTimer !== null) return;
  renderTimer = setTimeout(async () => {
    renderTimer = null;
    if (rendering) await rendering;
    rendering = render().finally(() => (rendering = null));
  }, delayMs);
}

/** Relative times ("in 3s") tick every second without asking the server. */
function tick() {
  const now = app.now();
  for (const el of document.querySelectorAll('[data-at]')) el.textContent = relative(Number(el.dataset.at), now);
}

let events = null;
/** The stream's position: a new stream (after a new session) resumes where the last one was. */
let lastEventId = '';
let renewTimer = null;
let renewDelayMs = 1000;

function connectEvents() {
  clearTimeout(renewTimer);
  events?.close();
  const source = openEvents(lastEventId);
  events = source;
  const live = document.getElementById('live');
  const text = document.getElementById('live-text');
  const remember = (event) => {
    if (event.lastEventId) lastEventId = event.lastEventId;
  };
  source.addEventListener('open', () => {
    renewDelayMs = 1000;
    live.className = 'live on';
    text.textContent = 'live';
  });
  source.addEventListener('error', () => {
    live.className = 'live off';
    text.textContent = 'reconnecting';
    // The browser reconnects by itself, unless the server refused the stream: 401 once the session
    // cookie expired or was signed out, 503 when too many streams are open. Then the page makes a
    // new session with its token and opens a new stream, backing off while that keeps failing.
    if (source.readyState === EventSource.CLOSED && source === events) {
      renewTimer = setTimeout(renewSession, renewDelayMs);
      renewDelayMs = Math.min(renewDelayMs * 2, 30_000);
    }
  });
  source.addEventListener('ready', (event) => {
    remember(event);
    app.syncClock(JSON.parse(event.data).nowMs);
  });
  const onChange = (event) => {
    remember(event);
    const data = JSON.parse(event.data);
    app.recent.set(data.id || data.scheduleId, Date.now());
    if (data.scheduleId && data.id) app.recent.set(data.scheduleId, Date.now());
    if (event.type.startsWith('job.')) noteJob(event.type, data);
    if (leaveView === null) scheduleRender(300);
  };
  for (const name of ['job.enqueued', 'job.reserved', 'job.started', 'job.succeeded', 'job.failed', 'job.dead', 'job.cancelled']) source.addEventListener(name, onChange);
  for (const name of ['schedule.created', 'schedule.updated', 'schedule.removed', 'schedule.paused', 'schedule.resumed', 'schedule.fired']) source.addEventListener(name, onChange);
  // A breaker of any node's writing: its row flashes (keyed apart from job and schedule ids).
  source.addEventListener('breaker.changed', (event) => {
    app.recent.set(`breaker:${JSON.parse(event.data).task}`, Date.now());
    if (leaveView === null) scheduleRender(300);
  });
}

function noteJob(name, job) {
  recentJobs.delete(job.id);
  recentJobs.set(job.id, { name, job });
  if (recentJobs.size > recentJobsKept) recentJobs.delete(recentJobs.keys().next().value);
  for (const listener of jobListeners) {
    try {
      listener(name, job);
    } catch (error) {
      console.error('sundial dashboard: a job event listener threw', error);
    }
  }
}

/** A new session cookie from the token in this tab (a tab without one can only check the cookie it has). */
async function renewSession() {
  try {
    await api('session', storedToken() ? { method: 'POST' } : {});
    connectEvents();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      storeToken(null);
      signIn('Your session ended; sign in again.');
    } else {
      renewTimer = setTimeout(renewSession, renewDelayMs);
      renewDelayMs = Math.min(renewDelayMs * 2, 30_000);
    }
  }
}

/** Asks for a token, exchanges it for the HttpOnly event-stream session cookie, and starts. */
function signIn(message) {
  clearTimeout(renewTimer);
  events?.close();
  const dialog = document.getElementById('login');
  const error = document.getElementById('login-error');
  error.hidden = !message;
  error.textContent = message || '';
  if (!dialog.open) dialog.showModal();
}

document.getElementById('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = document.getElementById('login-token');
  const error = document.getElementById('login-error');
  try {
    const session = await api('session', { method: 'POST', token: input.value.trim() });
    storeToken(input.value.trim());
    input.value = '';
    document.getElementById('login').close();
    start(session);
  } catch (failure) {
    error.hidden = false;
    error.textContent = failure.status === 401 ? 'That token is not valid.' : failure.message;
  }
});

document.getElementById('sign-out').addEventListener('click', async () => {
  await api('session', { method: 'DELETE' }).catch(() => undefined);
  storeToken(null);
  location.reload();
});

function start(session) {
  app.role = session.role;
  const role = document.getElementById('role');
  role.hidden = false;
  role.textContent = session.role === 'operate' ? 'operator' : 'read only';
  document.getElementById('sign-out').hidden = session.mode !== 'tokens';
  connectEvents();
  render();
}

async function boot() {
  window.addEventListener('hashchange', () => render());
  setInterval(tick, 1000);
  try {
    // Re-post the stored token: it makes a new session cookie for the event stream. A tab without
    // the token (a new tab) may still have a session cookie: it then only reads.
    const session = storedToken() ? await api('session', { method: 'POST' }) : await api('session');
    start(session);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      storeToken(null);
      signIn();
    } else {
      main.replaceChildren(h('div', { class: 'card notice' }, h('h2', null, 'Cannot reach the admin API'), h('p', null, error.message)));
    }
  }
}

boot();
