// A fake cloud, in memory, served over HTTP on a loopback port: what ADR-011's worker controller
// talks to. Instances (EC2), their CPU (CloudWatch), a licence server (CML) that fails now and
// then, and controls to change things by hand or from a test. Its only randomness comes from
// generators seeded by `seed`: the same seed and the same calls give the same answers.
//
//   GET    /instances                      every instance (with its licence and the controller's observation)
//   GET    /instances/:id                  one instance, 404 once terminated
//   GET    /instances/:id/metrics          a new CPU sample; 409 while stopped
//   PUT    /instances/:id/observation      what the controller found, under its leader term; 409 for an older term
//   POST   /licenses/:id/register          a licence for the worker (idempotent); 503 now and then, 409 while stopped
//   POST   /licenses/:id/deregister        gives it back (idempotent); 503 now and then
//   GET    /licenses                       every licence
//   controls:
//   POST   /instances          {state?}    launch an instance
//   PUT    /instances/:id/state {state}    running | idle | stopped ('idle': running with nothing to do, CPU near 0)
//   DELETE /instances/:id                  terminate it
//   POST   /control/license-failures {next?, rate?}  fail the next `next` licence calls; set the failure rate
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type InstanceState = 'running' | 'idle' | 'stopped';
const instanceStates: readonly InstanceState[] = ['running', 'idle', 'stopped'];

export interface CpuSample {
  atMs: number;
  cpuPercent: number;
}

/** What the controller last found about an instance, written under its leader term. */
export interface Observation {
  nodeId: string;
  /** The leader term it was written under: the cloud refuses a term older than the newest it saw (fencing). */
  term: number;
  atMs: number;
  /** The latest CPU samples, oldest first. */
  samples: CpuSample[];
  /** Since when the controller judges the worker idle; null when it does not. */
  idleSinceMs: number | null;
}

export interface License {
  workerId: string;
  licenseId: string;
  registeredAtMs: number;
}

export interface Instance {
  id: string;
  state: InstanceState;
  launchedAtMs: number;
  license: License | null;
  observation: Observation | null;
}

export interface FakeCloudOptions {
  /** @defaultValue 42 */
  seed?: number;
  /** Change something at random this often (launch, idle, wake, stop, start, terminate); null: never. @defaultValue null */
  churnEveryMs?: number | null;
  /** The share of licence calls that fail with 503. @defaultValue 0.3 */
  licenseFailureRate?: number;
  /** Instances at start, all running. @defaultValue 3 */
  instances?: number;
  /** Told about every change the cloud makes or is asked to make. */
  onChange?: (change: string, fields: Record<string, unknown>) => void;
}

export interface RunningFakeCloud {
  url: string;
  cloud: FakeCloud;
  close(): Promise<void>;
}

/** The cloud's state and rules, without HTTP. */
export class FakeCloud {
  readonly #instances = new Map<string, Instance>();
  readonly #cpuRandom = new Map<string, () => number>();
  readonly #seed: number;
  readonly #licenseRandom: () => number;
  readonly #churnRandom: () => number;
  readonly #onChange: NonNullable<FakeCloudOptions['onChange']>;
  #nextInstance = 1;
  #nextLicense = 1;
  #highestTerm = 0;
  #licenseFailureRate: number;
  #failNext = 0;

  constructor(options: FakeCloudOptions = {}) {
    this.#seed = options.seed ?? 42;
    this.#licenseRandom = seeded(this.#seed, 'licenses');
    this.#churnRandom = seeded(this.#seed, 'churn');
    this.#licenseFailureRate = options.licenseFailureRate ?? 0.3;
    this.#onChange = options.onChange ?? (() => {});
    for (let i = 0; i < (options.instances ?? 3); i++) this.launch('running');
  }

