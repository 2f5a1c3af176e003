import { DuplicateTaskError, InvalidArgumentError } from '../errors.ts';
import { isTaskDefinition, type AnyTaskDefinition } from './task.ts';
import { taskOfClass, type TaskClass } from './task-decorator.ts';

/** What `new Scheduler({ tasks })` accepts: `task()` definitions and `@Task` classes. */
export type TaskEntry = AnyTaskDefinition | TaskClass;

/** The tasks one node can run, by name. */
export class TaskRegistry {
  readonly #tasks = new Map<string, AnyTaskDefinition>();

  constructor(entries: readonly TaskEntry[] = []) {
    for (const entry of entries) this.add(entry);
  }

  add(entry: TaskEntry): AnyTaskDefinition {
    const definition = isTaskDefinition(entry) ? entry : typeof entry === 'function' ? taskOfClass(entry) : undefined;
    if (!definition) {
      throw new InvalidArgumentError(
        `Expected a task() definition or a class decorated with @Task, got ${describe(entry)}`,
      );
    }
    const existing = this.#tasks.get(definition.name);
    if (existing && existing !== definition) {
      throw new DuplicateTaskError(`Two tasks are registered as "${definition.name}"`);
    }
    this.#tasks.set(definition.name, definition);
    return definition;
  }

  get(name: string): AnyTaskDefinition | undefined {
    return this.#tasks.get(name);
  }

  get size(): number {
    return this.#tasks.size;
  }

  names(): string[] {
    return [...this.#tasks.keys()].sort();
  }
}

function describe(entry: unknown): string {
  if (typeof entry === 'function') return `class ${entry.name || '(anonymous)'} without @Task`;
  return entry === null ? 'null' : typeof entry;
}
