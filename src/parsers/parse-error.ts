import { ErrorCodes, HeadroomError } from '../shared/errors.js';

/**
 * A kernel file that could not be read as its format says. It names the file and the 1-based
 * line so a user (or a bug report) points straight at the offending text.
 *
 * @example
 *   throw new ParseError('/proc/stat', 3, 'cpu1 has 2 fields, needs at least 4');
 *   // message: "/proc/stat:3: cpu1 has 2 fields, needs at least 4"
 */
export class ParseError extends HeadroomError {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string) {
    super(ErrorCodes.PARSE, message, { file, line });
    this.name = 'ParseError';
    this.file = file;
    this.line = line;
  }
}