  list(): Instance[] {
    return [...this.#instances.values()].map((instance) => structuredClone(instance));
  }

  get(id: string): Instance | null {
    const instance = this.#instances.get(id);
    return instance === undefined ? null : structuredClone(instance);
  }

  launch(state: InstanceState = 'running'): Instance {
    const id = `i-${this.#nextInstance++}`;
    this.#instances.set(id, { id, state, launchedAtMs: Date.now(), license: null, observation: null });
    this.#cpuRandom.set(id, seeded(this.#seed, id));
    this.#onChange('launched', { id, state });
    return this.get(id)!;
  }

  setState(id: string, state: InstanceState): Instance | null {
    const instance = this.#instances.get(id);
    if (instance === undefined) return null;
    instance.state = state;
    this.#onChange('state-changed', { id, state });
    return this.get(id);
  }

  terminate(id: string): boolean {
    const existed = this.#instances.delete(id);
    if (existed) this.#onChange('terminated', { id });
    return existed;
  }

  /** A new sample: 25–90 % while running, under 3 % while idle, none while stopped. */
  sample(id: string): CpuSample | 'stopped' | null {
    const instance = this.#instances.get(id);
    if (instance === undefined) return null;
    if (instance.state === 'stopped') return 'stopped';
    const random = this.#cpuRandom.get(id)!;
    const cpuPercent = instance.state === 'idle' ? random() * 3 : 25 + random() * 65;
    return { atMs: Date.now(), cpuPercent: Math.round(cpuPercent * 10) / 10 };
  }

  /** Stores the controller's observation unless its term is older than the newest seen (a deposed leader's late write). */
  observe(id: string, observation: Observation): 'ok' | 'stale' | null {
    const instance = this.#instances.get(id);
    if (instance === undefined) return null;
    if (observation.term < this.#highestTerm) return 'stale';
    this.#highestTerm = observation.term;
    instance.observation = observation;
    return 'ok';
  }

  get highestTerm(): number {
    return this.#highestTerm;
  }

  registerLicense(id: string): License | 'busy' | 'stopped' | null {
    const instance = this.#instances.get(id);
    if (instance === undefined) return null;
    if (this.#licenseServerBusy()) return 'busy';
    if (instance.state === 'stopped') return 'stopped';
    if (instance.license === null) {
      instance.license = { workerId: id, licenseId: `lic-${String(this.#nextLicense++).padStart(4, '0')}`, registeredAtMs: Date.now() };
      this.#onChange('license-registered', { id, licenseId: instance.license.licenseId });
    }
    return structuredClone(instance.license);
  }

  deregisterLicense(id: string): { workerId: string; deregistered: string | null } | 'busy' | null {
    const instance = this.#instances.get(id);
    if (instance === undefined) return null;
    if (this.#licenseServerBusy()) return 'busy';
    const licenseId = instance.license?.licenseId ?? null;
    instance.license = null;
    if (licenseId !== null) this.#onChange('license-deregistered', { id, licenseId });
    return { workerId: id, deregistered: licenseId };
  }

  licenses(): License[] {
    return this.list().flatMap((instance) => (instance.license === null ? [] : [instance.license]));
  }

  /** Makes the next `next` licence calls fail, and/or sets the failure rate. */
  setLicenseFailures({ next, rate }: { next?: number; rate?: number }): { next: number; rate: number } {
    if (next !== undefined) this.#failNext = next;
    if (rate !== undefined) this.#licenseFailureRate = rate;
    return { next: this.#failNext, rate: this.#licenseFailureRate };
  }

  /** One random change, as a real fleet has them: a launch, a worker going idle or busy, a stop, a start, a termination. */
  churn(): void {
    const random = this.#churnRandom;
    const instances = [...this.#instances.values()];
    if (instances.length < 2 || (instances.length < 6 && random() < 0.2)) {
      this.launch('running');
      return;
    }
    const instance = instances[Math.floor(random() * instances.length)]!;
    const roll = random();
    if (instance.state === 'running') this.setState(instance.id, roll < 0.7 ? 'idle' : 'stopped');
    else if (instance.state === 'idle' && roll < 0.3 && instances.length > 2) this.terminate(instance.id);
    else this.setState(instance.id, 'running');
  }

  #licenseServerBusy(): boolean {
    if (this.#failNext > 0) {
      this.#failNext--;
      return true;
    }
    return this.#licenseRandom() < this.#licenseFailureRate;
  }
}

/** Serves a new fake cloud on 127.0.0.1 (a free port unless `port` is given). */
export async function serveFakeCloud(options: FakeCloudOptions & { port?: number } = {}): Promise<RunningFakeCloud> {
  const cloud = new FakeCloud(options);
  const server = createServer((request, response) => {
    handle(cloud, request, response).catch((error: unknown) =>
      send(response, error instanceof SyntaxError ? 400 : 500, { error: `${error instanceof SyntaxError ? 'Expected a JSON body: ' : ''}${(error as Error).message}` }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  const churn = options.churnEveryMs == null ? null : setInterval(() => cloud.churn(), options.churnEveryMs);
  return {
    url: `http://127.0.0.1:${port}`,
    cloud,
    close: () =>
      new Promise<void>((resolve) => {
        if (churn !== null) clearInterval(churn);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(cloud: FakeCloud, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { pathname } = new URL(request.url ?? '/', 'http://cloud');
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const hasId = parts[0] === 'instances' || parts[0] === 'licenses';
  const route = `${request.method} /${parts.map((part, i) => (i === 1 && hasId ? ':id' : part)).join('/')}`;
  const id = parts[1] ?? '';
  const missing = () => send(response, 404, { error: `no instance ${id}` });
  switch (route) {
    case 'GET /healthz':
      return send(response, 200, { ok: true });
    case 'GET /instances':
      return send(response, 200, cloud.list());
    case 'POST /instances': {
      const body = await readJson(request);
      const state = body['state'] ?? 'running';
      if (!isState(state)) return send(response, 400, { error: `Expected state to be one of ${instanceStates.join(', ')}, got ${JSON.stringify(state)}` });
      return send(response, 201, cloud.launch(state));
    }
    case 'GET /instances/:id': {
      const instance = cloud.get(id);
      return instance === null ? missing() : send(response, 200, instance);
    }
    case 'DELETE /instances/:id':
      return cloud.terminate(id) ? send(response, 204, null) : missing();
    case 'PUT /instances/:id/state': {
      const { state } = await readJson(request);
      if (!isState(state)) return send(response, 400, { error: `Expected state to be one of ${instanceStates.join(', ')}, got ${JSON.stringify(state)}` });
      const instance = cloud.setState(id, state);
      return instance === null ? missing() : send(response, 200, instance);
    }
    case 'GET /instances/:id/metrics': {
      const sample = cloud.sample(id);
      if (sample === 'stopped') return send(response, 409, { error: `instance ${id} is stopped: no metrics` });
      return sample === null ? missing() : send(response, 200, sample);
    }
    case 'PUT /instances/:id/observation': {
      const observation = (await readJson(request)) as unknown as Observation;
      if (!Number.isInteger(observation.term) || !Array.isArray(observation.samples)) return send(response, 400, { error: 'Expected an observation with a term and samples' });
      const outcome = cloud.observe(id, observation);
      if (outcome === 'stale') return send(response, 409, { error: `term ${observation.term} is older than term ${cloud.highestTerm}`, highestTerm: cloud.highestTerm });
      return outcome === null ? missing() : send(response, 200, { ok: true });
    }
    case 'POST /licenses/:id/register': {
      const outcome = cloud.registerLicense(id);
      if (outcome === 'busy') return send(response, 503, { error: 'licence server busy, try again' });
      if (outcome === 'stopped') return send(response, 409, { error: `instance ${id} is stopped: a licence needs a running worker` });
      return outcome === null ? missing() : send(response, 200, outcome);
    }
    case 'POST /licenses/:id/deregister': {
      const outcome = cloud.deregisterLicense(id);
      if (outcome === 'busy') return send(response, 503, { error: 'licence server busy, try again' });
      return outcome === null ? missing() : send(response, 200, outcome);
    }
    case 'GET /licenses':
      return send(response, 200, cloud.licenses());
    case 'POST /control/license-failures': {
      const { next, rate } = await readJson(request);
      if (next !== undefined && !(Number.isInteger(next) && (next as number) >= 0)) return send(response, 400, { error: 'Expected next to be an integer >= 0' });
      if (rate !== undefined && !(typeof rate === 'number' && rate >= 0 && rate <= 1)) return send(response, 400, { error: 'Expected rate to be a number from 0 to 1' });
      return send(response, 200, cloud.setLicenseFailures({ ...(next === undefined ? {} : { next: next as number }), ...(rate === undefined ? {} : { rate }) }));
    }
    default:
      return send(response, 404, { error: `no route ${request.method} ${pathname}` });
  }
}

function isState(value: unknown): value is InstanceState {
  return instanceStates.includes(value as InstanceState);
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of request) text += String(chunk);
  if (text.trim() === '') return {};
  const value: unknown = JSON.parse(text);
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (status === 204) {
    response.writeHead(204).end();
    return;
  }
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** mulberry32 seeded by `seed` and a label: one independent, repeatable stream per use. */
function seeded(seed: number, label: string): () => number {
  let state = seed >>> 0;
  for (const char of label) state = Math.imul(state ^ char.charCodeAt(0), 2_654_435_761) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
