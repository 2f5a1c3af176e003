import { jobStatuses } from '../domain/job.ts';
import type { JobQuery, ScheduleQuery } from '../store/store.ts';

/** A listing statement and its parameters. The text depends only on which filters are set. */
export interface ListQuery {
  text: string;
  values: unknown[];
}

const defaultLimit = 100;

/** Collects WHERE terms with numbered parameters. */
class Filters {
  readonly terms: string[] = [];
  readonly values: unknown[] = [];

  /** Adds a value and returns its placeholder. */
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  where(): string {
    return this.terms.length > 0 ? `WHERE ${this.terms.join(' AND ')}` : '';
  }
}

export function buildScheduleListQuery(s: string, query: ScheduleQuery): ListQuery {
  const f = new Filters();
  if (query.task !== undefined) f.terms.push(`task = ${f.param(query.task)}`);
  if (query.paused !== undefined) f.terms.push(`paused = ${f.param(query.paused)}`);
  if (query.idPrefix !== undefined && query.idPrefix !== '') {
    // The range term lets the primary key find the start; left() makes it exact (LIKE would need escaping).
    const prefix = f.param(query.idPrefix);
    f.terms.push(`id >= ${prefix}::text AND left(id, char_length(${prefix}::text)) = ${prefix}::text`);
  }
  if (query.afterId !== undefined) f.terms.push(`id > ${f.param(query.afterId)}`);
  const limit = f.param(query.limit ?? defaultLimit);
  return { text: `SELECT * FROM ${s}.schedules ${f.where()} ORDER BY id LIMIT ${limit}`, values: f.values };
}

export function buildJobListQuery(s: string, query: JobQuery): ListQuery {
  const f = new Filters();
  if (query.task !== undefined) f.terms.push(`task = ${f.param(query.task)}`);
  if (query.scheduleId !== undefined) f.terms.push(`schedule_id = ${f.param(query.scheduleId)}`);
  // A job's children: one range of job_edges' primary key, then a primary-key probe per child.
  if (query.parentId !== undefined) f.terms.push(`id IN (SELECT e.child_id FROM ${s}.job_edges e WHERE e.parent_id = ${f.param(query.parentId)})`);
  if (query.createdAfterMs !== undefined) f.terms.push(`created_at_ms > ${f.param(query.createdAfterMs)}`);
  if (query.createdBeforeMs !== undefined) f.terms.push(`created_at_ms < ${f.param(query.createdBeforeMs)}`);
  const statuses = query.status === undefined ? undefined : typeof query.status === 'string' ? [query.status] : [...new Set(query.status)];
  const feed = query.updatedAfterMs !== undefined;
  if (feed) {
    // The change feed's cursor is the pair (updatedAfterMs, afterId) itself, never looked up: a
    // job changed again after it was read cannot move the reader's position.
    const updatedAfter = f.param(query.updatedAfterMs);
    f.terms.push(
      query.afterId === undefined
        ? `updated_at_ms > ${updatedAfter}`
        : `(updated_at_ms, id) > (${updatedAfter}::bigint, ${f.param(query.afterId)}::text)`,
    );
  } else if (query.afterId !== undefined) {
    // Keyset paging, newest first: strictly after the given job (older).
    f.terms.push(`(created_at_ms, id) < (SELECT created_at_ms, id FROM ${s}.all_jobs WHERE id = ${f.param(query.afterId)})`);
  }
  const limit = f.param(query.limit ?? defaultLimit);
  if (feed || query.scheduleId !== undefined || query.parentId !== undefined || (statuses !== undefined && statuses.length <= 1)) {
    if (statuses !== undefined) f.terms.push(`status = ANY(${f.param(statuses)}::text[])`);
    const order = feed ? 'updated_at_ms, id' : 'created_at_ms DESC, id DESC';
    return { text: `SELECT * FROM ${s}.all_jobs ${f.where()} ORDER BY ${order} LIMIT ${limit}`, values: f.values };
  }
  // Newest first across several statuses: there is no index on creation time alone (it would
  // cost every job state change an entry), so each status reads its own range of
  // jobs_status_created up to the limit, and the ranges are merged.
  const ranges = (statuses ?? jobStatuses).map((status) => {
    const terms = [`status = ${f.param(status)}`, ...f.terms];
    return `(SELECT * FROM ${s}.all_jobs WHERE ${terms.join(' AND ')} ORDER BY created_at_ms DESC, id DESC LIMIT ${limit})`;
  });
  return {
    text: `SELECT * FROM (${ranges.join(' UNION ALL ')}) AS newest ORDER BY created_at_ms DESC, id DESC LIMIT ${limit}`,
    values: f.values,
  };
}
