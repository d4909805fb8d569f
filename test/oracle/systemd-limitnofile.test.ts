// A differential oracle for knobs' LimitNOFILE= model: the machine's own systemd parses
// the unit files with `systemd --test --system --unit=…`, which loads the units and dumps
// what it understood (Fragment Path, DropIn Path, LimitNOFILE, LimitNOFILESoft, load
// state) plus the parse warnings with file:line. It runs inside a private mount namespace
// with tmpfs over /etc/systemd, /run, /usr/local/lib and /usr/lib/systemd/system (the unit
// search path), so the machine's own files are neither read nor written. The same files
// are a --root tree for knobs.
//
// What this oracle cannot check, and why:
// - PID 1 is not systemd here, and `systemd --test` refuses to run as root, so it runs as
//   nobody (setpriv). As a non-PID-1 it reads the USER manager configuration (user.conf and
//   user.conf.d, found through XDG_CONFIG_HOME) instead of system.conf: the manager part of
//   the oracle checks DefaultLimitNOFILE= parsing and drop-in merging on those paths
//   (same code: config_parse_many), not system.conf's own directory list.
// - For the same reason the built-in default (no DefaultLimitNOFILE= anywhere) is the
//   user-mode one (soft min(caller's, 1024), hard the caller's), not PID 1's 1024:524288.
// - `systemctl show` needs a running manager; the effective limit a started service gets
//   (hard above fs.nr_open lowered by setrlimit_closest) is not observed, only the parsed one.
// - Unit aliases (symlinks naming another unit) and generator directories are not generated.

import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HostFs } from '../../src/host/host-fs.js';
import { readManagerLayers, readUnitLayers } from '../../src/host/limits.js';
import { resolveSetting } from '../../src/core/systemd-unit.js';
import { parseProcLimits } from '../../src/core/proc-limits.js';
import { tempDir } from '../helpers/temp.js';
import { requires, SYSTEMD_BIN } from '../helpers/requires.js';
import { mulberry32 } from '../helpers/random.js';

const NEEDS = requires('root', 'unshare -m', 'systemd --test');

const SCRIPT = `set -u
root="$1"; unit="$2"
for d in /etc/systemd /run /usr/local/lib /usr/lib/systemd/system; do
  mount -t tmpfs tmpfs "$d" || exit 97
  mountpoint -q "$d" || exit 97
done
cp -a "$root/etc/systemd/." /etc/systemd/
cp -a "$root/run/." /run/
cp -a "$root/usr/local/lib/." /usr/local/lib/
cp -a "$root/usr/lib/systemd/system/." /usr/lib/systemd/system/
chmod -R a+rX /etc/systemd /run /usr/local/lib /usr/lib/systemd/system
exec setpriv --reuid=65534 --regid=65534 --clear-groups env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin XDG_CONFIG_HOME=/etc/systemd/xdg SYSTEMD_LOG_TARGET=console ${SYSTEMD_BIN ?? 'systemd'} --test --system --unit="$unit" --no-pager
`;

const UNIT_DIRS = ['/etc/systemd/system', '/run/systemd/system', '/usr/local/lib/systemd/system', '/usr/lib/systemd/system'];
/** User-mode manager configuration (what a non-PID-1 systemd reads): main files and drop-in dirs. */
const USER_CONF = ['/etc/systemd/xdg/systemd/user.conf', '/etc/systemd/user.conf'];
const USER_CONF_D = ['/etc/systemd/xdg/systemd', '/etc/systemd', '/run/systemd', '/usr/local/lib/systemd', '/usr/lib/systemd', '/lib/systemd'].map((d) => `${d}/user.conf.d`);
const TARGET = 'knobs-oracle.target';

type Entry = string | { link: string } | { dir: true } | { bytes: Buffer };
interface Case {
  name: string;
  /** host path → content. */
  files: Record<string, Entry>;
  units: string[];
}

const svc = (...lines: string[]) => `[Service]\nExecStart=/bin/true\n${lines.join('\n')}\n`;

