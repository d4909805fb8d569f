// `knobs set`, `knobs unset`, `knobs persist`: per-key operations, for operators
// and playbooks that think key by key (ansible.posix.sysctl, pam_limits). The
// arguments become KeyOps (src/core/key-ops.ts) and then the same plan, judge,
// journal and applier as `knobs apply` (or `knobs plan` with --dry-run): same
// exit codes, same --json document, same rollback.

import { keyInfo, knownKeys } from '../../core/catalog.js';
import { NO_KEY_OPS, type KeyOps, type SetLimit } from '../../core/key-ops.js';
import { isRlimitItem, OTHER_ITEMS } from '../../core/limits-conf.js';
import { UNIT_DIR } from '../../core/planner.js';
import { keyToProcPath, normaliseSysctlKey } from '../../core/sysctl-conf.js';
import { UserError } from '../../errors.js';
import { suggestKey } from '../../profiles/parse.js';
import type { HostFs } from '../../host/host-fs.js';
import { hostFor, type GlobalOptions } from '../context.js';
import type { Io } from '../io.js';
import { runApply } from './apply.js';
import { runPlan, serviceList } from './plan.js';

export interface KeyCommandOptions extends GlobalOptions {
  args: string[];
  reason?: string;
  domain?: string;
  service?: string;
  persistOnly?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  all?: boolean;
}

const LIMIT_VALUE = /^(\d+|unlimited|infinity|-1)$/;

/** A sysctl key as written on the command line (dots or slashes), checked against this host. */
function sysctlKey(raw: string, host: HostFs): string {
  const key = normaliseSysctlKey(raw);
  if (!/^[A-Za-z0-9_][\w.:@+-]*$/.test(key) || key.split('.').some((c) => c === '' || c === '..')) {
    throw new UserError(`${raw}: not a sysctl key`);
  }
  if (keyInfo(key) || host.exists(`/proc/sys/${keyToProcPath(key)}`)) return key;
  const guess = suggestKey(key, knownKeys());
  throw new UserError(`${raw}: no such sysctl key on this host (proc/sys/${keyToProcPath(key)})`, guess ? `did you mean ${guess}?` : 'see `knobs explain <key>`');
}

function limitItem(key: string): string | null {
  if (!key.startsWith('limits.')) return null;
  const item = key.slice('limits.'.length);
  if (!isRlimitItem(item) && !(OTHER_ITEMS as readonly string[]).includes(item)) {
    throw new UserError(`${key}: not a limits.conf item`, `items: nofile, nproc, memlock, … (see limits.conf(5))`);
  }
  return item;
}

