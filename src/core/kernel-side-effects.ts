// What else the kernel changes when one sysctl is written. A few handlers do more
// than store the value: they copy it to other entries, and one resets an entry to
// a different value. knobs must know, to show it in the plan, to journal the
// before-values of everything a write can change, and to restore them on rollback.
//
// Verified in Linux 6.18.32 (codesnas/linux-6.18.y e3187436ea95); the IPv4 part is
// the same in 3.10.99, 4.19.78, 5.4.286 and 5.10.89 (net/ipv4/devinet.c):
//  - net/ipv4/devinet.c devinet_sysctl_forward(): a write that changes
//    conf/all/forwarding (`ip_forward` is the same int: ctl_forward_entry's .data is
//    devconf_all's FORWARDING) calls inet_forward_change(), which sets
//    conf/all/accept_redirects = !on, conf/default/forwarding = on and
//    conf/<every interface>/forwarding = on. Writing the value it already has does
//    nothing (`*valp != val`). Writing conf/<if>/forwarding or conf/default/forwarding
//    changes nothing else.
//  - devinet_conf_proc() (every DEVINET_SYSCTL_RW_ENTRY): a write to conf/default/X
//    copies the value to conf/<if>/X of every interface whose X was never written
//    explicitly (devinet_copy_dflt_conf, a `state` bit per entry that /proc/sys does
//    not show), so knobs can only say "may change". The FLUSHING entries
//    (disable_xfrm, disable_policy, promote_secondaries, route_localnet,
//    drop_unicast_in_l2_multicast) use ipv4_doint_and_flush and copy nothing.
//  - net/ipv6/addrconf.c addrconf_fixup_forwarding(): conf/all/forwarding sets
//    conf/default/forwarding and every interface's forwarding; writing 0 also resets
//    every interface's force_forwarding (6.17+, where that key exists). The same
//    "all → default + every interface" for disable_ipv6 (addrconf_disable_ipv6),
//    ignore_routes_with_linkdown (addrconf_fixup_linkdown) and addr_gen_mode; all →
//    every interface for force_forwarding. IPv6 conf/default/X is not copied to
//    existing interfaces.
// Pure: the caller supplies the interface names (the entries of proc/sys/net/ipv{4,6}/conf).

import { COPIED_FROM_DEFAULT, sideEffectsOfWrite, type DevconfView, type SideEffect as BootSideEffect } from './boot-side-effects.js';
import { toInt } from './values.js';

export interface SideEffect {
  /** Key whose value the write can change. */
  key: string;
  /** The value the kernel gives it. */
  value: string;
  /** True when the kernel always sets it; false when it depends on state /proc/sys does not show. */
  certain: boolean;
  /** The kernel function responsible, for the plan and the journal. */
  via: string;
}

export interface Interfaces {
  /** Interface names under net/ipv4/conf (without all and default), as key components (`.` written `/`). */
  ipv4: readonly string[];
  ipv6: readonly string[];
}

/** Entries of net/ipv4/conf/* handled by devinet_conf_proc (copied from default to interfaces). */
export const IPV4_COPIED_FROM_DEFAULT: readonly string[] = [...COPIED_FROM_DEFAULT];

/** net/ipv6/conf/all/X written → default/X (when listed) and every interface's X. */
const IPV6_ALL_PROPAGATES: Record<string, { toDefault: boolean; via: string }> = {
  forwarding: { toDefault: true, via: 'addrconf_fixup_forwarding (net/ipv6/addrconf.c)' },
  disable_ipv6: { toDefault: true, via: 'addrconf_disable_ipv6 (net/ipv6/addrconf.c)' },
  ignore_routes_with_linkdown: { toDefault: true, via: 'addrconf_fixup_linkdown (net/ipv6/addrconf.c)' },
  addr_gen_mode: { toDefault: true, via: 'addrconf_sysctl_addr_gen_mode (net/ipv6/addrconf.c)' },
  force_forwarding: { toDefault: false, via: 'addrconf_force_forward_change (net/ipv6/addrconf.c)' },
};

const IP_FORWARD = 'net.ipv4.ip_forward';
const ALL_FORWARDING = 'net.ipv4.conf.all.forwarding';
const VIA: Record<BootSideEffect['why'], string> = {
  'same variable': 'the same int (devinet_sysctl_forward, net/ipv4/devinet.c)',
  inet_forward_change: 'inet_forward_change (net/ipv4/devinet.c)',
  devinet_copy_dflt_conf: 'devinet_copy_dflt_conf (net/ipv4/devinet.c)',
};

