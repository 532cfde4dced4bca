/**
 * Error codes in one place (as fastify does): a user reads the code, the place and what to fix.
 */
export const ErrorCodes = {
  CONFIG: 'HEADROOM_ERR_CONFIG',
  AUTH: 'HEADROOM_ERR_AUTH',
  FORBIDDEN: 'HEADROOM_ERR_FORBIDDEN',
  HOST: 'HEADROOM_ERR_HOST',
  ORIGIN: 'HEADROOM_ERR_ORIGIN',
  CROSS_SITE: 'HEADROOM_ERR_CROSS_SITE',
  BAD_REQUEST: 'HEADROOM_ERR_BAD_REQUEST',
  TOO_LARGE: 'HEADROOM_ERR_TOO_LARGE',
  NOT_FOUND: 'HEADROOM_ERR_NOT_FOUND',
  PARSE: 'HEADROOM_ERR_PARSE',
  COLLECTOR: 'HEADROOM_ERR_COLLECTOR',
  TIMEOUT: 'HEADROOM_ERR_TIMEOUT',
  PLUGIN: 'HEADROOM_ERR_PLUGIN',
  STARTUP: 'HEADROOM_ERR_STARTUP',
  INTERNAL: 'HEADROOM_ERR_INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Where a problem is: a file (or URL/route) and, when known, 1-based line and column. */
export interface Place {
  file: string;
  line?: number;
  column?: number;
}

export function formatPlace(place: Place): string {
  if (place.line === undefined) return place.file;
  return place.column === undefined
    ? `${place.file}:${place.line}`
    : `${place.file}:${place.line}:${place.column}`;
}

export class HeadroomError extends Error {
  readonly code: ErrorCode;
  readonly place: Place | undefined;
  constructor(code: ErrorCode, message: string, place?: Place, options?: { cause?: unknown }) {
    super(place ? `${formatPlace(place)}: ${message}` : message, options);
    this.name = 'HeadroomError';
    this.code = code;
    this.place = place;
  }
}

/** The message of anything thrown, without stack noise. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