const PINNED: Case[] = [
  { name: 'an empty LimitNOFILE= is a parse error that keeps the earlier value', units: ['foo.service'], files: { '/etc/systemd/system/foo.service': svc('LimitNOFILE=4096'), '/etc/systemd/system/foo.service.d/a.conf': '[Service]\nLimitNOFILE=\n' } },
  { name: 'numbers: 0x100 is 256, 010 is 8, 0b1000 is 8, 0o17 is 15', units: ['a.service', 'b.service', 'c.service'], files: { '/etc/systemd/system/a.service': svc('LimitNOFILE=0x100'), '/etc/systemd/system/b.service': svc('LimitNOFILE=010:0b1000'), '/etc/systemd/system/c.service': svc('LimitNOFILE=0o17') } },
  { name: 'rejected: "4096 : 8192", 18446744073709551615, 08, 4096:, 1:2:3, soft above hard', units: ['a.service'], files: { '/etc/systemd/system/a.service': svc('LimitNOFILE=1000', 'LimitNOFILE=4096 : 8192', 'LimitNOFILE=18446744073709551615', 'LimitNOFILE=08', 'LimitNOFILE=4096:', 'LimitNOFILE=1:2:3', 'LimitNOFILE=8192:4096', 'LimitNOFILE=4096 :8192') } },
  { name: 'accepted: "4096: 8192", "1:2:", -0, +5, a backslash escape, 18446744073709551614', units: ['a.service', 'b.service', 'c.service', 'd.service'], files: { '/etc/systemd/system/a.service': svc('LimitNOFILE=4096: 8192'), '/etc/systemd/system/b.service': svc('LimitNOFILE=1:2:'), '/etc/systemd/system/c.service': svc('LimitNOFILE=-0', 'LimitNOFILE=+5'), '/etc/systemd/system/d.service': svc('LimitNOFILE=4\\\\096', 'LimitNOFILE=18446744073709551614') } },
  { name: 'a unit and a drop-in under /usr/local/lib/systemd/system', units: ['local.service', 'foo.service'], files: { '/usr/local/lib/systemd/system/local.service': svc('LimitNOFILE=7000'), '/etc/systemd/system/foo.service': svc('LimitNOFILE=1'), '/usr/local/lib/systemd/system/foo.service.d/x.conf': '[Service]\nLimitNOFILE=7100\n' } },
  { name: 'the same drop-in name shadows across directories (/etc beats /run beats /usr/local/lib beats /usr/lib)', units: ['foo.service'], files: { '/usr/lib/systemd/system/foo.service': svc('LimitNOFILE=1'), '/usr/lib/systemd/system/foo.service.d/50-x.conf': '[Service]\nLimitNOFILE=100\n', '/run/systemd/system/foo.service.d/50-x.conf': '[Service]\nLimitNOFILE=200\n', '/usr/local/lib/systemd/system/foo.service.d/60-y.conf': '[Service]\nLimitNOFILE=300\n', '/etc/systemd/system/foo.service.d/40-z.conf': '[Service]\nLimitNOFILE=400\n' } },
  { name: 'a drop-in of a prefix directory shadows the unit\'s own one of the same name in a lower directory', units: ['foo-bar.service'], files: { '/usr/lib/systemd/system/foo-bar.service': svc(), '/usr/lib/systemd/system/foo-bar.service.d/x.conf': '[Service]\nLimitNOFILE=100\n', '/etc/systemd/system/foo-.service.d/x.conf': '[Service]\nLimitNOFILE=200\n' } },
  { name: 'masking a drop-in: /dev/null or an empty file of the same name', units: ['foo.service'], files: { '/usr/lib/systemd/system/foo.service': svc('LimitNOFILE=1'), '/usr/lib/systemd/system/foo.service.d/a.conf': '[Service]\nLimitNOFILE=100\n', '/usr/lib/systemd/system/foo.service.d/b.conf': '[Service]\nLimitNOFILE=200\n', '/etc/systemd/system/foo.service.d/b.conf': { link: '/dev/null' }, '/run/systemd/system/foo.service.d/a.conf': '' } },
  { name: 'which names are read: hidden, backup and non-.conf names are not', units: ['foo.service'], files: { '/etc/systemd/system/foo.service': svc('LimitNOFILE=1'), '/etc/systemd/system/foo.service.d/.h.conf': '[Service]\nLimitNOFILE=10\n', '/etc/systemd/system/foo.service.d/x.conf~': '[Service]\nLimitNOFILE=11\n', '/etc/systemd/system/foo.service.d/y.conf.bak': '[Service]\nLimitNOFILE=12\n', '/etc/systemd/system/foo.service.d/z.CONF': '[Service]\nLimitNOFILE=13\n', '/etc/systemd/system/foo.service.d/a.conf.dpkg-old': '[Service]\nLimitNOFILE=14\n', '/etc/systemd/system/foo.service.d/conf': '[Service]\nLimitNOFILE=15\n', '/etc/systemd/system/foo.service.d/ok.conf': '[Service]\nLimitNOFILE=16\n' } },
  { name: 'templates: instance file beats template; template.d and instance.d, type dir last', units: ['tpl@a.service', 'tpl@b.service'], files: { '/usr/lib/systemd/system/tpl@.service': svc('LimitNOFILE=100'), '/etc/systemd/system/tpl@b.service': svc('LimitNOFILE=200'), '/usr/lib/systemd/system/tpl@.service.d/10.conf': '[Service]\nLimitNOFILE=300\n', '/etc/systemd/system/tpl@a.service.d/20.conf': '[Service]\nLimitNOFILE=400\n', '/run/systemd/system/service.d/05.conf': '[Service]\nLimitNOFILE=500\n' } },
  { name: 'dash prefixes of an instance: a-.service.d, a-@x.service.d, a-@.service.d', units: ['a-b@x.service'], files: { '/usr/lib/systemd/system/a-b@.service': svc(), '/etc/systemd/system/a-.service.d/1.conf': '[Service]\nLimitNOFILE=11\n', '/etc/systemd/system/a-@x.service.d/2.conf': '[Service]\nLimitNOFILE=12\n', '/etc/systemd/system/a-@.service.d/3.conf': '[Service]\nLimitNOFILE=13\n', '/etc/systemd/system/a-b@.service.d/0.conf': '[Service]\nLimitNOFILE=10\n' } },
  { name: 'a masked unit (/dev/null) and an empty unit file', units: ['m.service', 'e.service'], files: { '/etc/systemd/system/m.service': { link: '/dev/null' }, '/usr/lib/systemd/system/m.service': svc('LimitNOFILE=9'), '/etc/systemd/system/e.service': '', '/run/systemd/system/service.d/a.conf': '[Service]\nLimitNOFILE=77\n' } },
  { name: 'a fatal section header fails the unit; in a drop-in it only ends that drop-in', units: ['bad.service', 'ok.service'], files: { '/etc/systemd/system/bad.service': svc('LimitNOFILE=5', '[Service', 'LimitNOFILE=6'), '/etc/systemd/system/ok.service': svc('LimitNOFILE=7'), '/etc/systemd/system/ok.service.d/a.conf': '[Service]\nLimitNOFILE=8\n[Ser"vice]\nLimitNOFILE=9\n', '/etc/systemd/system/ok.service.d/b.conf': '[Service]\n' } },
  { name: 'line ends: CR, CRLF, NUL; continuation (reported at its last line); comments inside it; BOM', units: ['a.service', 'b.service'], files: { '/etc/systemd/system/a.service': '\ufeff[Service]\rExecStart=/bin/true\r\nLimitNOFILE=4\\\n# c\n096\nLimitNOFILE=x\n', '/etc/systemd/system/b.service': { bytes: Buffer.from('[Service]\nExecStart=/bin/true\nLimitNOFILE=12\0LimitNOFILE=bad\n', 'latin1') } } },
  { name: 'invalid UTF-8 stops the file', units: ['a.service'], files: { '/etc/systemd/system/a.service': svc('LimitNOFILE=100'), '/etc/systemd/system/a.service.d/x.conf': { bytes: Buffer.from('[Service]\nLimitNOFILE=200\nDescription=\xff\nLimitNOFILE=300\n', 'latin1') } } },
  { name: 'sections: unknown, X-, lower-case, outside any section', units: ['a.service'], files: { '/etc/systemd/system/a.service': 'LimitNOFILE=1\n[Service]\nExecStart=/bin/true\nLimitNOFILE=100\n[service]\nLimitNOFILE=200\n[X-Mine]\nLimitNOFILE=300\n[Unit]\nLimitNOFILE=400\njunk\n=5\n' } },
  { name: 'manager: DefaultLimitNOFILE= from user.conf and drop-ins; an empty one keeps the earlier', units: ['plain.service'], files: { '/etc/systemd/system/plain.service': svc(), '/etc/systemd/xdg/systemd/user.conf': '[Manager]\nDefaultLimitNOFILE=777:7777\n', '/etc/systemd/user.conf.d/a.conf': '[Manager]\nDefaultLimitNOFILE=\n', '/usr/lib/systemd/user.conf.d/b.conf': '[Manager]\nDefaultLimitNOFILE=0x300:0x3000\n', '/run/systemd/user.conf.d/b.conf': '[Manager]\nDefaultLimitNOFILE=888:8888\n' } },
  { name: 'manager: a fatal error in the main file stops the drop-ins too', units: ['plain.service'], files: { '/etc/systemd/system/plain.service': svc(), '/etc/systemd/xdg/systemd/user.conf': '[Manager]\nDefaultLimitNOFILE=700:7000\n[Manager\n', '/etc/systemd/user.conf.d/a.conf': '[Manager]\nDefaultLimitNOFILE=800:8000\n' } },
];