function domainOf(opts: KeyCommandOptions): string {
  const d = opts.domain ?? '*';
  if (!/^[^\s#]+$/.test(d)) throw new UserError(`--domain ${JSON.stringify(d)}: a limits.conf domain is one word (*, a user, @group, a uid range)`);
  return d;
}

/** `65536:524288` → soft 65536, hard 524288; one value is both (as systemd's LimitNOFILE= reads it). */
function softHard(key: string, value: string): { soft: string; hard: string } {
  const parts = value.split(':');
  if (parts.length > 2 || !parts.every((p) => LIMIT_VALUE.test(p))) {
    throw new UserError(`${key}=${value}: expected SOFT:HARD or one value for both (numbers or unlimited)`);
  }
  return { soft: parts[0]!, hard: parts[1] ?? parts[0]! };
}

function ops(reason: string, opts: KeyCommandOptions): KeyOps {
  return { ...structuredClone(NO_KEY_OPS), reason, ...(opts.persistOnly ? { persistOnly: true } : {}) };
}

/** --service UNIT: only limits.nofile goes to a unit (its LimitNOFILE=). */
function serviceUnits(opts: KeyCommandOptions, limitKeys: readonly string[]): string[] {
  const units = serviceList(opts.service);
  if (units.length && limitKeys.some((k) => k !== 'nofile')) throw new UserError('--service takes limits.nofile only (it becomes LimitNOFILE= in the unit)');
  if (units.length && !limitKeys.length) throw new UserError('--service needs limits.nofile (e.g. knobs set limits.nofile=65536:524288 --service nginx)');
  if (units.length && opts.domain !== undefined) throw new UserError('--domain and --service exclude each other: a unit has no login domain');
  return units;
}

async function run(opts: KeyCommandOptions, keyOps: KeyOps, io: Io): Promise<number> {
  const base = { root: opts.root ?? '/', ...(opts.json ? { json: true } : {}), keyOps };
  if (opts.dryRun) return runPlan(base, io);
  return runApply({ ...base, ...(opts.yes ? { yes: true } : {}), ...(opts.persistOnly ? { persistOnly: true } : {}) }, io);
}

export async function runSet(opts: KeyCommandOptions, io: Io): Promise<number> {
  const host = hostFor(opts);
  if (!opts.args.length) throw new UserError('set needs KEY=VALUE (e.g. knobs set net.core.somaxconn=4096)');
  const reason = oneLineReason(opts.reason, '');
  const o = ops(reason, opts);
  const limits: { item: string; value: { soft: string; hard: string } }[] = [];
  for (const arg of opts.args) {
    const eq = arg.indexOf('=');
    if (eq <= 0 || eq === arg.length - 1) throw new UserError(`${arg}: expected KEY=VALUE`, 'e.g. knobs set net.core.somaxconn=4096 limits.nofile=65536:524288');
    const rawKey = arg.slice(0, eq).trim();
    const value = arg.slice(eq + 1).trim();
    const item = limitItem(rawKey);
    if (item !== null) limits.push({ item, value: softHard(rawKey, value) });
    else o.set[sysctlKey(rawKey, host)] = value;
  }
  const units = serviceUnits(opts, limits.map((l) => l.item));
  if (units.length) o.service = { units, nofile: limits[0]!.value };
  else {
    const domain = domainOf(opts);
    o.setLimits = limits.map((l): SetLimit => ({ domain, item: l.item, ...l.value }));
  }
  return run(opts, o, io);
}

export async function runUnset(opts: KeyCommandOptions, io: Io): Promise<number> {
  const host = hostFor(opts);
  const o = ops('unset', opts);
  if (opts.all) {
    if (opts.args.length || opts.service || opts.domain) throw new UserError('--all removes every line knobs manages: no KEY, --service or --domain with it');
    o.all = true;
    const units = unitsWithKnobsDropIns(host);
    if (units.length) o.service = { units, nofile: null };
    return run(opts, o, io);
  }
  if (!opts.args.length) throw new UserError('unset needs KEY… or --all', 'e.g. knobs unset net.core.somaxconn limits.nofile');
  const items: string[] = [];
  for (const k of opts.args) {
    if (k.includes('=')) throw new UserError(`${k}: unset takes keys, not KEY=VALUE`);
    const item = limitItem(k);
    if (item !== null) items.push(item);
    else o.unset.push(sysctlKey(k, host));
  }
  const units = serviceUnits(opts, items);
  if (units.length) o.service = { units, nofile: null };
  else {
    const domain = domainOf(opts);
    o.unsetLimits = items.map((item) => ({ domain, item }));
  }
  return run(opts, o, io);
}

export async function runPersist(opts: KeyCommandOptions, io: Io): Promise<number> {
  const host = hostFor(opts);
  if (!opts.args.length) throw new UserError('persist needs KEY… (sysctl keys whose live value goes into the managed file)');
  const o = ops(oneLineReason(opts.reason, ''), opts);
  for (const k of opts.args) {
    if (k.startsWith('limits.')) throw new UserError(`${k}: persist takes sysctl keys (login limits have no live value to adopt)`);
    if (k.includes('=')) throw new UserError(`${k}: persist takes keys; to write a value use knobs set ${k}`);
    o.persist.push(sysctlKey(k, host));
  }
  return run(opts, o, io);
}

/** --reason becomes a comment line: one line, no control characters. */
function oneLineReason(reason: string | undefined, fallback: string): string {
  if (reason === undefined) return fallback;
  const flat = reason.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  if (!flat) throw new UserError('--reason: empty text');
  return flat;
}

/** Units that have a drop-in knobs wrote (`knobs unset --all` removes them). */
function unitsWithKnobsDropIns(host: HostFs): string[] {
  return (host.readdir(UNIT_DIR) ?? [])
    .filter((n) => n.endsWith('.d') && (host.readdir(`${UNIT_DIR}/${n}`) ?? []).some((f) => /-knobs\.conf$/.test(f)))
    .map((n) => n.slice(0, -2))
    .sort();
}
