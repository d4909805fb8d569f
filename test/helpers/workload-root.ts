// --root trees of hosts with a workload: processes that listen (with their comm,
// unit, nofile limit and descriptors), connections in the kernel's /proc/net/tcp
// format (the layout of tcp4_seq_show and its TIME_WAIT lines, as
// test/fixtures/proc-net/generate.py writes them), and the files that show a
// container or a Kubernetes node. A fixture states what the host does; this turns
// it into the files knobs reads.

import fs from 'node:fs';
import path from 'node:path';
import { fakeRoot, write, type FakeRootOptions } from './fake-root.js';

export interface FakeProcess {
  pid: number;
  comm: string;
  unit?: string;
  /** Soft and hard nofile (default 1024 524288). */
  nofile?: [number, number];
  /** `0.0.0.0:443`, `127.0.0.1:8080`. */
  listen?: string[];
  /** Descriptors besides its sockets (files, pipes). */
  files?: number;
}

export interface FakeConnections {
  /** Remote `ip:port`. */
  peer: string;
  count: number;
  state?: 'ESTABLISHED' | 'TIME_WAIT' | 'CLOSE_WAIT';
  /** Local address (default 10.0.0.1). */
  from?: string;
  /** Local port: a listening port (incoming) or, by default, ephemeral ports (outgoing). */
  localPort?: number;
  /** Process holding them (its descriptors), for ESTABLISHED and CLOSE_WAIT. */
  pid?: number;
}

export interface WorkloadRootOptions extends FakeRootOptions {
  processes?: FakeProcess[];
  connections?: FakeConnections[];
  interfaces?: string[];
  /** TcpExt counters for /proc/net/netstat. */
  tcpExt?: Record<string, number>;
  osRelease?: string;
  uptimeSeconds?: number;
}

const STATE = { ESTABLISHED: 0x01, TIME_WAIT: 0x06, CLOSE_WAIT: 0x08, LISTEN: 0x0a } as const;
const PTR = '0000000000000000';
const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'.padEnd(149);

/** The be32 address as the kernel prints it: a little-endian host integer. */
function hex4(ip: string): string {
  const b = ip.split('.').map(Number);
  return (((b[3]! << 24) | (b[2]! << 16) | (b[1]! << 8) | b[0]!) >>> 0).toString(16).toUpperCase().padStart(8, '0');
}
const hexPort = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
const split = (ep: string) => ({ ip: ep.slice(0, ep.lastIndexOf(':')), port: Number(ep.slice(ep.lastIndexOf(':') + 1)) });

function full(sl: number, local: string, lport: number, remote: string, rport: number, st: number, inode: number): string {
  const f = (n: number, w: number) => String(n).padStart(w);
  return (
    `${f(sl, 4)}: ${hex4(local)}:${hexPort(lport)} ${hex4(remote)}:${hexPort(rport)} ${st.toString(16).toUpperCase().padStart(2, '0')} ` +
    `00000000:00000000 00:00000000 00000000 ${f(1000, 5)} ${f(0, 8)} ${inode} 1 ${PTR} 20 4 0 10 -1`
  ).padEnd(149);
}

function timeWait(sl: number, local: string, lport: number, remote: string, rport: number): string {
  const f = (n: number, w: number) => String(n).padStart(w);
  return (
    `${f(sl, 4)}: ${hex4(local)}:${hexPort(lport)} ${hex4(remote)}:${hexPort(rport)} 06 ` +
    `00000000:00000000 03:00001747 00000000 ${f(0, 5)} ${f(0, 8)} 0 3 ${PTR}`
  ).padEnd(149);
}

const LIMITS = (soft: number, hard: number) =>
  'Limit                     Soft Limit           Hard Limit           Units     \n' +
  `Max open files            ${String(soft).padEnd(21)}${String(hard).padEnd(21)}files     \n`;

export function workloadRoot(o: WorkloadRootOptions = {}): string {
  const root = fakeRoot(o);
  const lines: string[] = [HEADER];
  const fds = new Map<number, number[]>();
  let inode = 50000;
  let sl = 0;
  const own = (pid: number | undefined, ino: number) => {
    if (pid === undefined) return;
    const list = fds.get(pid) ?? [];
    list.push(ino);
    fds.set(pid, list);
  };
  for (const p of o.processes ?? []) {
    for (const l of p.listen ?? []) {
      const { ip, port } = split(l);
      const ino = inode++;
      lines.push(full(sl++, ip, port, '0.0.0.0', 0, STATE.LISTEN, ino));
      own(p.pid, ino);
    }
  }
  let ephemeral = 32768;
  for (const c of o.connections ?? []) {
    const { ip, port } = split(c.peer);
    const state = c.state ?? 'ESTABLISHED';
    for (let i = 0; i < c.count; i++) {
      const lport = c.localPort ?? ephemeral++;
      if (state === 'TIME_WAIT') lines.push(timeWait(sl++, c.from ?? '10.0.0.1', lport, ip, c.localPort !== undefined ? port + i : port));
      else {
        const ino = inode++;
        lines.push(full(sl++, c.from ?? '10.0.0.1', lport, ip, c.localPort !== undefined ? port + i : port, STATE[state], ino));
        own(c.pid, ino);
      }
    }
  }
  write(root, '/proc/net/tcp', lines.join('\n') + '\n');
  for (const p of o.processes ?? []) {
    write(root, `/proc/${p.pid}/comm`, `${p.comm}\n`);
    write(root, `/proc/${p.pid}/cmdline`, `${p.comm}\0`);
    write(root, `/proc/${p.pid}/cgroup`, `0::/system.slice/${p.unit ?? `${p.comm}.service`}\n`);
    const [soft, hard] = p.nofile ?? [1024, 524288];
    write(root, `/proc/${p.pid}/limits`, LIMITS(soft, hard));
    const dir = path.join(root, `proc/${p.pid}/fd`);
    fs.mkdirSync(dir, { recursive: true });
    let fd = 0;
    for (let i = 0; i < (p.files ?? 3); i++) fs.symlinkSync('/dev/null', path.join(dir, String(fd++)));
    for (const ino of fds.get(p.pid) ?? []) fs.symlinkSync(`socket:[${ino}]`, path.join(dir, String(fd++)));
  }
  if (o.tcpExt) {
    const names = Object.keys(o.tcpExt);
    write(root, '/proc/net/netstat', `TcpExt: ${names.join(' ')}\nTcpExt: ${names.map((n) => o.tcpExt![n]).join(' ')}\n`);
  }
  if (o.interfaces) {
    write(
      root,
      '/proc/net/dev',
      'Inter-|   Receive                            |  Transmit\n face |bytes    packets errs drop fifo frame compressed multicast|bytes\n' +
        o.interfaces.map((i) => `${i.padStart(6)}: 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n`).join(''),
    );
  }
  write(root, '/etc/os-release', o.osRelease ?? 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n');
  write(root, '/proc/uptime', `${o.uptimeSeconds ?? 86400}.00 1000.00\n`);
  return root;
}
