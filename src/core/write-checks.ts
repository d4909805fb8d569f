// What knobs refuses to write, before any plan exists: values the running kernel
// would reject (its handlers' bounds and the constraints between keys), and the
// myths knobs exists to remove, whatever a profile says.

import { rejectReason } from './catalog.js';
import type { HostFacts, ResolvedProfile, SysctlTarget } from './types.js';
import { fields, fold, plainValue, toInt } from './values.js';

const RANGE = 'net.ipv4.ip_local_port_range';
const UNPRIV = 'net.ipv4.ip_unprivileged_port_start';

/** Live (or planned) value of another key, for constraints between keys; undefined when unknown. */
export type ValueOf = (key: string) => string | null | undefined;

/**
 * Why this kernel would reject `value` for `key` given the other keys' values, or
 * null. Beyond the catalogue's per-key bounds (rejectReason), the port keys check
 * each other (net/ipv4/sysctl_net_ipv4.c@6.18: ipv4_local_port_range() returns
 * EINVAL when low < ip_unprivileged_port_start, ipv4_privileged_ports() when the
 * new start > the range's low end).
 */
export function hostRejectReason(key: string, value: string, version: string | null, valueOf: ValueOf): string | null {
  const why = rejectReason(key, value, version);
  if (why) return why;
  if (key === RANGE) {
    const low = toInt(fields(value)[0]);
    const unpriv = toInt(valueOf(UNPRIV) ?? undefined);
    if (low !== undefined && unpriv !== undefined && low < unpriv) {
      return `the low end ${low} is below ip_unprivileged_port_start (${unpriv}): the kernel rejects it (EINVAL)`;
    }
  }
  if (key === UNPRIV) {
    const start = toInt(value);
    const low = toInt(fields(valueOf(RANGE) ?? '')[0]);
    if (start !== undefined && low !== undefined && start > low) {
      return `${start} is above the low end of ip_local_port_range (${low}): the kernel rejects it (EINVAL)`;
    }
  }
  return null;
}

/**
 * Values knobs never writes, whatever a profile says: each is a finding of one of
 * its own rules (named in the reason), and a tool that removes folklore must not
 * put it back.
 */
const NEVER: Record<string, (value: string) => string | null> = {
  'net.ipv4.tcp_tw_recycle': (v) =>
    fold(v) === '0'
      ? null
      : 'knobs never writes tcp_tw_recycle = ' +
        fold(v) +
        ': it drops SYNs from clients behind NAT and was removed in Linux 4.12 (see `knobs explain net/tcp-tw-recycle`); use tcp_tw_reuse = 1 for outgoing connections',
};

/** Why knobs refuses to write `value` for `key` on any host, or null. */
export function neverWriteReason(key: string, value: string): string | null {
  return NEVER[key]?.(value) ?? null;
}

export interface TargetProblem {
  key: string;
  value: string;
  reason: string;
  file: string | null;
  line: number | null;
}

/**
 * Profile targets this host's kernel would reject, judged when the host is known
 * (profiles are parsed without one): bounds that depend on the kernel version and
 * constraints between keys, with the other keys at the values the profiles ask for
 * (or their live values). Keys the kernel lacks are left to the planner, which
 * skips them with a warning.
 */
export function profileProblems(profile: ResolvedProfile, facts: HostFacts): TargetProblem[] {
  const wanted = (t: SysctlTarget) => (t.op === 'oneOf' ? fold(t.values[0]!) : plainValue(t.values));
  const valueOf: ValueOf = (k) => {
    const t = profile.sysctl[k];
    return t && t.op === 'exact' ? wanted(t) : facts.sysctl[k]?.live;
  };
  const out: TargetProblem[] = [];
  for (const t of Object.values(profile.sysctl)) {
    if (facts.sysctl[t.key]?.state !== 'present') continue;
    const v = wanted(t);
    const reason = hostRejectReason(t.key, v, facts.kernel.version, valueOf);
    if (reason) out.push({ key: t.key, value: v, reason, file: t.source?.file ?? null, line: t.source?.line ?? null });
  }
  return out;
}
