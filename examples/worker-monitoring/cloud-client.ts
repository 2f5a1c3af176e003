// The fake cloud's API as the collection task calls it (fetch, with a timeout and the job's signal).
import type { CpuSample, Instance } from './fake-cloud.ts';

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

  /** Null once the instance is removed from the cloud. */
  instance(id: string, signal?: AbortSignal): Promise<Instance | null> {
    return this.#call('GET', `/instances/${encodeURIComponent(id)}`, signal, [404]);
  }

  /** A new CPU sample; null unless the instance is running. */
  metrics(id: string, signal?: AbortSignal): Promise<CpuSample | null> {
    return this.#call('GET', `/instances/${encodeURIComponent(id)}/metrics`, signal, [404, 409]);
  }

  async #call<T>(method: string, path: string, signal: AbortSignal | undefined, nullOn: number[]): Promise<T | null> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, { method, signal: AbortSignal.any([AbortSignal.timeout(this.#timeoutMs), ...(signal ? [signal] : [])]) });
    } catch (error) {
      throw new CloudRequestError(`${method} ${path}: no answer from the cloud (${(error as Error).message})`, 0, { cause: error });
    }
    if (nullOn.includes(response.status)) {
      await response.body?.cancel();
      return null;
    }
    const text = await response.text();
    if (!response.ok) throw new CloudRequestError(`${method} ${path}: ${response.status} ${text}`, response.status);
    return JSON.parse(text) as T;
  }
}
