import { parseUint } from './numbers.js';

/**
 * /sys/class/net/<iface>/{operstate,carrier,flags,mtu,speed} → link state, MTU and speed.
 *
 * Every attribute is optional: the kernel refuses some reads (`speed` and `carrier` of a device
 * that is down or has no PHY answer EINVAL; `lo` and most virtual devices have no speed), so the
 * reader passes null for a file it could not read and the field is null. A file that was read but
 * holds garbage also gives null, and a problem naming the file is returned beside the values
 * (procfs's sysfs readers do the same: partial results plus the errors), so one odd attribute
 * never costs the interface its counters.
 */

/** RFC 2863 operational states, as the kernel spells them in `operstate`. */
export const OPERSTATES = ['unknown', 'notpresent', 'down', 'lowerlayerdown', 'testing', 'dormant', 'up'] as const;
export type Operstate = (typeof OPERSTATES)[number];

export interface NetClassFiles {
  operstate?: string | null;
  carrier?: string | null;
  flags?: string | null;
  mtu?: string | null;
  speed?: string | null;
}

export interface NetClass {
  operstate: Operstate | null;
  /** IFF_UP in `flags`: the administrator brought it up (`ip link set … up`). */
  admin_up: boolean | null;
  carrier: boolean | null;
  /**
   * Whether the link passes traffic: operstate `up`; for operstate `unknown` (loopback, tun and
   * other drivers that never report a state) admin up with carrier present; otherwise false.
   */
  up: boolean | null;
  mtu: number | null;
  /** Link speed in Mbit/s as the driver reports it; null when unknown. */
  speed_mbit: number | null;
}

const IFF_UP = 0x1;
const HEX_RE = /^0x[0-9a-fA-F]+$/;
const INT_RE = /^-?\d+$/;
/**
 * Speeds that mean "unknown": SPEED_UNKNOWN is -1; drivers from the days of a 16-bit speed field
 * report it as 65535, and a few report 0 with no link. No real link runs at any of these.
 */
const UNKNOWN_SPEEDS = new Set([-1, 0, 65535]);

export function parseNetClass(files: NetClassFiles, dir: string): { value: NetClass; problems: string[] } {
  const problems: string[] = [];
  const bad = (attr: string, text: string, want: string) => {
    problems.push(`${dir}/${attr}: "${text}" is not ${want}`);
    return null;
  };
  const field = <T>(attr: keyof NetClassFiles, parse: (t: string) => T | null, want: string): T | null => {
    const raw = files[attr];
    if (raw === null || raw === undefined) return null;
    const t = raw.trim();
    const v = parse(t);
    return v === null ? bad(attr, t, want) : v;
  };

  const operstate = field('operstate', (t) => (OPERSTATES as readonly string[]).includes(t) ? (t as Operstate) : null, 'an operstate');
  const carrier = field('carrier', (t) => (t === '1' ? true : t === '0' ? false : null), '0 or 1');
  const flags = field('flags', (t) => (HEX_RE.test(t) ? Number.parseInt(t, 16) : null), 'hex flags');
  const mtu = field('mtu', parseUint, 'an MTU');
  const speed = field('speed', (t) => (INT_RE.test(t) && Number.isSafeInteger(Number(t)) ? Number(t) : null), 'an integer speed');

  const admin_up = flags === null ? null : (flags & IFF_UP) !== 0;
  let up: boolean | null = null;
  if (operstate === 'up') up = true;
  else if (operstate === 'unknown') up = admin_up === null || carrier === null ? null : admin_up && carrier;
  else if (operstate !== null) up = false;

  return {
    value: {
      operstate,
      admin_up,
      carrier,
      up,
      mtu,
      speed_mbit: speed === null || UNKNOWN_SPEEDS.has(speed) || speed < 0 ? null : speed,
    },
    problems,
  };
}

/** The sysfs attributes parseNetClass reads, for readers and fixture capture. */
export const NET_CLASS_FILES: Array<keyof NetClassFiles> = ['operstate', 'carrier', 'flags', 'mtu', 'speed'];
