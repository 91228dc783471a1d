/**
 * The few error classes Cutover throws. Each carries a `code`: the API error code a client sees
 * (CodeDeploy's exception names where one exists). Express maps `status` to HTTP in one middleware.
 */

export type ErrorDetails = Record<string, unknown> | unknown[] | undefined;

export class CutoverError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetails,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The client sent something malformed or invalid (400). */
export class InvalidInputError extends CutoverError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(400, code, message, details);
  }
}

/** A named resource does not exist (404). */
export class NotFoundError extends CutoverError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(404, code, message, details);
  }
}

/** The request conflicts with existing state (409). */
export class ConflictError extends CutoverError {
  constructor(code: string, message: string, details?: ErrorDetails) {
    super(409, code, message, details);
  }
}

export class UnauthorizedError extends CutoverError {
  constructor(message = 'A valid bearer token is required.') {
    super(401, 'UnauthorizedException', message);
  }
}

/** The token's role is below what the action needs (403). Never used for another account's resource: that is a NotFoundError. */
export class ForbiddenError extends CutoverError {
  constructor(message: string, details?: ErrorDetails) {
    super(403, 'AccessDeniedException', message, details);
  }
}

export class PayloadTooLargeError extends CutoverError {
  constructor(limitBytes: number) {
    super(413, 'PayloadTooLargeException', `The request body is larger than ${limitBytes} bytes.`, { limitBytes });
  }
}
