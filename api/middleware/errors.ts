/**
 * The one place errors become HTTP answers: `{"error":{"code","message","details"}}`. Anything a
 * client can cause is a CutoverError or a body-parser error (4xx); anything else is a 500 with
 * no internals in the body, logged with its stack.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { CutoverError } from '../../shared/errors.js';
import type {} from 'pino-http';

interface BodyParserError {
  type?: string;
  status?: number;
  limit?: number;
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'ResourceNotFoundException', message: `No route for ${req.method} ${req.path}.`, details: {} } });
};

export const errorHandler: ErrorRequestHandler = (err: unknown, req, res, _next) => {
  if (res.headersSent) return;
  if (err instanceof CutoverError) {
    res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details ?? {} } });
    return;
  }
  const parserError = err as BodyParserError;
  if (parserError.type === 'entity.parse.failed') {
    res.status(400).json({ error: { code: 'InvalidRequestException', message: 'The request body is not valid JSON.', details: {} } });
    return;
  }
  if (parserError.type === 'entity.too.large') {
    res.status(413).json({ error: { code: 'PayloadTooLargeException', message: `The request body is larger than ${parserError.limit} bytes.`, details: {} } });
    return;
  }
  if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    res.status(parserError.status).json({ error: { code: 'InvalidRequestException', message: 'The request could not be read.', details: {} } });
    return;
  }
  req.log.error({ err }, 'unhandled error');
  res.status(500).json({ error: { code: 'InternalFailure', message: 'An internal error occurred.', details: {} } });
};
