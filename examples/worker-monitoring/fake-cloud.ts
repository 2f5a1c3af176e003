// A fake cloud, in memory, served over HTTP on a loopback port: the EC2 + CloudWatch of the seeds'
// cloud-lab manager. It lives in main.ts's process so that both replicas see one cloud, and an
// operator (or the test) changes it over HTTP.
//
//   GET    /instances                    every instance still known
//   GET    /instances/:id                one instance; 404 once removed
//   GET    /instances/:id/metrics        a new CPU sample; 409 unless running
//   controls:
//   POST   /instances {state?}           launch one (running by default)
//   PUT    /instances/:id/state {state}  running | stopped
//   POST   /instances/:id/terminate      terminated: still listed, never running again
//   DELETE /instances/:id                removed: gone from the cloud (404 from then on)
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type InstanceState = 'running' | 'stopped' | 'terminated';

export interface Instance {
  id: string;
  state: InstanceState;
  launchedAtMs: number;
}

export interface CpuSample {
  instanceId: string;
  atMs: number;
  cpuPercent: number;
}

export interface FakeCloudOptions {
  /** Instances at start, all running. @defaultValue 4 */
  instances?: number;
  /** Told about every change an operator makes. */
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
  readonly #onChange: NonNullable<FakeCloudOptions['onChange']>;
  #next = 1;
  #random = 0x9e3779b9;

  constructor(options: FakeCloudOptions = {}) {
    this.#onChange = options.onChange ?? (() => {});
    for (let i = 0; i < (options.instances ?? 4); i++) this.launch('running');
  }

  list(): Instance[] {
    return [...this.#instances.values()].map((instance) => ({ ...instance }));
  }

  get(id: string): Instance | null {
    const instance = this.#instances.get(id);
    return instance === undefined ? null : { ...instance };
  }

  launch(state: Exclude<InstanceState, 'terminated'> = 'running'): Instance {
    const id = `i-${this.#next++}`;
    this.#instances.set(id, { id, state, launchedAtMs: Date.now() });
    this.#onChange('launched', { id, state });
    return this.get(id)!;
  }

  /** Running or stopped; refused (false) for a terminated instance, null for an unknown one. */
  setState(id: string, state: Exclude<InstanceState, 'terminated'>): boolean | null {
    const instance = this.#instances.get(id);
    if (instance === undefined) return null;
    if (instance.state === 'terminated') return false;
    instance.state = state;
    this.#onChange('state-changed', { id, state });
    return true;
  }

  terminate(id: string): boolean {
    const instance = this.#instances.get(id);
    if (instance === undefined) return false;
    instance.state = 'terminated';
    this.#onChange('terminated', { id });
    return true;
  }

  remove(id: string): boolean {
    const removed = this.#instances.delete(id);
    if (removed) this.#onChange('removed', { id });
    return removed;
  }

  /** A CPU sample (5–95 %) of a running instance; 'not-running' otherwise, null when unknown. */
  sample(id: string): CpuSample | 'not-running' | null {
    const instance = this.#instances.get(id);
    if (instance === undefined) return null;
    if (instance.state !== 'running') return 'not-running';
    // xorshift32: no dependency, good enough for a demo's CPU curve.
    this.#random ^= this.#random << 13;
    this.#random ^= this.#random >>> 17;
    this.#random ^= this.#random << 5;
    const unit = (this.#random >>> 0) / 4_294_967_296;
    return { instanceId: id, atMs: Date.now(), cpuPercent: Math.round((5 + unit * 90) * 10) / 10 };
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
  return {
    url: `http://127.0.0.1:${port}`,
    cloud,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(cloud: FakeCloud, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const { pathname } = new URL(request.url ?? '/', 'http://cloud');
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const route = `${request.method} /${parts.map((part, i) => (i === 1 && parts[0] === 'instances' ? ':id' : part)).join('/')}`;
  const id = parts[1] ?? '';
  const missing = () => send(response, 404, { error: `no instance ${id}` });
  switch (route) {
    case 'GET /instances':
      return send(response, 200, cloud.list());
    case 'POST /instances': {
      const { state = 'running' } = await readJson(request);
      if (state !== 'running' && state !== 'stopped') return send(response, 400, { error: `Expected state to be running or stopped, got ${JSON.stringify(state)}` });
      return send(response, 201, cloud.launch(state));
    }
    case 'GET /instances/:id': {
      const instance = cloud.get(id);
      return instance === null ? missing() : send(response, 200, instance);
    }
    case 'GET /instances/:id/metrics': {
      const sample = cloud.sample(id);
      if (sample === 'not-running') return send(response, 409, { error: `instance ${id} is not running: no metrics` });
      return sample === null ? missing() : send(response, 200, sample);
    }
    case 'PUT /instances/:id/state': {
      const { state } = await readJson(request);
      if (state !== 'running' && state !== 'stopped') return send(response, 400, { error: `Expected state to be running or stopped, got ${JSON.stringify(state)}` });
      const changed = cloud.setState(id, state);
      if (changed === false) return send(response, 409, { error: `instance ${id} is terminated` });
      return changed === null ? missing() : send(response, 200, cloud.get(id));
    }
    case 'POST /instances/:id/terminate':
      return cloud.terminate(id) ? send(response, 200, cloud.get(id)) : missing();
    case 'DELETE /instances/:id':
      return cloud.remove(id) ? send(response, 204, null) : missing();
    default:
      return send(response, 404, { error: `no route ${request.method} ${pathname}` });
  }
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
