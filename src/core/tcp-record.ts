// One TCP socket as the readers hand it to the census (src/core/socket-tally.ts):
// the fields of a /proc/net/tcp line, with the addresses left as the kernel prints
// them (hex digits in a byte buffer) and decoded to text only for the rows a report
// shows. /proc lines are parsed into it in place (src/host/proc-net-tcp.ts), and
// netlink sock_diag records are printed into the same form (src/host/sockets.ts),
// so the census is one code whatever the source.
// Formats: net/ipv4/tcp_ipv4.c tcp4_seq_show, net/ipv6/tcp_ipv6.c (kernel-facts.md §4.1).

/** Kernel state codes (include/net/tcp_states.h). */
export const ST_ESTABLISHED = 1;
export const ST_SYN_SENT = 2;
export const ST_SYN_RECV = 3;
export const ST_FIN_WAIT1 = 4;
export const ST_FIN_WAIT2 = 5;
export const ST_TIME_WAIT = 6;
export const ST_CLOSE = 7;
export const ST_CLOSE_WAIT = 8;
export const ST_LAST_ACK = 9;
export const ST_LISTEN = 10;
export const ST_CLOSING = 11;

/** Timer type 3 = TIME_WAIT timer (also on orphaned FIN_WAIT2 minisocks, st 05). */
export const TIMER_TIME_WAIT = 3;

/**
 * One socket. Readers reuse a single object for every socket: copy what you keep.
 * Address fields point into `buf`, valid only while the socket is being counted.
 */
export interface TcpEntry {
  family: 4 | 6;
  /** Kernel state code 1..11 (0x0C/0x0D never appear in the tables). */
  state: number;
  localPort: number;
  remotePort: number;
  /** The last 32-bit word of the remote address as printed (the whole IPv4 address). */
  remoteWord: number;
  txQueue: number;
  /** For LISTEN: current accept-queue length. */
  rxQueue: number;
  timerType: number;
  uid: number;
  /** 0 when no file holds the socket (TIME_WAIT, request socks, orphans). */
  inode: number;
  /** Buffer holding the addresses as hex digits (8 for IPv4, 32 for IPv6), at localAt and remoteAt. */
  buf: Buffer;
  localAt: number;
  remoteAt: number;
}

/** Hex digit value of a byte, -1 when it is not one. */
export const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[65 + i] = 10 + i;
  HEX[97 + i] = 10 + i;
}

// (What os.endianness() says, without loading node:os for it at every start.) The
// kernel prints each address word as a host-order integer, so decoding depends on it.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Parse `len` hex digits at `at`; -1 when any is not a hex digit. */
export function hexAt(buf: Uint8Array, at: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len; i++) {
    const d = HEX[buf[at + i]!]!;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * The four bytes of one printed word in network order. The kernel prints the raw
 * __be32 as a host-order integer, so on little-endian hosts the bytes come out
 * reversed (127.0.0.1 → `0100007F`).
 */
function wordBytes(word: number, out: number[]): void {
  if (LITTLE_ENDIAN) out.push(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24);
  else out.push(word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
}

/** The address of one printed word as a number that sorts like the address (127.0.0.1 → 0x7f000001). */
export function ipv4Number(word: number): number {
  if (!LITTLE_ENDIAN) return word >>> 0;
  return (((word & 0xff) << 24) | (((word >>> 8) & 0xff) << 16) | (((word >>> 16) & 0xff) << 8) | (word >>> 24)) >>> 0;
}

/** An IPv6 address in raw form (32 hex digits, four printed words) as 32 hex digits in network order, which sort like the address. */
export function ipv6SortKey(raw: string): string {
  let key = '';
  for (let w = 0; w < 32; w += 8) key += ipv4Number(parseInt(raw.slice(w, w + 8), 16)).toString(16).padStart(8, '0');
  return key;
}

/** IPv4 text of one printed word (`0100007F` → `127.0.0.1` on little-endian). */
export function ipv4FromWord(word: number): string {
  const b: number[] = [];
  wordBytes(word, b);
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** Text form of the address whose hex digits start at buf[at] (8 or 32 digits). */
export function decodeAddressAt(buf: Uint8Array, at: number, family: 4 | 6): string {
  if (family === 4) return ipv4FromWord(hexAt(buf, at, 8));
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) wordBytes(hexAt(buf, at + w * 8, 8), bytes);
  return formatIpv6(bytes);
}

/** Decode a printed address (`0100007F`, `0000000000000000FFFF00000100007F`) to text. */
export function decodeHexAddress(hex: string): string {
  if (hex.length !== 8 && hex.length !== 32) throw new Error(`not a proc/net/tcp address: ${hex}`);
  return decodeAddressAt(Buffer.from(hex, 'latin1'), 0, hex.length === 8 ? 4 : 6);
}

/** RFC 5952 text: lower case, longest zero run (≥2 groups) as `::`, v4-mapped as `::ffff:a.b.c.d`. */
export function formatIpv6(bytes: number[]): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((bytes[i]! << 8) | bytes[i + 1]!);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  }
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestLen < 2) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** `ip:port`, IPv6 in brackets (the form `ss` prints). */
export function formatPeer(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

const UPPER_HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 65, 66, 67, 68, 69, 70];

/**
 * Writes `count` 32-bit words as the kernel prints an address in /proc/net/tcp
 * (`%08X` per word, the word as it sits in memory): the inverse of decoding one,
 * for addresses that came from somewhere else (netlink sock_diag, tests).
 */
export function writeProcHexWords(out: Uint8Array, at: number, words: Uint32Array, first: number, count: number): void {
  for (let w = 0; w < count; w++) {
    const v = words[first + w]!;
    for (let i = 0; i < 8; i++) out[at + w * 8 + i] = UPPER_HEX[(v >>> (28 - 4 * i)) & 15]!;
  }
}

/** Raw hex digits of an address in the buffer, as a map key. */
export function rawAddressAt(buf: Buffer, at: number, family: 4 | 6): string {
  return buf.toString('latin1', at, at + (family === 4 ? 8 : 32));
}

/** Loopback per tcp_tw_reuse=2: 127/8, ::1, ::ffff:127/104. */
export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1' || ip.startsWith('::ffff:127.');
}
