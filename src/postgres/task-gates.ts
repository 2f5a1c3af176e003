import type {
  BreakerRecord,
  RateTokens,
  ReadBreakersRequest,
  RecordBreakerCallsRequest,
  TakeRateTokensRequest,
  WriteBreakerRequest,
} from '../store/gate-types.ts';
import { breakerStatements, rowToBreaker } from './breaker-statements.ts';
import { rateTokenParams, rateTokensOf, rateTokenStatements } from './rate-token-statements.ts';
import type { StatementRunner } from './statement-runner.ts';

/**
 * The task gates of `PostgresStore` (circuit breakers and rate limits, see gate-types.ts): state
 * every node shares, each call one statement, hence atomic.
 */
export class PostgresTaskGates {
  readonly #sql: StatementRunner;
  readonly #breakers: ReturnType<typeof breakerStatements>;
  readonly #rates: ReturnType<typeof rateTokenStatements>;

  constructor(sql: StatementRunner, quotedSchema: string) {
    this.#sql = sql;
    this.#breakers = breakerStatements(quotedSchema);
    this.#rates = rateTokenStatements(quotedSchema);
  }

  async readBreakers(request: ReadBreakersRequest): Promise<BreakerRecord[]> {
    const tasks = request.tasks === undefined ? null : [...request.tasks];
    if (tasks !== null && tasks.length === 0) return [];
    return (await this.#sql.read('readBreakers', 'readBreakers', this.#breakers.read, [tasks, request.sinceMs])).map(rowToBreaker);
  }

  async recordBreakerCalls(request: RecordBreakerCallsRequest): Promise<void> {
    const { calls, nowMs, bucketMs } = request;
    if (calls.length === 0) return;
    const bucketStartMs = Math.floor(nowMs / bucketMs) * bucketMs;
    await this.#sql.run('recordBreakerCalls', 'recordBreakerCalls', this.#breakers.record, [
      calls.map((call) => call.task), calls.map((call) => call.succeeded), calls.map((call) => call.failed), bucketStartMs,
      request.pruneBeforeMs,
    ]);
  }

  async writeBreaker(request: WriteBreakerRequest): Promise<boolean> {
    const [row] = await this.#sql.run('writeBreaker', 'writeBreaker', this.#breakers.write, [
      request.task, request.expectedVersion, request.state, request.forced, request.changedAtMs, request.openUntilMs,
      request.probeOwner, request.probeUntilMs, request.clearCalls,
    ]);
    return Number(row?.n ?? 0) > 0;
  }

  async takeRateTokens(requests: readonly TakeRateTokensRequest[]): Promise<RateTokens[]> {
    if (requests.length === 0) return [];
    const rows = await this.#sql.run('takeRateTokens', 'takeRateTokens', this.#rates.take, rateTokenParams(requests));
    return rateTokensOf(requests, rows);
  }
}
