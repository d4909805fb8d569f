// Netlink sock_diag replies built by hand, field by field as the kernel fills them
// (include/uapi/linux/netlink.h struct nlmsghdr, include/uapi/linux/inet_diag.h
// struct inet_diag_msg; net/ipv4/inet_diag.c), and a DiagTransport serving them:
// the census reads them exactly as it reads the kernel's (src/host/sock-diag.ts).
// Written independently of src/host/sock-diag.ts's offsets on purpose, from the
// structs; the live test (sockets-live.test.ts) checks both against the kernel.

import type { DiagTransport, DumpKind } from '../../src/host/sock-diag.js';

export interface DiagSocket {
  family: 4 | 6;
  /** Address bytes in network order (4 or 16). */
  local: number[];
  lport: number;
  remote: number[];
  rport: number;
  state: number;
  /** 3 for timewait minisocks, 1 for request socks, 0 for most full sockets. */
  timer: number;
  rqueue: number;
  wqueue: number;
  uid: number;
  inode: number;
}

const NLM_F_MULTI = 2;

/** One message: nlmsghdr + inet_diag_msg (+ an INET_DIAG_SHUTDOWN attribute for full sockets, as the kernel adds). */
export function diagMessage(s: DiagSocket, type = 18): Uint8Array {
  const attrs = s.timer === 3 || s.state === 3 ? 0 : 8;
  const len = 16 + 72 + attrs;
  const b = new Uint8Array(len);
  const v = new DataView(b.buffer);
  // struct nlmsghdr
  v.setUint32(0, len, true); // nlmsg_len (host order; these tests run little-endian)
  v.setUint16(4, type, true); // nlmsg_type: TCPDIAG_GETSOCK or SOCK_DIAG_BY_FAMILY
  v.setUint16(6, NLM_F_MULTI, true);
  v.setUint32(8, 1, true); // nlmsg_seq
  v.setUint32(12, 0, true); // nlmsg_pid
  // struct inet_diag_msg
  let o = 16;
  b[o++] = s.family === 4 ? 2 : 10; // idiag_family: AF_INET, AF_INET6
  b[o++] = s.state;
  b[o++] = s.timer;
  b[o++] = 0; // idiag_retrans
  v.setUint16(o, s.lport, false); // id.idiag_sport, __be16
  o += 2;
  v.setUint16(o, s.rport, false); // id.idiag_dport
  o += 2;
  b.set(s.local, o); // id.idiag_src[4], __be32 each: the bytes as on the wire
  o += 16;
  b.set(s.remote, o); // id.idiag_dst[4]
  o += 16;
  v.setUint32(o, 0, true); // id.idiag_if
  o += 4;
  v.setUint32(o, 0x1234, true); // id.idiag_cookie[0]
  v.setUint32(o + 4, 0x5678, true); // id.idiag_cookie[1]
  o += 8;
  v.setUint32(o, 0, true); // idiag_expires
  o += 4;
  v.setUint32(o, s.rqueue, true);
  o += 4;
  v.setUint32(o, s.wqueue, true);
  o += 4;
  v.setUint32(o, s.uid, true);
  o += 4;
  v.setUint32(o, s.inode, true);
  o += 4;
  if (attrs) {
    v.setUint16(o, 5, true); // nla_len: header + one byte
    v.setUint16(o + 2, 8, true); // nla_type: INET_DIAG_SHUTDOWN
    b[o + 4] = 0;
  }
  return b;
}

/** NLMSG_DONE, or NLMSG_ERROR (type 2), with its int payload (0, or a negative errno). */
export function controlMessage(type: 2 | 3, code = 0): Uint8Array {
  const b = new Uint8Array(type === 2 ? 36 : 20); // an error also echoes the request's header
  const v = new DataView(b.buffer);
  v.setUint32(0, b.length, true);
  v.setUint16(4, type, true);
  v.setUint16(6, type === 3 ? NLM_F_MULTI : 0, true);
  v.setUint32(8, 1, true);
  v.setInt32(16, code, true);
  return b;
}

/** Messages packed into datagrams of at most `max` bytes (the kernel's are ≤ 32 KiB), each 4-byte aligned. */
export function datagrams(messages: Uint8Array[], max = 32 * 1024): Uint8Array[] {
  const out: Uint8Array[] = [];
  let cur: Uint8Array[] = [];
  let size = 0;
  const flush = () => {
    if (cur.length === 0) return;
    const d = new Uint8Array(size);
    let o = 0;
    for (const m of cur) {
      d.set(m, o);
      o += (m.length + 3) & ~3;
    }
    out.push(d);
    cur = [];
    size = 0;
  };
  for (const m of messages) {
    const aligned = (m.length + 3) & ~3;
    if (size + aligned > max) flush();
    cur.push(m);
    size += aligned;
  }
  flush();
  return out;
}

/**
 * A transport serving, for each kind asked for, its datagrams (or -errno from
 * open); reads past the last one fail with EAGAIN, as the non-blocking socket does.
 */
export function fakeTransport(
  replies: Partial<Record<DumpKind, Uint8Array[] | number>>,
): DiagTransport & { opened: DumpKind[]; states: number[] } {
  const queues = new Map<number, Uint8Array[]>();
  let next = 1000;
  const opened: DumpKind[] = [];
  const states: number[] = [];
  return {
    opened,
    states,
    open(kind, mask) {
      opened.push(kind);
      states.push(mask);
      const r = replies[kind];
      if (r === undefined) return -22; // EINVAL
      if (typeof r === 'number') return r;
      const fd = next++;
      queues.set(fd, [...r]);
      return fd;
    },
    read(fd, bytes, offset, length) {
      const d = queues.get(fd)!.shift();
      if (d === undefined) throw Object.assign(new Error('EAGAIN: resource temporarily unavailable, read'), { code: 'EAGAIN' });
      const n = Math.min(d.length, length);
      bytes.set(d.subarray(0, n), offset);
      return n;
    },
    close(fd) {
      queues.delete(fd);
    },
  };
}
