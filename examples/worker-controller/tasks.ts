// The on-demand commands of ADR-011 — RegisterWorkerLicenseCommand, DeregisterWorkerLicenseCommand
// and RefreshWorkerDataCommand — as tasks on the queue 'worker-controller'. The API node registers
// them (typed enqueue, payload checked at its edge) but serves only the queue 'api', so only
// controller nodes run them; the job's result is what the API answers and streams.
import { NonRetryableError, task, type RetryOptions, type StandardSchemaV1 } from '../../src/index.ts';
import { CloudRequestError, type CloudClient } from './cloud-client.ts';

export const commandQueue = 'worker-controller';

/** The payload of every command: ids only, never objects (the job outlives the process). */
export interface WorkerCommand {
  workerId: string;
}

/** What the commands need on the node that runs them. */
export interface CommandServices {
  cloud: CloudClient;
  /** Asks the worker controller, on whichever node leads, to reconcile this worker now. */
  reconcileNow(workerId: string): Promise<void>;
}

export const workerIdPattern = /^i-[a-z0-9]{1,32}$/;

/** `{ workerId }`, checked at enqueue and before each run. A Standard Schema: Zod or Valibot would do as well. */
export const workerCommand: StandardSchemaV1<WorkerCommand> = {
  '~standard': {
    version: 1,
    vendor: 'worker-controller-example',
    validate(value) {
      const workerId = (value as Partial<WorkerCommand> | null)?.workerId;
      if (typeof workerId === 'string' && workerIdPattern.test(workerId)) return { value: { workerId } };
      return { issues: [{ message: `Expected workerId to be an instance id such as "i-1", got ${JSON.stringify(workerId)}`, path: ['workerId'] }] };
    },
  },
};

// The licence server answers 503 now and then: a few quick retries hide that from the caller.
const retry: RetryOptions = { attempts: 5, backoff: { type: 'exponential', delay: '200ms', max: '2s', jitter: 0.2 } };

export const registerLicense = task<typeof workerCommand, CommandServices>('register-license', {
  queue: commandQueue,
  schema: workerCommand,
  retry,
  timeout: '10s',
  async run({ data, services, signal }) {
    const license = await cloudCall(() => services.cloud.registerLicense(data.workerId, signal));
    return { workerId: license.workerId, licenseId: license.licenseId, registeredAtMs: license.registeredAtMs };
  },
});

export const deregisterLicense = task<typeof workerCommand, CommandServices>('deregister-license', {
  queue: commandQueue,
  schema: workerCommand,
  retry,
  timeout: '10s',
  async run({ data, services, signal }) {
    const { workerId, deregistered } = await cloudCall(() => services.cloud.deregisterLicense(data.workerId, signal));
    return { workerId, deregistered };
  },
});

/** Reads the worker afresh and has the controller reconcile it now (the seed's OnDemandWorkerDataRefreshJob). */
export const refreshData = task<typeof workerCommand, CommandServices>('refresh-data', {
  queue: commandQueue,
  schema: workerCommand,
  retry,
  timeout: '10s',
  async run({ data, services, signal }) {
    const instance = await cloudCall(() => services.cloud.instance(data.workerId, signal));
    if (instance === null) throw new NonRetryableError(`No worker ${data.workerId} in the cloud (terminated?)`);
    const sample = instance.state === 'stopped' ? null : await cloudCall(() => services.cloud.metrics(data.workerId, signal));
    await services.reconcileNow(data.workerId);
    return {
      workerId: instance.id,
      state: instance.state,
      cpuPercent: sample?.cpuPercent ?? null,
      licenseId: instance.license?.licenseId ?? null,
      idleSinceMs: instance.observation?.idleSinceMs ?? null,
      refreshedAtMs: Date.now(),
    };
  },
});

export const commandTasks = [registerLicense, deregisterLicense, refreshData];
export const commandNames: ReadonlySet<string> = new Set(commandTasks.map((command) => command.name));

/**
 * A cloud call whose client errors (no such worker, a stopped worker) end the job at once: retrying
 * cannot fix them. Server errors and no answer at all are retried with the task's backoff.
 */
async function cloudCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof CloudRequestError && error.status >= 400 && error.status < 500) throw new NonRetryableError(error.message, { cause: error });
    throw error;
  }
}