// ---- the grammar ------------------------------------------------------------------------

const VALUES = [
  '1024', '4096:8192', '0x100', '010', '08', '0b11', '0o17', '-0', '-5', '+5', '4096 : 8192', '4096: 8192', '4096 :8192', '8192:4096',
  '1:2:3', '4096:', '1:2:', ':5', '18446744073709551615', '18446744073709551614', '99999999999999999999', 'infinity', 'infinity:4096',
  '4096:infinity', 'infinity:infinity', '"4096"', "'4096'", '4\\096', 'INFINITY', '', '4096 # c', '0', '1e3', '0x', '0b', '0X20:0x40', '524288', '1048576',
];

function generate(seed: number, count: number): Case[] {
  const rnd = mulberry32(seed);
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const chance = (p: number) => rnd() < p;
  const value = () => (chance(0.5) ? String(1 + Math.floor(rnd() * 2_000_000)) : pick(VALUES));
  const body = (manager: boolean): string => {
    const key = manager ? 'DefaultLimitNOFILE' : 'LimitNOFILE';
    const lines: string[] = [manager ? '[Manager]' : '[Service]'];
    for (let n = 1 + Math.floor(rnd() * 4); n > 0; n--) {
      const r = rnd();
      if (r < 0.55) lines.push(`${pick(['', ' ', '\t'])}${key}${pick(['=', ' = ', '= ', ' ='])}${value()}${pick(['', '', ' ', '\t'])}`);
      else if (r < 0.62) lines.push(`${pick(['#', ';', '  #'])} ${key}=${value()}`);
      else if (r < 0.67) lines.push(`${key}=${String(Math.floor(rnd() * 90) + 10)}\\`, String(Math.floor(rnd() * 900) + 100));
      else if (r < 0.72) lines.push(pick(['[Unit]', '[X-Test]', manager ? '[manager]' : '[service]', manager ? '[Manager]' : '[Service]']));
      else if (r < 0.75) lines.push(pick(['junk', '=5', `${key.toLowerCase()}=77`]));
      else if (r < 0.77) lines.push(manager ? '[Manager' : '[Service');
      else lines.push(`${key}=${value()}`);
    }
    const eol = pick(['\n', '\n', '\n', '\r\n', '\r']);
    return (chance(0.05) ? '\ufeff' : '') + lines.join(eol) + (chance(0.9) ? eol : '');
  };
  const FRAGMENTS = ['foo.service', 'foo-bar-baz.service', 'tpl@.service', 'a-b@.service', 'tpl@a.service'];
  const UNITS = ['foo.service', 'foo-bar-baz.service', 'tpl@a.service', 'tpl@b.service', 'a-b@x-y.service'];
  const DROPIN_DIRS = ['foo.service.d', 'foo-bar-baz.service.d', 'foo-bar-.service.d', 'foo-.service.d', 'tpl@a.service.d', 'tpl@.service.d', 'a-b@x-y.service.d', 'a-b@.service.d', 'a-.service.d', 'a-@x-y.service.d', 'a-@.service.d', 'service.d'];
  const NAMES = ['10-a.conf', '20-b.conf', 'override.conf', '50-x.conf', '.hidden.conf', 'x.conf~', 'y.conf.bak', 'a.CONF', 'noconf', '99-z.conf', '10-a.conf', 'override.conf'];
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const files: Record<string, Entry> = {};
    for (const f of FRAGMENTS) {
      if (f === 'tpl@a.service' && !chance(0.3)) continue;
      if (chance(0.05)) continue;
      const text = `[Service]\nExecStart=/bin/true\n${body(false).replace(/^\ufeff?\[Service\](\r\n|\r|\n)?/, '')}`;
      files[`${pick(UNIT_DIRS)}/${f}`] = chance(0.05) ? { link: '/dev/null' } : text;
      if (chance(0.2)) files[`${pick(UNIT_DIRS)}/${f}`] = `[Service]\nExecStart=/bin/true\nLimitNOFILE=${value()}\n`;
    }
    for (let n = Math.floor(rnd() * 7); n > 0; n--) {
      const p = `${pick(UNIT_DIRS)}/${pick(DROPIN_DIRS)}/${pick(NAMES)}`;
      const r = rnd();
      files[p] = r < 0.06 ? { link: '/dev/null' } : r < 0.1 ? '' : body(false);
    }
    if (chance(0.7)) files[USER_CONF[0]!] = chance(0.8) ? `[Manager]\nDefaultLimitNOFILE=${pick(['777:7777', '900:9000', value()])}\n` : body(true);
    // Only directories the namespace replaces (/usr/lib/systemd itself holds the systemd binary).
    const confDirs = USER_CONF_D.filter((d) => !d.startsWith('/lib') && !d.startsWith('/usr/lib'));
    for (let n = Math.floor(rnd() * 3); n > 0; n--) files[`${pick(confDirs)}/${pick(['10-a.conf', '20-b.conf', '.h.conf'])}`] = body(true);
    cases.push({ name: `generated #${i}`, files, units: UNITS });
  }
  return cases;
}

