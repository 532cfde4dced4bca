import { expect } from 'vitest';
import { ParseError } from '../../src/parsers/parse-error.js';

/** Assert `fn` throws a ParseError naming `file` and `line`, with a message matching `message`. */
export function expectParseError(fn: () => unknown, file: string, line: number, message: RegExp): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a ParseError').toBeInstanceOf(ParseError);
  expect(err).toMatchObject({ file, line, code: 'HEADROOM_ERR_PARSE' });
  expect((err as Error).message).toContain(`${file}:${line}: `);
  expect((err as Error).message).toMatch(message);
}
