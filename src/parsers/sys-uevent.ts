import { numberedLines } from './numbers.js';
import { ParseError } from './parse-error.js';

/**
 * A sysfs `uevent` file → its `KEY=VALUE` pairs, in file order. Devices print the variables
 * they would send to udev (Documentation/ABI/testing/sysfs-uevent): a power supply every
 * `POWER_SUPPLY_*` property it has, a PCI device `DRIVER`, `PCI_ID`, `PCI_SLOT_NAME`, …
 * One read of this file costs the kernel the same property calls as reading each attribute
 * file, in one system call instead of fifteen.
 *
 * Rule for bad input: blank lines are skipped; a line without `=` or with an empty key throws a
 * ParseError naming the file and line (the kernel never writes one, so the file is not a
 * uevent file). A key seen twice keeps its last value, as udev does.
 */
export function parseUevent(text: string, file = 'uevent'): Map<string, string> {
  const out = new Map<string, string>();
  for (const { line, text: raw } of numberedLines(text)) {
    if (raw.trim() === '') continue;
    const eq = raw.indexOf('=');
    if (eq <= 0) throw new ParseError(file, line, `expected KEY=VALUE, got "${raw}"`);
    out.set(raw.slice(0, eq), raw.slice(eq + 1));
  }
  return out;
}