interface Dumped {
  load: string;
  fragment: string | null;
  dropins: string[];
  nofile: string | null;
}

/** The first "-> Unit X:" block of each unit in the dump. */
function parseDump(out: string): Map<string, Dumped> {
  const units = new Map<string, Dumped>();
  let cur: Dumped | null = null;
  for (const line of out.split('\n')) {
    const m = /^\t-> Unit (.+):$/.exec(line);
    if (m) {
      cur = units.has(m[1]!) ? null : { load: '?', fragment: null, dropins: [], nofile: null };
      if (cur) units.set(m[1]!, cur);
      continue;
    }
    if (!line.startsWith('\t\t')) {
      cur = null;
      continue;
    }
    if (!cur) continue;
    const kv = /^\t\t([^:]+): (.*)$/.exec(line);
    if (!kv) continue;
    const [, k, v] = kv;
    if (k === 'Unit Load State') cur.load = v!;
    else if (k === 'Fragment Path') cur.fragment = v!;
    else if (k === 'DropIn Path') cur.dropins.push(v!);
    else if (k === 'LimitNOFILESoft') cur.nofile = `${v}:${cur.nofile ?? '?'}`;
    else if (k === 'LimitNOFILE') cur.nofile = v!;
  }
  return units;
}

/** `file:line: message` warnings about LimitNOFILE=/DefaultLimitNOFILE= values and file structure. */
function parseWarnings(out: string): Set<string> {
  const w = new Set<string>();
  for (const line of out.split('\n')) {
    const m = /^(\/[^:]+):(\d+): (.*)$/.exec(line);
    if (!m) continue;
    const kind = classify(m[3]!);
    if (kind) w.add(`${m[1]}:${m[2]} ${kind}`);
  }
  return w;
}

