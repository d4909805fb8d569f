// Random sysctl config trees for the differential oracle (sysctl-system.test.ts):
// random choices from a grammar of what the loaders and the kernel treat
// specially — key spellings, separators, globs, exclusions, values with trailing
// text, quotes, odd blanks and line ends, encodings, long lines, links, masks,
// file names. Only per-network-namespace `net.*` keys are ever named, and every
// line passes safeKeyText() before it is written: no generated file can reach
// fs., vm., kernel. or any other global key.

import path from 'node:path';

export type Body = string | { link: string } | { dir: true };

export interface OracleCase {
  name: string;
  /** Host path → file content (latin1 bytes), link or directory. /etc/sysctl.conf is always a plain file. */
  files: Record<string, Body>;
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const chance = (r: Rand, p: number) => r() < p;

/** Keys the generator may name, by kind. All per-netns; checked against the namespace before use. */
export const ORACLE_KEYS = {
  jiffies: ['net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_keepalive_intvl'],
  u8: ['net.ipv4.tcp_keepalive_probes', 'net.ipv4.tcp_syn_retries', 'net.ipv4.tcp_synack_retries', 'net.ipv4.tcp_syncookies', 'net.ipv4.tcp_timestamps', 'net.ipv4.tcp_tw_reuse', 'net.ipv4.tcp_rfc1337', 'net.ipv4.tcp_slow_start_after_idle'],
  uint: ['net.ipv4.tcp_tw_reuse_delay'],
  int: ['net.ipv4.tcp_max_syn_backlog', 'net.ipv4.tcp_max_tw_buckets', 'net.core.somaxconn', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.ip_forward'],
  vector: ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem'],
  range: ['net.ipv4.ip_local_port_range'],
  bitmap: ['net.ipv4.ip_local_reserved_ports'],
} as const;

export const IFACES = ['all', 'default', 'lo'] as const;
export const DEVINET_USED = ['rp_filter', 'accept_redirects', 'log_martians', 'forwarding', 'arp_ignore', 'send_redirects', 'route_localnet', 'mc_forwarding'] as const;
/** Names that do not exist in a fresh namespace. */
export const ABSENT_KEYS = ['net.ipv4.tcp_tw_recycle', 'net.ipv4.no_such_key', 'net.ipv4.conf.eth9.rp_filter'];

/** Every key the oracle reads back after a loader ran. */
export function oracleReadKeys(): string[] {
  const flat = Object.values(ORACLE_KEYS).flat() as string[];
  const dev = IFACES.flatMap((i) => DEVINET_USED.map((a) => `net.ipv4.conf.${i}.${a}`));
  return [...flat, ...dev];
}

const TOP_LEVEL = ['abi', 'crypto', 'debug', 'dev', 'fs', 'kernel', 'user', 'vm'];

/**
 * Independent of knobs' model: a key text is safe when, read with `.` and `/`
 * both as separators, it starts with `net`, names no other top-level
 * directory, and never mixes `..` with a glob character.
 */
export function safeKeyText(raw: string): boolean {
  const k = raw.replace(/^[\s\-\v\f]+/, '').trim();
  const comps = k.split(/[./]+/).filter((c) => c !== '');
  if (comps.length === 0) return true; // names /proc/sys itself: never writable
  if (comps[0]!.toLowerCase() !== 'net') return false;
  if (comps.some((c) => TOP_LEVEL.includes(c.toLowerCase()) || /[\\{}]/.test(c) && TOP_LEVEL.some((t) => c.includes(t)))) return false;
  if (/\.\./.test(k) && /[*?[{]/.test(k)) return false;
  // A glob may only range over interfaces and the devinet settings, or stand for one letter of a listed key.
  if (/[*?[]/.test(k) && !/^net[./]+ipv4[./]+conf[./]/.test(k) && !/^net[./]+ipv4[./]+tcp_[a-z_]+[?[]/.test(k)) return false;
  return true;
}

// ---- values ------------------------------------------------------------------------

function numberText(r: Rand, n: number): string {
  const t = chance(r, 0.1) ? pick(r, ['0x' + n.toString(16), '0' + n.toString(8)]) : String(n);
  return t;
}

/** A value the handler may or may not take: decorations the kernel reacts to. */
function decorate(r: Rand, base: string): string {
  switch (int(r, 0, 22)) {
    case 0:
      return `${base} # comment`;
    case 1:
      return `${base}# x`;
    case 2:
      return `"${base}"`;
    case 3:
      return `'${base}'`;
    case 4:
      return `+${base}`;
    case 5:
      return '';
    case 6:
      return `${base}\\`;
    case 7:
      return `${base}\t`;
    case 8:
      return `${base}\v`;
    case 9:
      return `${base}\f`;
    case 10:
      return `${base} ${base}`;
    case 11:
      return `${base}\xa0`; // latin1 NBSP: a blank to the kernel's isspace, not a field separator
    case 12:
      return `\xc2\xa0${base}`; // UTF-8 NBSP
    case 13:
      return `${base};`;
    case 14:
      return `-${base}`;
    case 15:
      return `${base}${' '.repeat(int(r, 4090, 4100))}7`;
    case 16:
      return `0${base}`;
    case 17:
      return `${base}\\\n`; // a backslash, then (for the line grammar) the next line
    default:
      return base;
  }
}

function valueFor(r: Rand, key: string): string {
  const k = key.replace(/^net\.ipv4\.conf\.[^.]+\./, 'conf.');
  let base: string;
  if ((ORACLE_KEYS.jiffies as readonly string[]).includes(key)) base = numberText(r, pick(r, [0, 1, 30, 60, 7200, 8589934, 8589935, 2147483, int(r, 0, 100000)]));
  else if ((ORACLE_KEYS.u8 as readonly string[]).includes(key)) base = numberText(r, pick(r, [0, 1, 2, 3, 5, 127, 128, 255, 256, int(r, 0, 300)]));
  else if ((ORACLE_KEYS.uint as readonly string[]).includes(key)) base = numberText(r, pick(r, [0, 1, 1000, 60000, 60001, int(r, 0, 70000)]));
  else if (key === 'net.ipv4.ip_unprivileged_port_start') base = String(pick(r, [0, 80, 1024, 32768, 40000, 65535, 65536]));
  else if (key === 'net.ipv4.ip_forward' || k.startsWith('conf.')) base = numberText(r, pick(r, [0, 1, 2, 3, -1, int(r, 0, 5)]));
  else if ((ORACLE_KEYS.int as readonly string[]).includes(key)) base = numberText(r, pick(r, [0, 1, 128, 4096, -5, 2147483647, 2147483648, int(r, 0, 100000)]));
  else if ((ORACLE_KEYS.vector as readonly string[]).includes(key)) {
    const n = pick(r, [1, 2, 3, 3, 3, 4]);
    const f = () => String(pick(r, [1, 4095, 4096, 16384, 87380, 131072, 6291456, 0, int(r, 1, 10000000)]));
    base = Array.from({ length: n }, f).join(pick(r, [' ', '\t', '  ', ' \t ']));
  } else if (key === 'net.ipv4.ip_local_port_range') {
    const lo = pick(r, [1, 1000, 1024, 10240, 32768, 40000, 60999]);
    const hi = pick(r, [1023, 32768, 60999, 65000, 65535, 65536]);
    base = chance(r, 0.15) ? String(lo) : `${lo}${pick(r, [' ', '\t', '   '])}${hi}`;
  } else if (key === 'net.ipv4.ip_local_reserved_ports') {
    const parts = Array.from({ length: int(r, 1, 4) }, () => (chance(r, 0.4) ? `${int(r, 1, 9000)}-${int(r, 9000, 65535)}` : String(int(r, 1, 65535))));
    base = parts.join(pick(r, [',', ',', ', ', ' ,'])) + pick(r, ['', '', ',', '-', ',65536']);
  } else base = String(int(r, 0, 10));
  return chance(r, 0.35) ? decorate(r, base) : base;
}

// ---- keys --------------------------------------------------------------------------

function allKeys(): string[] {
  return oracleReadKeys();
}

/** The dotted key spelled the way people (and bad generators) spell it. */
function spell(r: Rand, key: string): string {
  const slash = () => key.split('.').join('/');
  switch (int(r, 0, 24)) {
    case 0:
      return slash();
    case 1:
      return key.replace('.', '..'); // doubled separator after "net"
    case 2:
      return key.replace(/\.([^.]+)$/, '..$1');
    case 3:
      return `${key}.`;
    case 4:
      return `${slash()}/`;
    case 5:
      return `/${slash()}`;
    case 6:
      return `.${key}`;
    case 7:
      return slash().replace('net/ipv4/', 'net/./ipv4/').replace('net/core/', 'net/./core/');
    case 8:
      return slash().replace('net/ipv4/', 'net/ipv4/../ipv4/').replace('net/core/', 'net/core/../core/');
    case 9:
      return slash().replace('/', '//');
    case 10:
      return key.toUpperCase();
    case 11:
      return `net/${key.slice(4)}`; // first separator `/`, the rest dots: one file name with dots
    default:
      return key;
  }
}

function globFor(r: Rand): string {
  const attr = pick(r, DEVINET_USED);
  const ifglob = pick(r, ['*', '*', '[ad]*', '[!a]*', 'l?', '?efault', '{lo,all}*', '[l]o', 'd*', '*l*']);
  const attrglob = chance(r, 0.2) ? attr.replace(/.$/, '?') : attr;
  const sep = chance(r, 0.2) ? '/' : '.';
  if (chance(r, 0.1)) {
    const k = pick(r, [...ORACLE_KEYS.u8, ...ORACLE_KEYS.jiffies]);
    return k.replace(/.$/, '?');
  }
  return ['net', 'ipv4', 'conf', ifglob, attrglob].join(sep);
}

// ---- lines and files ----------------------------------------------------------------

function settingLine(r: Rand): string {
  const glob = chance(r, 0.18);
  const key = glob ? globFor(r) : chance(r, 0.05) ? pick(r, ABSENT_KEYS) : pick(r, allKeys());
  const spelled = glob ? key : chance(r, 0.25) ? spell(r, key) : key;
  const valueKey = glob ? `net.ipv4.conf.lo.${DEVINET_USED.find((a) => key.includes(a.slice(0, -1))) ?? 'rp_filter'}` : key;
  const value = valueFor(r, valueKey);
  const lead = pick(r, ['', '', '', ' ', '\t', '  \t', '\v']);
  const eq = pick(r, [' = ', '=', ' =', '= ', '\t=\t', '  =   ']);
  const trail = pick(r, ['', '', '', ' ', '\t', ' \t']);
  const n = int(r, 0, 30);
  if (n === 0) return `${lead}-${spelled}${trail}`; // exclusion
  if (n === 1) return `${lead}- ${spelled}${trail}`;
  if (n <= 4) return `${lead}-${spelled}${eq}${value}${trail}`;
  if (n === 5) return `${lead}- ${spelled}${eq}${value}${trail}`;
  if (n === 6) return `${lead}--${spelled}${eq}${value}${trail}`;
  return `${lead}${spelled}${eq}${value}${trail}`;
}

function otherLine(r: Rand): string {
  return pick(r, ['# a comment', '; another', '   # indented', '', '', 'no assignment here', '= 5', '-', 'x', '#', `net.ipv4.tcp_fin_timeout ${int(r, 1, 99)}`]);
}

function fileText(r: Rand): string {
  const n = int(r, 1, 8);
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const line = chance(r, 0.78) ? settingLine(r) : otherLine(r);
    if (!safeKeyText(line.split('=')[0]!)) continue;
    lines.push(line);
  }
  const eol = pick(r, ['\n', '\n', '\n', '\n', '\r\n', '\r\n', '\r', '\n\r', '\0']);
  let text = lines.join(eol) + (chance(r, 0.85) ? eol : '');
  if (chance(r, 0.05)) text = '\xef\xbb\xbf' + text; // UTF-8 byte order mark
  if (chance(r, 0.03)) text = text.replace(/\n/, '\0\n'); // a NUL inside
  if (chance(r, 0.02)) text = Buffer.from(text, 'latin1').toString('latin1').split('').map((c) => c + '\0').join(''); // UTF-16LE
  return text;
}

const DIRS = ['/etc/sysctl.d', '/run/sysctl.d', '/usr/local/lib/sysctl.d', '/usr/lib/sysctl.d'] as const;

function fileName(r: Rand, used: string[]): string {
  if (used.length > 0 && chance(r, 0.25)) return pick(r, used); // the same name in another directory
  const nn = String(int(r, 0, 99)).padStart(2, '0');
  const word = pick(r, ['net', 'tune', 'vendor', 'local', 'k8s', 'Zeta', 'alpha']);
  switch (int(r, 0, 40)) {
    case 0:
      return `.${word}.conf`;
    case 1:
      return '.conf';
    case 2:
      return `${nn}-${word}.CONF`;
    case 3:
      return `${nn}-${word}.conf.bak`;
    case 4:
      return `${nn} ${word}.conf`;
    case 5:
      return `${nn}-${word[0]}*.conf`;
    case 6:
      return `[${nn[0]}]${nn[1]}-${word}.conf`;
    case 7:
      return `{${nn},x}-${word}.conf`;
    case 8:
      return `${nn}-\xc3\xa9t\xc3\xa9.conf`; // UTF-8 name
    case 9:
      return `${nn}-${word}.conf~`;
    default:
      return `${nn}-${word}.conf`;
  }
}

/** One random tree of config files. */
export function randomCase(r: Rand, name: string): OracleCase {
  const files: Record<string, Body> = {};
  const used: string[] = [];
  const nfiles = int(r, 5, 12);
  for (let i = 0; i < nfiles; i++) {
    const dir = pick(r, DIRS);
    const base = fileName(r, used);
    used.push(base);
    const p = `${dir}/${base}`;
    if (files[p]) continue;
    const kind = int(r, 0, 20);
    if (kind === 0) files[p] = { link: '/dev/null' };
    else if (kind === 1) files[p] = { link: '/nonexistent-knobs-oracle.conf' };
    else if (kind === 2 && Object.keys(files).length > 0) {
      const target = pick(r, Object.keys(files));
      files[p] = { link: chance(r, 0.5) ? target : path.posix.relative(path.posix.dirname(p), target) };
    } else if (kind === 3) files[p] = { link: '../sysctl.conf' };
    else if (kind === 4) files[p] = { dir: true };
    else if (kind === 5) files[p] = { link: p }; // a loop
    else files[p] = fileText(r);
  }
  if (chance(r, 0.4)) files['/etc/sysctl.conf'] = fileText(r);
  return { name, files };
}

/** Files in a case, counting what a loader could open (not links to nowhere or directories). */
export function countFiles(c: OracleCase): number {
  return Object.values(c.files).filter((b) => typeof b === 'string').length;
}
