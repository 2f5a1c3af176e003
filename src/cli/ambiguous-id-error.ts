import { InvalidArgumentError } from '../index.ts';

/** An id prefix or suffix given to the CLI names more than one record. A usage error (exit code 2). */
export class AmbiguousIdError extends InvalidArgumentError {
  override readonly code = 'AMBIGUOUS_ID';
}