function classify(message: string): string | null {
  if (message.startsWith('Failed to parse resource value')) return 'bad-value';
  if (message.startsWith('Soft resource limit chosen higher')) return 'soft-above-hard';
  if (message.startsWith('Invalid section header') || message.startsWith('Bad characters in section header')) return 'bad-section';
  if (/not UTF-8 clean/.test(message)) return 'bad-utf8';
  if (message.startsWith('Unknown section')) return 'unknown-section';
  if (message.startsWith('Assignment outside of section')) return 'outside-section';
  if (message.startsWith("Missing '='")) return 'missing-equals';
  if (message.startsWith('Missing key name')) return 'missing-key';
  return null;
}

function classifyKnobs(message: string): string | null {
  if (/Soft resource limit chosen higher/.test(message)) return 'soft-above-hard';
  if (/Failed to parse resource value/.test(message)) return 'bad-value';
  return classify(message.replace(/^[^:]*: /, '')) ?? classify(message);
}

const INF = '18446744073709551615';
const fmtSetting = (s: { soft: number | null; hard: number | null; exact?: { soft: string | null; hard: string | null } }) => {
  const one = (n: number | null, e: string | null | undefined) => (n === null ? INF : e ?? String(BigInt(n)));
  return `${one(s.soft, s.exact?.soft)}:${one(s.hard, s.exact?.hard)}`;
};

