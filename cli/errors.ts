/** A failure to tell the user in plain words, with the exit code it maps to (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Exit codes: 0 success, 1 the operation failed (or a deployment did not succeed), 2 bad usage or configuration. */
export const EXIT_USAGE = 2;
