/** Exit codes of `headroom`, documented in the README and `--help`. */
export const EXIT = {
  OK: 0,
  /** Runtime failure: port in use, unreadable TLS file, server crashed. */
  FAILURE: 1,
  /** Invalid config, bad usage, or a refused unsafe setting (exposed without a token). */
  CONFIG: 2,
} as const;