const SEED = Number(process.env.KNOBS_SYSTEMD_ORACLE_SEED ?? Math.floor(Math.random() * 2 ** 31));
const COUNT = Number(process.env.KNOBS_SYSTEMD_ORACLE_CASES ?? 40);

describe.skipIf(NEEDS.skip)(NEEDS.title(`LimitNOFILE= oracle: systemd --test inside unshare -m (${PINNED.length} pinned + ${COUNT} generated trees, seed ${SEED})`), () => {
  const tmp = tempDir('knobs-systemd-oracle-');
  const script = path.join(tmp, 'run.sh');
  fs.writeFileSync(script, SCRIPT);
  const self = parseProcLimits(fs.readFileSync('/proc/self/limits', 'utf8'));
  // User-mode fallback_rlimit_nofile(): soft min(caller's, FD_SETSIZE), hard the caller's.
  const fallback = { soft: Math.min(self.nofile!.soft ?? 1024, 1024), hard: self.nofile!.hard };
  const libIsLink = fs.lstatSync('/lib').isSymbolicLink();

  const stage = (c: Case, i: number): string => {
    const root = path.join(tmp, `case${i}`);
    for (const d of ['etc/systemd/system', 'run/systemd', 'usr/local/lib', 'usr/lib/systemd/system']) fs.mkdirSync(path.join(root, d), { recursive: true });
    if (libIsLink) fs.symlinkSync(fs.readlinkSync('/lib'), path.join(root, 'lib'));
    fs.writeFileSync(path.join(root, 'etc/systemd/system', TARGET), `[Unit]\nWants=${c.units.join(' ')}\n`);
    for (const [p, v] of Object.entries(c.files)) {
      const full = path.join(root, p);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      if (typeof v === 'string') fs.writeFileSync(full, v);
      else if ('link' in v) fs.symlinkSync(v.link, full);
      else if ('dir' in v) fs.mkdirSync(full);
      else fs.writeFileSync(full, v.bytes);
    }
    return root;
  };

  const compare = (c: Case, root: string, out: string): string[] => {
    const dump = parseDump(out);
    const warnings = parseWarnings(out);
    const hfs = new HostFs(root);
    const mgr = readManagerLayers(hfs, USER_CONF, USER_CONF_D);
    const dflt = resolveSetting(mgr.layers, 'Manager', 'DefaultLimitNOFILE');
    const defaultNofile = dflt.winner ? fmtSetting(dflt.winner.setting) : fmtSetting(fallback);
    const knobsWarnings = new Set<string>();
    const addWarn = (file: string, line: number | null, message: string) => {
      const k = classifyKnobs(message);
      if (k && line !== null) knobsWarnings.add(`${file}:${line} ${k}`);
    };
    for (const p of mgr.problems) addWarn(p.file, p.line, p.message);
    for (const inv of dflt.invalid) addWarn(inv.file, inv.line, inv.message);
    const problems: string[] = [];
    for (const unit of c.units) {
      const got = dump.get(unit);
      const u = readUnitLayers(hfs, unit);
      for (const p of u.problems) addWarn(p.file, p.line, p.message);
      const s = resolveSetting(u.layers, 'Service', 'LimitNOFILE');
      // A unit that fails to load was still parsed up to its fatal line, and a masked unit's
      // drop-ins are parsed too: their warnings count.
      if (u.unitFile) for (const inv of s.invalid) addWarn(inv.file, inv.line, inv.message);
      if (u.masked) for (const inv of resolveSetting(u.parsedDropins, 'Service', 'LimitNOFILE').invalid) addWarn(inv.file, inv.line, inv.message);
      const load = u.masked ? 'masked' : u.unitFile === null ? 'not-found' : u.loadError ? 'error' : 'loaded';
      const want: Dumped = {
        load,
        fragment: u.unitFile,
        dropins: load === 'loaded' || load === 'masked' ? u.dropins : [],
        nofile: load === 'loaded' ? (s.winner ? fmtSetting(s.winner.setting) : defaultNofile) : null,
      };
      const have: Dumped = got
        ? { ...got, fragment: got.load === 'not-found' ? null : got.fragment, dropins: got.load === 'loaded' || got.load === 'masked' ? got.dropins : [], nofile: got.load === 'loaded' ? got.nofile : null }
        : { load: 'absent from the dump', fragment: null, dropins: [], nofile: null };
      if (JSON.stringify(want) !== JSON.stringify(have)) problems.push(`${c.name} ${unit}: systemd ${JSON.stringify(have)}, knobs ${JSON.stringify(want)}`);
    }
    // The same warnings, by file:line and kind (each file is parsed once per unit that reads it: compare sets).
    const missing = [...warnings].filter((w) => !knobsWarnings.has(w) && !w.startsWith('/etc/systemd/system/' + TARGET));
    const extra = [...knobsWarnings].filter((w) => !warnings.has(w));
    if (missing.length || extra.length) problems.push(`${c.name}: warnings systemd gives and knobs not: ${JSON.stringify(missing)}; knobs gives and systemd not: ${JSON.stringify(extra)}`);
    if (problems.length) problems.push(`--- files of ${c.name}: ${JSON.stringify(c.files, (_k, v: unknown) => (v && typeof v === 'object' && 'bytes' in v ? '<bytes>' : v))}`);
    return problems;
  };

  const args = (root: string) => ['-m', '--propagation', 'private', 'bash', script, root, TARGET];

  PINNED.forEach((c, i) => {
    it(c.name, () => {
      const root = stage(c, i);
      const r = spawnSync('unshare', args(root), { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(compare(c, root, r.stdout + r.stderr)).toEqual([]);
    });
  });

  it(`${COUNT} generated unit trees agree (seed ${SEED})`, async () => {
    const cases = generate(SEED, COUNT);
    const problems: string[] = [];
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < cases.length; i = next++) {
        const c = cases[i]!;
        const root = stage(c, PINNED.length + i);
        const out = await new Promise<string>((resolve, reject) => {
          const p = spawn('unshare', args(root), { stdio: ['ignore', 'pipe', 'pipe'] });
          let o = '';
          p.stdout.on('data', (d: Buffer) => (o += d.toString()));
          p.stderr.on('data', (d: Buffer) => (o += d.toString()));
          p.on('error', reject);
          p.on('close', (code) => (code === 0 ? resolve(o) : reject(new Error(`${c.name}: exit ${code}: ${o.slice(-2000)}`))));
        });
        problems.push(...compare(c, root, out));
      }
    };
    await Promise.all(Array.from({ length: 3 }, worker));
    expect(problems).toEqual([]);
  }, 600_000);
});
