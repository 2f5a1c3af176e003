/** The OpenAPI 3.1 description of the admin API, served at `/api/openapi.json`. */
export function openApiDocument(serverUrl: string, version: string): Record<string, unknown> {
  const id = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
  const taskName = { name: 'task', in: 'path', required: true, schema: { type: 'string' }, description: 'A task name' };
  const q = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'query', description, schema });
  const json = (schema: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } });
  const ok = (schema: string, description = 'OK') => ({ description, content: json(schema) });
  const errors = {
    400: { $ref: '#/components/responses/Invalid' },
    401: { $ref: '#/components/responses/Unauthenticated' },
    403: { $ref: '#/components/responses/Forbidden' },
  };
  const notFound = { 404: { $ref: '#/components/responses/NotFound' } };
  const conflict = { 409: { $ref: '#/components/responses/Conflict' } };
  const paging = [q('afterId', 'Keyset paging: the `nextAfterId` of the previous page'), q('limit', '1 to 500', { type: 'integer', minimum: 1, maximum: 500 })];
  const action = (summary: string, response: string, extra: Record<string, unknown> = {}) => ({
    post: { summary, parameters: [id], responses: { 200: ok(response), ...errors, ...notFound, ...extra } },
  });
  return {
    openapi: '3.1.0',
    info: { title: 'Sundial admin API', version, description: 'Schedules, jobs and their flows, circuit breakers, nodes, leaders, controllers and statistics of a Sundial store. Errors are `{ error: { code, message } }`.' },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }, { cookie: [] }],
    paths: {
      '/tasks': { get: { summary: 'Known task names (this node, other nodes, stored schedules and jobs), and those a live node runs', responses: { 200: ok('TaskList'), ...errors } } },
      '/schedules': {
        get: {
          summary: 'List schedules (by id)',
          parameters: [q('task', 'Only this task'), q('paused', 'true or false', { type: 'boolean' }), q('idPrefix', 'Only ids starting with this'), ...paging],
          responses: { 200: ok('SchedulePage'), ...errors },
        },
      },
      '/schedules/{id}': {
        get: { summary: 'One schedule, with its next 5 fire times', parameters: [id], responses: { 200: ok('ScheduleDetail'), ...errors, ...notFound } },
        delete: { summary: 'Remove a schedule (its jobs stay)', parameters: [id], responses: { 200: { description: 'Removed' }, ...errors, ...notFound } },
      },
      '/schedules/{id}/next': {
        get: {
          summary: "The schedule's next N nominal fire times (jitter not added), from its next fire, as every node computes them; empty once it has ended",
          parameters: [id, q('count', 'How many fire times: an integer from 1 to 100 (default 10)')],
          responses: {
            200: { description: 'Fire times, oldest first', content: { 'application/json': { schema: { type: 'object', required: ['fireAtMs'], properties: { fireAtMs: { type: 'array', items: { type: 'integer' } } } } } } },
            ...errors,
            ...notFound,
          },
        },
      },
      '/schedules/{id}/pause': action('Pause a schedule', 'Schedule'),
      '/schedules/{id}/resume': action('Resume a schedule from now', 'Schedule'),
      '/schedules/{id}/trigger': { post: { summary: 'Run the schedule once now (a manual job)', parameters: [id], responses: { 201: { description: 'The job created' }, ...errors, ...notFound } } },
      '/jobs': {
        get: {
          summary: 'List jobs, newest first',
          parameters: [
            q('status', 'One status or a comma-separated list: waiting, queued, reserved, running, succeeded, failed, dead, cancelled'),
            q('task', 'Only this task'),
            q('scheduleId', 'Only jobs of this schedule'),
            q('createdAfter', 'Epoch ms or ISO 8601 (exclusive)'),
            q('createdBefore', 'Epoch ms or ISO 8601 (exclusive)'),
            ...paging,
          ],
          responses: { 200: ok('JobPage'), ...errors },
        },
        post: {
          summary: 'Enqueue a job of a known task (role operate): how an operator sends a command. Its end arrives on /events as job.succeeded (with its result) or job.dead',
          requestBody: { required: true, content: json('EnqueueRequest') },
          responses: {
            201: { description: 'The job created (or the unfinished job with the same dedupeKey)', content: { 'application/json': { schema: { type: 'object', properties: { job: { $ref: '#/components/schemas/Job' } } } } } },
            ...errors,
            404: { description: 'No node, schedule or job names this task (UNKNOWN_TASK)', content: json('Error') },
          },
        },
      },
      '/jobs/{id}': { get: { summary: 'One job with its attempts, error and stack', parameters: [id], responses: { 200: ok('Job'), ...errors, ...notFound } } },
      '/jobs/{id}/flow': {
        get: {
          summary: 'The flow around a job: its parents and children, transitively in both directions (at most 200 jobs, the nearest first), and the edges between them',
          parameters: [id],
          responses: { 200: ok('FlowGraph'), ...errors, ...notFound },
        },
      },
      '/jobs/{id}/cancel': action('Cancel a waiting, queued or failed job now, or ask the node running it to abort it', 'Job', conflict),
      '/jobs/{id}/retry': action('Give a dead or cancelled job one more attempt', 'Job', conflict),
      '/jobs/purge': {
        post: {
          summary: 'Delete finished jobs',
          requestBody: { required: true, content: json('PurgeRequest') },
          responses: { 200: { description: 'How many were deleted', content: { 'application/json': { schema: { type: 'object', properties: { purged: { type: 'integer' } } } } } }, ...errors },
        },
      },
      '/breakers': {
        get: { summary: "Every task's circuit breaker as the store holds it, with the calls (attempts that ended) it still counts", responses: { 200: ok('BreakerList'), ...errors } },
      },
      '/breakers/{task}': {
        post: {
          summary: "Force a task's breaker (role operate), on every node: open stops its jobs from starting, closed keeps them starting whatever fails, null hands it back to the automatic rules (closed, fresh window). A task without a breaker record gets one",
          parameters: [taskName],
          requestBody: { required: true, content: json('BreakerForceRequest') },
          responses: { 200: ok('Breaker', 'The breaker after the change'), ...errors },
        },
      },
      '/healthz': {
        get: {
          summary: 'Liveness probe (no credentials): 200 when live, 503 when not; the body is the health of the host or scheduler',
          security: [],
          responses: { 200: { description: 'Live' }, 503: { description: 'Not live' } },
        },
      },
      '/readyz': {
        get: {
          summary: 'Readiness probe (no credentials): 200 when ready, 503 when not; the body is the health of the host or scheduler',
          security: [],
          responses: { 200: { description: 'Ready' }, 503: { description: 'Not ready' } },
        },
      },
      '/nodes': { get: { summary: 'Nodes that share the store; alive = reported in the last 15 s', responses: { 200: ok('NodeList'), ...errors } } },
      '/leaders': { get: { summary: 'Every leader election in the store: holder, term, last renewal; fresh = renewed within 2 leases (display only)', responses: { 200: ok('LeaderList'), ...errors } } },
      '/controllers': {
        get: {
          summary: "The last status each running controller published (every 5 s, by name), heard since this admin's scheduler started; stale = nothing for 15 s",
          responses: { 200: ok('ControllerList'), ...errors },
        },
      },
      '/stats': { get: { summary: 'Outcomes per minute over the last hour, queue depth by status, lateness p50/p99, nodes alive', responses: { 200: ok('Stats'), ...errors } } },
      '/events': {
        get: {
          summary: 'Server-sent events: job changes (id `<updatedAtMs>-<jobId>`, resumable with Last-Event-ID), schedule changes and breaker changes (`breaker.changed`: task, from, to, forced, breaker)',
          parameters: [{ name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } }, q('lastEventId', 'Same as the header, for clients that cannot set it')],
          responses: { 200: { description: 'An event stream', content: { 'text/event-stream': { schema: { type: 'string' } } } }, ...errors },
        },
      },
      '/session': {
        get: { summary: 'Who the caller is: the role this request acts with (and, by cookie, the session)', responses: { 200: { description: 'The role' }, ...errors } },
        post: {
          summary: 'Sign in: with the token in a header, set the session cookie (opaque, 1 hour, reads only; for EventSource). Sets nothing with `authorize` or `open`.',
          responses: { 200: { description: 'Signed in; `session.expiresAtMs` when a cookie was set' }, ...errors },
        },
        delete: { summary: 'Sign out: end the session in the cookie (in this process) and clear the cookie', responses: { 200: { description: 'Signed out' }, ...errors } },
      },
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from the admin options (or X-Sundial-Token). Writes need the role operate.' },
        cookie: {
          type: 'apiKey',
          in: 'cookie',
          name: 'sundial_session',
          description: 'An opaque, expiring session set by POST /session (never a token, and not accepted as one). Reads only; the one write it allows is DELETE /session.',
        },
      },
      responses: {
        Invalid: { description: 'Invalid input (code INVALID_ARGUMENT, …), body too large (413) or not JSON (415)', content: json('Error') },
        Unauthenticated: { description: 'No, wrong or malformed token or session cookie (expired, signed out, tampered)', content: json('Error') },
        Forbidden: { description: 'Role read, or the session cookie alone, on a write; or a cross-site write (CSRF_REJECTED)', content: json('Error') },
        NotFound: { description: 'No such schedule or job (SCHEDULE_NOT_FOUND, JOB_NOT_FOUND)', content: json('Error') },
        Conflict: { description: 'The job is not in a state that allows this (INVALID_JOB_STATE)', content: json('Error') },
      },
      schemas: {
        Error: { type: 'object', required: ['error'], properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } } },
        NameList: { type: 'object', properties: { items: { type: 'array', items: { type: 'string' } } } },
        TaskList: {
          type: 'object',
          properties: {
            items: { type: 'array', items: { type: 'string' } },
            runnable: { type: 'array', items: { type: 'string' }, description: 'Tasks some live node with the jobs role registers; jobs of the others wait, queued' },
          },
        },
        Unreadable: {
          type: 'array',
          description: 'Present only when the store could not decode these fields (they hold stand-ins); the record is quarantined',
          items: { type: 'object', properties: { field: { type: 'string' }, reason: { type: 'string' } } },
        },
        Trigger: { type: 'object', required: ['type'], properties: { type: { enum: ['date', 'interval', 'cron', 'calendar'] } }, additionalProperties: true },
        Schedule: {
          type: 'object',
          properties: {
            id: { type: 'string' }, task: { type: 'string' }, data: {}, trigger: { $ref: '#/components/schemas/Trigger' }, priority: { type: 'integer' },
            maxRunning: { type: ['integer', 'null'] }, misfireGraceMs: { type: ['integer', 'null'] }, coalesce: { enum: ['latest', 'earliest', 'all'] },
            paused: { type: 'boolean' }, nextFireAtMs: { type: ['integer', 'null'] }, lastFireAtMs: { type: ['integer', 'null'] },
            createdAtMs: { type: 'integer' }, updatedAtMs: { type: 'integer' }, leaseOwner: { type: ['string', 'null'] }, leaseExpiresAtMs: { type: ['integer', 'null'] },
            firedCount: { type: 'integer' }, skippedCount: { type: 'integer' }, missedCount: { type: 'integer' },
            dataBytes: { type: 'integer', description: 'Listings only: the size of its data, in bytes of UTF-8 JSON' }, dataTruncated: { type: 'boolean', description: 'Listings only: true when `data` is a preview (a string: the first 200 characters of its JSON and …); the detail has it whole' },
            unreadable: { $ref: '#/components/schemas/Unreadable' },
          },
        },
        ScheduleDetail: { allOf: [{ $ref: '#/components/schemas/Schedule' }, { type: 'object', properties: { upcomingFireAtMs: { type: 'array', items: { type: 'integer' } } } }] },
        SchedulePage: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Schedule' } }, nextAfterId: { type: ['string', 'null'] } } },
        JobError: { type: ['object', 'null'], properties: { name: { type: 'string' }, message: { type: 'string' }, code: { type: 'string' }, stack: { type: 'string' } } },
        Attempt: {
          type: 'object',
          properties: {
            attempt: { type: 'integer' }, nodeId: { type: 'string' }, fencingToken: { type: 'integer' }, startedAtMs: { type: 'integer' },
            finishedAtMs: { type: ['integer', 'null'] }, outcome: { enum: ['running', 'succeeded', 'failed', 'timed_out', 'cancelled', 'lease_expired', 'interrupted'] },
            error: { $ref: '#/components/schemas/JobError' },
          },
        },
        Job: {
          type: 'object',
          properties: {
            id: { type: 'string' }, task: { type: 'string' }, data: {}, origin: { enum: ['schedule', 'manual', 'enqueue'] }, scheduleId: { type: ['string', 'null'] },
            fireAtMs: { type: ['integer', 'null'] }, status: { $ref: '#/components/schemas/JobStatus' }, priority: { type: 'integer' },
            runAtMs: { type: 'integer' }, createdAtMs: { type: 'integer' }, updatedAtMs: { type: 'integer' }, startedAtMs: { type: ['integer', 'null'] },
            finishedAtMs: { type: ['integer', 'null'] }, attempt: { type: 'integer' }, maxAttempts: { type: 'integer' }, dedupeKey: { type: ['string', 'null'] },
            leaseOwner: { type: ['string', 'null'] }, leaseExpiresAtMs: { type: ['integer', 'null'] }, fencingToken: { type: 'integer' },
            cancelRequested: { type: 'boolean' }, result: {}, error: { $ref: '#/components/schemas/JobError' },
            dataBytes: { type: 'integer', description: 'Listings only: the size of its data, in bytes of UTF-8 JSON' }, dataTruncated: { type: 'boolean', description: 'Listings only: true when `data` is a preview (a string: the first 200 characters of its JSON and …); the detail has it whole' },
            resultBytes: { type: 'integer', description: 'Listings only: the size of its result, in bytes of UTF-8 JSON' }, resultTruncated: { type: 'boolean', description: 'Listings only: true when `result` is a preview, as for `data`' },
            parents: { type: 'array', items: { type: 'string' }, description: 'The jobs it waits for (a flow); absent when none' },
            onParentFailure: { enum: ['fail', 'ignore', 'cancel'], description: "With parents: what a parent's failure does to it" },
            attempts: { type: 'array', items: { $ref: '#/components/schemas/Attempt' }, description: 'Detail only' },
            unreadable: { $ref: '#/components/schemas/Unreadable' },
          },
        },
        JobStatus: {
          enum: ['waiting', 'queued', 'reserved', 'running', 'succeeded', 'failed', 'dead', 'cancelled'],
          description: 'waiting: some of its parents have not finished (not claimable until they have)',
        },
        FlowGraph: {
          type: 'object',
          properties: {
            jobs: {
              type: 'array',
              description: 'Oldest first',
              items: {
                type: 'object',
                properties: {
                  id: { type: 'string' }, task: { type: 'string' }, status: { $ref: '#/components/schemas/JobStatus' }, parents: { type: 'array', items: { type: 'string' } },
                  createdAtMs: { type: 'integer' }, finishedAtMs: { type: ['integer', 'null'] },
                },
              },
            },
            edges: { type: 'array', description: '[parentId, childId], both among jobs', items: { type: 'array', items: { type: 'string' }, minItems: 2, maxItems: 2 } },
            truncated: { type: 'boolean', description: 'The flow has more jobs than were walked (200): some are left out' },
          },
        },
        Breaker: {
          type: 'object',
          properties: {
            task: { type: 'string' }, state: { enum: ['closed', 'open', 'half-open'] }, forced: { enum: ['open', 'closed', null], description: "An operator's override; null: automatic" },
            changedAtMs: { type: 'integer' }, openUntilMs: { type: ['integer', 'null'], description: 'While open: when it may turn half-open' },
            probeOwner: { type: ['string', 'null'], description: 'While half-open: the node running the probes' }, probeUntilMs: { type: ['integer', 'null'] },
            version: { type: 'integer' }, succeeded: { type: 'integer', description: 'Calls counted since it last changed' }, failed: { type: 'integer' },
          },
        },
        BreakerList: { type: 'object', properties: { nowMs: { type: 'integer' }, items: { type: 'array', items: { $ref: '#/components/schemas/Breaker' } } } },
        BreakerForceRequest: {
          type: 'object',
          required: ['force'],
          additionalProperties: false,
          properties: { force: { enum: ['open', 'closed', null], description: 'open or closed holds the breaker there; null: automatic' } },
        },
        JobPage: { type: 'object', properties: { items: { type: 'array', items: { $ref: '#/components/schemas/Job' } }, nextAfterId: { type: ['string', 'null'] } } },
        PurgeRequest: {
          type: 'object',
          required: ['finishedBefore'],
          properties: { finishedBefore: { type: ['integer', 'string'], description: 'Epoch ms or ISO 8601' }, statuses: { type: 'array', items: { enum: ['succeeded', 'dead', 'cancelled'] } } },
        },
        EnqueueRequest: {
          type: 'object',
          required: ['task'],
          additionalProperties: false,
          properties: {
            task: { type: 'string', description: 'A task name some node, schedule or job knows (GET /tasks)' },
            data: { description: "The job's payload (JSON); checked against the task's schema where the admin's scheduler registers it" },
            priority: { type: 'integer', description: 'Higher runs first; default the task priority, else 0' },
            runAt: { type: ['integer', 'string'], description: 'Not before this instant: epoch ms or ISO 8601' },
            delay: { type: ['integer', 'string'], description: "Not before this long from now: ms or a duration such as '30s' (not with runAt)" },
            dedupeKey: { type: 'string', description: 'While a job with this key is unfinished, its job is answered instead of a new one' },
          },
        },
        LeaderList: {
          type: 'object',
          properties: {
            nowMs: { type: 'integer' },
            items: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  name: { type: 'string' }, holder: { type: ['string', 'null'], description: 'null once released' }, term: { type: 'integer', description: 'Fencing token: + 1 at every acquisition' },
                  version: { type: 'integer' }, acquiredAtMs: { type: 'integer' }, renewedAtMs: { type: 'integer', description: "The holder's clock" }, leaseMs: { type: 'integer' },
                  fresh: { type: 'boolean', description: 'Held and renewed within 2 leases of nowMs; clocks of two machines compared: for display only' },
                },
              },
            },
          },
        },
        Percentiles: { type: 'object', properties: { p50: { type: ['number', 'null'] }, p99: { type: ['number', 'null'] } } },
        ControllerList: {
          type: 'object',
          properties: {
            nowMs: { type: 'integer' },
            listening: { type: 'boolean', description: "Whether the admin's scheduler runs its cluster event feed (false: statuses cannot arrive; start the scheduler)" },
            items: {
              type: 'array',
              items: {
                type: 'object',
                description: 'Controller.status() as its node published it, plus nodeId, publishedAtMs and stale',
                properties: {
                  name: { type: 'string' }, nodeId: { type: 'string' }, publishedAtMs: { type: 'integer' }, stale: { type: 'boolean', description: 'Nothing published for 15 s (3 statuses)' },
                  running: { type: 'boolean' }, depth: { type: 'integer' }, adds: { type: 'integer' }, retries: { type: 'integer' }, inFlight: { type: 'integer' },
                  reconciles: { type: 'integer' }, errors: { type: 'integer' }, lastReconcileAtMs: { type: ['integer', 'null'] },
                  queueLatencyMs: { $ref: '#/components/schemas/Percentiles' }, workDurationMs: { $ref: '#/components/schemas/Percentiles' },
                  errorsByKey: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { key: { type: 'string' }, count: { type: 'integer' }, lastError: { type: 'object', properties: { name: { type: 'string' }, message: { type: 'string' } } }, lastAtMs: { type: 'integer' } },
                    },
                  },
                },
              },
            },
          },
        },
        NodeList: { type: 'object', properties: { items: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, alive: { type: 'boolean' }, lastSeenAtMs: { type: 'integer' } }, additionalProperties: true } } } },
        Stats: {
          type: 'object',
          properties: {
            nowMs: { type: 'integer' }, bucketMs: { type: 'integer' }, byStatus: { type: 'object', additionalProperties: { type: 'integer' } },
            finished: { type: 'array', items: { type: 'object', properties: { bucketStartMs: { type: 'integer' }, succeeded: { type: 'integer' }, dead: { type: 'integer' }, cancelled: { type: 'integer' } } } },
            lateness: { type: 'object', properties: { sample: { type: 'integer' }, p50Ms: { type: ['integer', 'null'] }, p99Ms: { type: ['integer', 'null'] } } },
            nodesAlive: { type: 'integer' },
            storeWarnings: {
              type: 'array',
              description: 'What the store server cannot promise (Store.durabilityWarnings); empty when nothing is wrong or the store cannot tell',
              items: { type: 'object', properties: { code: { enum: ['persistence-off', 'eviction-possible', 'durability-unchecked'] }, message: { type: 'string' } } },
            },
          },
        },
      },
    },
  };
}
