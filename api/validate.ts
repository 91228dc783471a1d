import type * as z from 'zod';
import { InvalidInputError } from '../shared/errors.js';

/** Parse untrusted input with a schema; a failure is a 400 listing every problem. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const first = issues[0];
  throw new InvalidInputError(
    'ValidationException',
    `Invalid ${what}: ${first.path ? `${first.path}: ` : ''}${first.message}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
    { issues },
  );
}
