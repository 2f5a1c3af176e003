import type { JobError } from '../domain/job.ts';
import { SundialError } from '../errors.ts';

const maxStackChars = 8_000;
const maxMessageChars = 4_000;

/** Turns whatever a handler threw into storable data, bounded in size. */
export function toJobError(value: unknown): JobError {
  if (value instanceof Error) {
    const code = value instanceof SundialError ? value.code : stringCode(value);
    return {
      name: value.name,
      message: truncate(value.message, maxMessageChars),
      ...(code === undefined ? {} : { code }),
      ...(value.stack === undefined ? {} : { stack: truncate(value.stack, maxStackChars) }),
    };
  }
  return { name: 'NonError', message: truncate(safeString(value), maxMessageChars) };
}

function stringCode(error: Error): string | undefined {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
