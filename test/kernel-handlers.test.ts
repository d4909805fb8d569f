// The kernel's proc handlers as knobs models them (src/core/kernel-handlers.ts):
// hand cases read from kernel/sysctl.c and net/ipv4/sysctl_net_ipv4.c (6.18.32),
// then the same model against this machine's kernel: every case and a few
// hundred generated texts are written, one write(2) of text + "\n" as both
// loaders do, to per-netns keys inside `unshare -n`, and read back.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coerceKernelVersion } from '../src/core/kernel-version.js';
import { acceptValue, handlerSpecFor, kernelReadText, type HandlerSpec, type WriteResult } from '../src/core/kernel-handlers.js';
import { requires } from './helpers/requires.js';
import { tempDir } from './helpers/temp.js';

const spec = (key: string, hz = 250): HandlerSpec => {
  const s = handlerSpecFor(key, '6.18.0', { hz });
  if (!s) throw new Error(`no spec for ${key}`);
  return s;
};

function value(r: WriteResult): string | null {
  return r.ok ? r.value : null;
}

describe('integers (proc_dointvec and friends)', () => {
  const fin = spec('net.ipv4.tcp_fin_timeout');
  it.each([
    ['43 # comment', '43'],
    ['43 44', '43'],
    ['  7\t', '7'],
    ['010', '8'],
    ['0x1f', '31'],
    ['0X1F', '31'],
    ['-0', '0'],
    ['-5', '-5'],
    ['8589934', '8589934'],
  ])('%j is stored as %s', (text, want) => {
    expect(value(acceptValue(fin, text))).toBe(want);
  });
  it.each([
    ['605# x', '"#" right after the number 605'],
    ['"42"', '"\\"" where a digit must be'],
    ["'1004'", `"'" where a digit must be`],
    ['', 'an empty value'],
    ['+3', '"+" where a digit must be'],
    ['08', '"8" right after the number 0'],
    ['0x', '"x" right after the number 0'],
    ['7\r', 'a carriage return right after the number 7'],
    ['9\f', 'a form feed right after the number 9'],
    ['5\\', '"\\\\" right after the number 5'],
    ['8589935', 'more than INT_MAX / HZ'],
    ['0000000000000000000001', 'a number of 21 characters or more'],
  ])('%j is rejected (%s)', (text, why) => {
    const r = acceptValue(fin, text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(why);
  });
  it('the jiffies bound follows HZ', () => {
    expect(acceptValue(spec('net.ipv4.tcp_fin_timeout', 1000), '8589934').ok).toBe(false);
    expect(acceptValue(spec('net.ipv4.tcp_fin_timeout', 1000), '2147483').ok).toBe(true);
  });
  it('says which text the kernel did not read', () => {
    expect(acceptValue(fin, '43 # comment')).toEqual({ ok: true, value: '43', ignored: '# comment' });
  });
});

describe('vectors store field by field', () => {
  const rmem = spec('net.ipv4.tcp_rmem');
  const cur = { current: '4096 131072 6291456' };
  it('fields not given keep their value', () => {
    expect(value(acceptValue(rmem, '4096 100000', cur))).toBe('4096 100000 6291456');
  });
  it('extra fields are ignored', () => {
    expect(acceptValue(rmem, '5000 6000 7000 8000', cur)).toEqual({ ok: true, value: '5000 6000 7000', ignored: '8000' });
  });
  it('a bad second field fails the write after the first is stored', () => {
    expect(acceptValue(rmem, '4097 x', cur)).toMatchObject({ ok: false, stored: '4097 131072 6291456' });
  });
  it('the minimum applies to every field', () => {
    expect(acceptValue(rmem, '1 0 1', cur)).toMatchObject({ ok: false, stored: '1 131072 6291456' });
  });
});

describe('unsigned and u8 handlers', () => {
  const cookies = spec('net.ipv4.tcp_syncookies');
  it.each([['-0'], ['256'], ['-1'], ['']])('%j is rejected by a u8', (text) => {
    expect(acceptValue(cookies, text).ok).toBe(false);
  });
  it('255 fits, trailing text is never read', () => {
    expect(acceptValue(cookies, '255 junk')).toEqual({ ok: true, value: '255', ignored: 'junk' });
  });
  it('tcp_syn_retries is 1..127 and tcp_tw_reuse 0..2', () => {
    expect(acceptValue(spec('net.ipv4.tcp_syn_retries'), '0').ok).toBe(false);
    expect(acceptValue(spec('net.ipv4.tcp_syn_retries'), '127').ok).toBe(true);
    expect(acceptValue(spec('net.ipv4.tcp_tw_reuse'), '3').ok).toBe(false);
  });
  it('tcp_tw_reuse before 4.18 is a plain int (kernel-facts-review W1)', () => {
    expect(value(acceptValue(handlerSpecFor('net.ipv4.tcp_tw_reuse', '4.15.0')!, '2'))).toBe('2');
    expect(value(acceptValue(handlerSpecFor('net.ipv4.tcp_tw_reuse', '4.15.0')!, '-1'))).toBe('-1');
  });
  it('fs.file-max takes up to 2^63 - 1, compared exactly', () => {
    const fm = spec('fs.file-max');
    expect(value(acceptValue(fm, '9223372036854775807'))).toBe('9223372036854775807');
    expect(acceptValue(fm, '9223372036854775808').ok).toBe(false);
  });
});

describe('ip_local_port_range and ip_local_reserved_ports', () => {
  const range = spec('net.ipv4.ip_local_port_range');
  const read = (k: string) => (k === 'net.ipv4.ip_unprivileged_port_start' ? '1024' : undefined);
  it('one field pairs with the current high end', () => {
    expect(value(acceptValue(range, '40000', { current: '32768 60999', read }))).toBe('40000 60999');
  });
  it('low above high, or below ip_unprivileged_port_start, is rejected whole', () => {
    expect(acceptValue(range, '5000 4000', { current: '32768 60999', read })).toMatchObject({ ok: false });
    expect(acceptValue(range, '1000 2000', { current: '32768 60999', read })).toMatchObject({ ok: false, reason: expect.stringContaining('ip_unprivileged_port_start') });
  });
  const reserved = spec('net.ipv4.ip_local_reserved_ports');
  it.each([
    ['1,3-5,', '1,3-5'],
    ['', ''],
    ['10-12,11', '10-12'],
    ['8080', '8080'],
  ])('%j reads back %j', (text, want) => {
    expect(value(acceptValue(reserved, text))).toBe(want);
  });
  it.each([['8,9-'], ['7 , 8'], [' 1'], ['5-3'], ['65536']])('%j is rejected', (text) => {
    expect(acceptValue(reserved, text).ok).toBe(false);
  });
});

describe('handlerSpecFor', () => {
  it('knows per-interface IPv4 settings and their read-only member', () => {
    expect(handlerSpecFor('net.ipv4.conf.eth0/200.rp_filter', '6.18.0')?.handler).toBe('proc_dointvec');
    expect(handlerSpecFor('net.ipv4.conf.lo.mc_forwarding', '6.18.0')?.handler).toBe('read_only');
  });
  it('reads plain numeric handlers from the kernel source data, per version', () => {
    // vm.swappiness: proc_dointvec_minmax 0..100, 0..200 from 5.8 (mm/vmscan.c, kernel/sysctl.c)
    expect(handlerSpecFor('vm.swappiness', '5.4.0')).toMatchObject({ handler: 'proc_dointvec_minmax', min: '0', max: '100', source: 'kernel-source' });
    expect(handlerSpecFor('vm.swappiness', '6.1.0')).toMatchObject({ max: '200' });
    // vm.vfs_cache_pressure before 4.18: proc_dointvec with extra1 = &zero, which proc_dointvec never reads
    expect(handlerSpecFor('vm.vfs_cache_pressure', '4.15.0')).toEqual({ handler: 'proc_dointvec', source: 'kernel-source' });
    // kernel.pid_max: extra1 = &pid_max_min, not a constant: no claim rather than a half-known bound
    expect(handlerSpecFor('kernel.pid_max', '6.1.0')).toBeNull();
  });
  it('falls back to the catalogue, and makes no claim for keys nobody describes', () => {
    expect(handlerSpecFor('net.netfilter.nf_conntrack_tcp_timeout_established', '6.18.0')?.source).toBe('catalogue');
    expect(handlerSpecFor('net.ipv6.conf.all.forwarding', '6.18.0')).toBeNull();
  });
  it('kernel read-back separates vector fields with tabs', () => {
    expect(kernelReadText(spec('net.ipv4.tcp_rmem'), '4096 131072 6291456')).toBe('4096\t131072\t6291456');
  });
});

// ---- the same model against the running kernel -----------------------------

const NS = requires('unshare -n');

interface LiveCase {
  key: string;
  /** Writes that put the key (and its partners) in a known state first. */
  setup: [string, string][];
  text: string;
}

const LIVE_KEYS: { key: string; setup: [string, string][] }[] = [
  { key: 'net.ipv4.tcp_fin_timeout', setup: [['net.ipv4.tcp_fin_timeout', '60']] },
  { key: 'net.ipv4.tcp_keepalive_time', setup: [['net.ipv4.tcp_keepalive_time', '7200']] },
  { key: 'net.ipv4.tcp_max_syn_backlog', setup: [['net.ipv4.tcp_max_syn_backlog', '512']] },
  { key: 'net.ipv4.tcp_rmem', setup: [['net.ipv4.tcp_rmem', '4096 131072 6291456']] },
  { key: 'net.ipv4.tcp_syncookies', setup: [['net.ipv4.tcp_syncookies', '1']] },
  { key: 'net.ipv4.tcp_syn_retries', setup: [['net.ipv4.tcp_syn_retries', '6']] },
  { key: 'net.ipv4.tcp_tw_reuse', setup: [['net.ipv4.tcp_tw_reuse', '2']] },
  { key: 'net.ipv4.tcp_tw_reuse_delay', setup: [['net.ipv4.tcp_tw_reuse_delay', '1000']] },
  { key: 'net.core.somaxconn', setup: [['net.core.somaxconn', '4096']] },
  { key: 'net.ipv4.conf.lo.rp_filter', setup: [['net.ipv4.conf.lo.rp_filter', '0']] },
  {
    key: 'net.ipv4.ip_local_port_range',
    setup: [['net.ipv4.ip_unprivileged_port_start', '1024'], ['net.ipv4.ip_local_port_range', '32768 60999']],
  },
  {
    key: 'net.ipv4.ip_unprivileged_port_start',
    setup: [['net.ipv4.ip_local_port_range', '32768 60999'], ['net.ipv4.ip_unprivileged_port_start', '1024']],
  },
  { key: 'net.ipv4.ip_local_reserved_ports', setup: [['net.ipv4.ip_local_reserved_ports', '7']] },
];

const HAND_TEXTS = [
  '43 # comment', '605# x', '"42"', "'1004'", '', '+3', '3\\', '010', '08', '0x1f', '0x', '-0', '-1', '7\r', '9\f', '9\v',
  ' 12 ', '12\t13', '\u00a05', '5\u00a0', '255', '256', '65535', '65536', '2147483647', '2147483648', '-2147483648',
  '4294967295', '4294967296', '8589934', '8589935', '0000000000000000000001', '1 2 3 4', '4096 100000', '4097 x',
  '40000', '5000 4000', '1000 2000', '1,3-5,', '10-12,11', '8,9-', '7 , 8', '1-', '0', '127', '128', '60000', '60001',
];

/** Texts built from the pieces the handlers react to. Deterministic per seed. */
function generatedTexts(n: number, seed: number): string[] {
  const piece = fc.oneof(
    fc.constantFrom('0', '1', '7', '08', '0x1F', '0x', '-', '+', ' ', '\t', '\r', '\f', '#', ',', '-', 'x', '"', '\u00a0', '\\'),
    fc.bigInt({ min: 0n, max: 2n ** 33n }).map(String),
    fc.constantFrom('255', '256', '65535', '2147483647', '2147483648', '4294967296', '8589935', '32768', '60999'),
  );
  return fc.sample(fc.array(piece, { minLength: 0, maxLength: 5 }).map((xs) => xs.join('')), { numRuns: n, seed });
}

const CHILD = String.raw`
import fs from 'node:fs';
const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const path = (k) => '/proc/sys/' + k.split('.').map((c) => c.replace(/\//g, '.')).join('/');
const write = (k, text) => {
  const fd = fs.openSync(path(k), 'w');
  try { fs.writeSync(fd, Buffer.from(text + '\n', 'latin1')); return null; }
  catch (e) { return e.code; }
  finally { fs.closeSync(fd); }
};
const read = (k) => fs.readFileSync(path(k), 'latin1').trim().split(/\s+/).join(' ');
// HZ: the largest tcp_fin_timeout the kernel takes is INT_MAX / HZ.
let hz = null;
for (const h of [100, 250, 300, 1000]) {
  const top = Math.floor(2147483647 / h);
  if (write('net.ipv4.tcp_fin_timeout', String(top)) === null && write('net.ipv4.tcp_fin_timeout', String(top + 1)) !== null) hz = h;
}
const out = cases.map((c) => {
  for (const [k, v] of c.setup) write(k, v);
  const before = read(c.key);
  const errno = write(c.key, Buffer.from(c.text, 'base64').toString('latin1'));
  return { before, errno, after: read(c.key) };
});
process.stdout.write(JSON.stringify({ hz, out }));
`;

describe.skipIf(NS.skip)(NS.title('the model against this kernel (writes inside unshare -n)'), () => {
  const runs = Number(process.env.KNOBS_ORACLE_RUNS ?? 1);
  const texts = [...HAND_TEXTS, ...generatedTexts(40 * runs, 20251203 + runs)];
  const cases: LiveCase[] = LIVE_KEYS.flatMap(({ key, setup }) => texts.map((text) => ({ key, setup, text })));
  const dir = tempDir('knobs-handlers-');
  writeFileSync(path.join(dir, 'child.mjs'), CHILD);
  writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases.map((c) => ({ ...c, text: Buffer.from(c.text, 'latin1').toString('base64') }))));
  const r = spawnSync('unshare', ['-n', process.execPath, path.join(dir, 'child.mjs'), path.join(dir, 'cases.json')], { encoding: 'utf8' });
  const live = r.status === 0 ? (JSON.parse(r.stdout) as { hz: number | null; out: { before: string; errno: string | null; after: string }[] }) : null;

  it('the child ran and found HZ', () => {
    expect(r.stderr).toBe('');
    expect(live?.hz).not.toBeNull();
  });

  const version = coerceKernelVersion(readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim());
  it(`${cases.length} writes: accepted or not, and the value read back, as the model says`, () => {
    const wrong: string[] = [];
    cases.forEach((c, i) => {
      const got = live!.out[i]!;
      const s = handlerSpecFor(c.key, version, { hz: live!.hz! })!;
      const setupValue = (k: string) => [...c.setup].reverse().find(([sk]) => sk === k)?.[1];
      const m = acceptValue(s, c.text, { current: got.before, read: setupValue, loader: 'systemd' });
      const want = m.ok ? m.value : (m.stored ?? got.before);
      if (m.ok !== (got.errno === null) || want !== got.after) {
        wrong.push(`${c.key} ← ${JSON.stringify(c.text)}: kernel ${got.errno ?? 'ok'} → ${JSON.stringify(got.after)}, model ${m.ok ? 'ok' : m.errno} → ${JSON.stringify(want)}`);
      }
    });
    expect(wrong).toEqual([]);
  });
});
