// The cloud's API as the controller, the command tasks and the API node call it (fetch, with a
// timeout and the caller's signal on every request).
import type { CpuSample, Instance, License, Observation } from './fake-cloud.ts';

/** A cloud call that failed: `status` is the HTTP status, 0 when no answer came. */
export class CloudRequestError extends Error {
  readonly code = 'CLOUD_REQUEST';
  readonly status: number;

  constructor(message: string, status: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'CloudRequestError';
    this.status = status;
  }
}

export class CloudClient {
  readonly baseUrl: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, options: { timeoutMs?: number } = {}) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.#timeoutMs = options.timeoutMs ?? 3_000;
  }

  instances(signal?: AbortSignal): Promise<Instance[]> {
    return this.#call('GET', '/instances', { signal });
  }

  /** Null once terminated. */
  async instance(id: string, signal?: AbortSignal): Promise<Instance | null> {
    return this.#call<Instance>('GET', `/instances/${encodeURIComponent(id)}`, { signal, nullOn: [404] });
  }

  /** A new CPU sample; null while the instance is stopped. */
  metrics(id: string, signal?: AbortSignal): Promise<CpuSample | null> {
    return this.#call('GET', `/instances/${encodeURIComponent(id)}/metrics`, { signal, nullOn: [409] });
  }

  /** Throws a `CloudRequestError` with status 409 when the cloud saw a newer leader term. */
  async writeObservation(id: string, observation: Observation, signal?: AbortSignal): Promise<void> {
    await this.#call('PUT', `/instances/${encodeURIComponent(id)}/observation`, { signal, body: observation });
  }

  registerLicense(id: string, signal?: AbortSignal): Promise<License> {
    return this.#call('POST', `/licenses/${encodeURIComponent(id)}/register`, { signal });
  }

  deregisterLicense(id: string, signal?: AbortSignal): Promise<{ workerId: string; deregistered: string | null }> {
    return this.#call('POST', `/licenses/${encodeURIComponent(id)}/deregister`, { signal });
  }

  async #call<T>(method: string, path: string, options: { signal?: AbortSignal | undefined; body?: unknown; nullOn?: number[] }): Promise<T> {
    const signals = [AbortSignal.timeout(this.#timeoutMs), ...(options.signal ? [options.signal] : [])];
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        signal: AbortSignal.any(signals),
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body), headers: { 'content-type': 'application/json' } }),
      });
    } catch (error) {
      throw new CloudRequestError(`${method} ${path}: no answer from the cloud (${(error as Error).message})`, 0, { cause: error });
    }
    if (options.nullOn?.includes(response.status)) {
      await response.body?.cancel();
      return null as T;
    }
    const text = await response.text();
    if (!response.ok) throw new CloudRequestError(`${method} ${path}: ${response.status} ${errorMessage(text)}`, response.status);
    return (text === '' ? null : JSON.parse(text)) as T;
  }
}

/** The cloud's `{ error }`, or the body as it is when it is not that. */
function errorMessage(body: string): string {
  try {
    return (JSON.parse(body) as { error?: string }).error ?? body;
  } catch {
    return body;
  }
}