/** A live host: its interfaces, but no interface's "written" bit (/proc/sys does not show it). */
function liveView(interfaces: readonly string[]): DevconfView {
  return { interfaces, value: () => undefined, written: () => undefined };
}

/** Does writing `key` ever change another key? (Cheap test before listing interfaces.) */
export function hasSideEffects(key: string): boolean {
  if (key === IP_FORWARD || key === ALL_FORWARDING) return true;
  const v4 = /^net\.ipv4\.conf\.default\.([^.]+)$/.exec(key);
  if (v4) return IPV4_COPIED_FROM_DEFAULT.includes(v4[1]!);
  const v6 = /^net\.ipv6\.conf\.all\.([^.]+)$/.exec(key);
  return v6 !== null && Object.hasOwn(IPV6_ALL_PROPAGATES, v6[1]!);
}

/**
 * Keys the kernel changes when `value` is written to `key`, besides `key` itself.
 * `previous` is the value before the write (null: unknown, assume it changes);
 * `exists` says whether a key exists on this host (interface entries vary by kernel).
 */
export function writeSideEffects(
  key: string,
  value: string,
  previous: string | null,
  ifaces: Interfaces,
  exists: (key: string) => boolean = () => true,
): SideEffect[] {
  const out: SideEffect[] = [];
  const add = (k: string, v: string, certain: boolean, via: string) => {
    if (k !== key && exists(k)) out.push({ key: k, value: v, certain, via });
  };
  const n = toInt(value);
  const unchanged = previous !== null && toInt(previous) !== undefined && toInt(previous) === n;

  // IPv4: the boot model's reading of devinet.c, on a live host where no interface's
  // "written" bit can be seen (so every copy from conf.default is uncertain).
  if (key === IP_FORWARD || key === ALL_FORWARDING) {
    if (n === undefined || unchanged) return out;
    for (const e of sideEffectsOfWrite(key, { before: null, after: String(n) }, liveView(ifaces.ipv4))) add(e.key, e.value, e.certain, VIA[e.why]);
    return out;
  }
  if (key.startsWith('net.ipv4.conf.default.') && hasSideEffects(key)) {
    // Copied on every write, changed or not, to interfaces that never had their own value written.
    for (const e of sideEffectsOfWrite(key, { before: null, after: value }, liveView(ifaces.ipv4))) add(e.key, e.value, e.certain, VIA[e.why]);
    return out;
  }

  const v6 = /^net\.ipv6\.conf\.all\.([^.]+)$/.exec(key);
  const rule = v6 ? IPV6_ALL_PROPAGATES[v6[1]!] : undefined;
  if (v6 && rule) {
    const entry = v6[1]!;
    if (rule.toDefault) add(`net.ipv6.conf.default.${entry}`, value, true, rule.via);
    for (const i of ifaces.ipv6) add(`net.ipv6.conf.${i}.${entry}`, value, true, rule.via);
    if (entry === 'forwarding' && n === 0) {
      for (const i of ifaces.ipv6) add(`net.ipv6.conf.${i}.force_forwarding`, '0', true, rule.via);
    }
  }
  return out;
}

/** Interface names from the entries of a conf directory (`eth0.200` → `eth0/200`, as in keys). */
export function interfaceNames(confEntries: readonly string[]): string[] {
  return confEntries.filter((n) => n !== 'all' && n !== 'default').map((n) => n.replace(/\./g, '/'));
}

/** Globs of the keys a write of `key` can change (for reading them before a plan is made). */
export function sideEffectGlobs(key: string): string[] {
  if (key === IP_FORWARD || key === ALL_FORWARDING) return [IP_FORWARD, ALL_FORWARDING, 'net.ipv4.conf.all.accept_redirects', 'net.ipv4.conf.*.forwarding'];
  const v4 = /^net\.ipv4\.conf\.default\.([^.]+)$/.exec(key);
  if (v4 && IPV4_COPIED_FROM_DEFAULT.includes(v4[1]!)) return [`net.ipv4.conf.*.${v4[1]}`];
  const v6 = /^net\.ipv6\.conf\.all\.([^.]+)$/.exec(key);
  if (v6 && Object.hasOwn(IPV6_ALL_PROPAGATES, v6[1]!)) return [`net.ipv6.conf.*.${v6[1]}`, ...(v6[1] === 'forwarding' ? ['net.ipv6.conf.*.force_forwarding'] : [])];
  return [];
}
