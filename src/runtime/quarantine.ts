import type { UnreadableField } from '../domain/unreadable.ts';
import { CorruptRecordError } from '../errors.ts';

/**
 * The error a quarantined record gets (see `UnreadableField`): it names the record and each
 * field that could not be read, with why, so an operator knows what to repair.
 */
export function corruptRecordError(kind: 'job' | 'schedule', id: string, unreadable: readonly UnreadableField[]): CorruptRecordError {
  const fields = unreadable.map(({ field, reason }) => `\`${field}\` (${reason})`).join('; ');
  const action = kind === 'job' ? 'it was dead-lettered instead of run' : 'it was paused; schedule it again to repair it, then resume it';
  const noun = kind === 'job' ? 'Job' : 'Schedule';
  return new CorruptRecordError(`${noun} ${id} cannot be read: unreadable ${unreadable.length === 1 ? 'field' : 'fields'} ${fields}; ${action}`);
}
