import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ConfigError } from '../core/config/load.js';
import { type ErrorCode, ErrorCodes, HeadroomError, formatPlace } from '../shared/errors.js';
import type { ErrorResponse } from '../shared/protocol.js';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
};

export function sendError(
  reply: FastifyReply,
  statusCode: number,
  code: ErrorCode,
  message: string,
  place?: string,
): FastifyReply {
  const body: ErrorResponse = { statusCode, code, error: STATUS_TEXT[statusCode] ?? 'Error', message };
  if (place) body.place = place;
  return reply.code(statusCode).type('application/json').send(body);
}

/** Turn everything Fastify or our code throws into one clear error shape. */
export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (err instanceof ConfigError) {
    // The first problem's file:line:column is the place; the message lists them all.
    const first = err.problems[0];
    const place = first ? formatPlace(first) : err.place ? formatPlace(err.place) : undefined;
    return sendError(reply, 400, ErrorCodes.CONFIG, `reload refused, the running config is kept: ${err.message}`, place);
  }
  if (err instanceof HeadroomError)
    return sendError(
      reply,
      err.code === ErrorCodes.BAD_REQUEST ? 400 : 500,
      err.code,
      err.message,
      err.place ? formatPlace(err.place) : undefined,
    );
  if (err.validation) {
    const where = err.validationContext ?? 'request';
    const detail = err.validation
      .map((v) => {
        const path = v.instancePath ? v.instancePath.slice(1).replaceAll('/', '.') : '';
        const extra = (v.params as { additionalProperty?: string }).additionalProperty;
        if (extra) return `unknown field "${path ? `${path}.` : ''}${extra}"`;
        return `${path || where}: ${v.message}`;
      })
      .join('; ');
    return sendError(reply, 400, ErrorCodes.BAD_REQUEST, `invalid ${where}: ${detail}`, where);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return sendError(reply, 413, ErrorCodes.TOO_LARGE, `request body too large (limit ${req.routeOptions.bodyLimit ?? '?'} bytes)`, 'body');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return sendError(reply, 415, ErrorCodes.BAD_REQUEST, 'send the body as application/json', 'content-type');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return sendError(reply, 400, ErrorCodes.BAD_REQUEST, 'the JSON body is empty', 'body');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return sendError(reply, 400, ErrorCodes.BAD_REQUEST, `malformed JSON body: ${err.message}`, 'body');
  }
  if (err instanceof SyntaxError || err.statusCode === 400)
    return sendError(reply, 400, ErrorCodes.BAD_REQUEST, `malformed request: ${err.message}`, 'body');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
    return sendError(reply, err.statusCode, ErrorCodes.BAD_REQUEST, err.message);
  req.log.error({ err }, 'unhandled error');
  return sendError(reply, 500, ErrorCodes.INTERNAL, 'internal error; see the server log');
}
