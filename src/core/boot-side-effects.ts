// The boot model's view of what a write changes besides its own key: the kernel
// copies and resets per-interface IPv4 settings, tracked with the per-interface
// "written" bits a boot sequence sets. Pure. (The applier's runtime view, which
// cannot see those bits, kernel-side-effects.ts, asks this model with no bits known.)
// Read in linux 6.18.32 net/ipv4/devinet.c and
// include/linux/inetdevice.h (codesnas/linux-6.18.y @e3187436e):
//
// - Every per-interface setting has a "written" bit (ipv4_devconf.state).
//   devinet_conf_proc sets it on every write that reaches the handler, even a
//   rejected one, and a write to net.ipv4.conf.default.X copies default's X
//   (after the write) to every interface whose X bit is not set
//   (devinet_copy_dflt_conf). So `conf.*.rp_filter = 2` with
//   `-net.ipv4.conf.lo.rp_filter` still leaves lo at 2: the glob writes default,
//   and lo, never written, gets the copy.
// - A new interface copies default's values AND bits (inetdev_init: memcpy of
//   devconf_dflt), and a new network namespace copies init_net's all/default
//   (devinet_init_net), bits included.
// - forwarding is handled by devinet_sysctl_forward, which sets no bit and copies
//   nothing for default. When net.ipv4.conf.all.forwarding changes (it is the
//   same int as net.ipv4.ip_forward), inet_forward_change sets
//   all.accept_redirects = !on, default.forwarding = on, and every interface's
//   forwarding = on, marking it written (IN_DEV_CONF_SET → ipv4_devconf_set).
// - The five "flushing" settings (disable_xfrm, disable_policy,
//   promote_secondaries, route_localnet, drop_unicast_in_l2_multicast) go
//   through ipv4_doint_and_flush: no bit, no copy.
// Not modelled: IPv6 (addrconf_fixup_forwarding, disable_ipv6), neighbour
// tables (neigh_proc_update copies net.ipv4.neigh.default.* the same way).

import { DEVINET_ATTRS, devinetKey } from './kernel-handlers.js';

const FLUSHING = new Set(['disable_xfrm', 'disable_policy', 'promote_secondaries', 'route_localnet', 'drop_unicast_in_l2_multicast']);
/** Settings handled by devinet_conf_proc: written bit and copy from default. */
export const COPIED_FROM_DEFAULT: ReadonlySet<string> = new Set<string>(DEVINET_ATTRS.filter((a) => a !== 'forwarding' && a !== 'mc_forwarding' && !FLUSHING.has(a)));

export const IP_FORWARD = 'net.ipv4.ip_forward';
export const ALL_FORWARDING = 'net.ipv4.conf.all.forwarding';

/** What the model needs to know about per-interface settings. */
export interface DevconfView {
  /** Interfaces under net.ipv4.conf, without `all` and `default`. */
  interfaces: readonly string[];
  /** Current value of a key, when known. */
  value(key: string): string | null | undefined;
  /** Has this per-interface setting been written since the interface appeared? undefined when unknown. */
  written(key: string): boolean | undefined;
}

export interface SideEffect {
  key: string;
  value: string;
  /** False when the change depends on a written bit knobs cannot see (a live host). */
  certain: boolean;
  /** The kernel function that makes the change, for messages and the journal. */
  why: 'devinet_copy_dflt_conf' | 'inet_forward_change' | 'same variable';
}

/** Keys that name the same kernel variable as `key` (ip_forward is conf.all.forwarding). */
export function aliasesOf(key: string): string[] {
  if (key === IP_FORWARD) return [ALL_FORWARDING];
  if (key === ALL_FORWARDING) return [IP_FORWARD];
  return [];
}

/**
 * The written bits a write attempt sets (before any value check), as keys:
 * devinet_conf_proc marks the setting it writes.
 */
export function writtenMarks(key: string): string[] {
  const dev = devinetKey(key);
  return dev && COPIED_FROM_DEFAULT.has(dev[1]) ? [key] : [];
}

function truthy(v: string): boolean {
  return /^-?\d+$/.test(v.trim()) ? BigInt(v.trim()) !== 0n : v.trim() !== '';
}

/**
 * What a write to `key` that reached its handler changes elsewhere. `before` and
 * `after` are the key's values around the write (equal when it was rejected).
 * The caller applies the written bits of writtenMarks() itself, before calling.
 */
export function sideEffectsOfWrite(key: string, write: { before?: string | null; after: string }, view: DevconfView): SideEffect[] {
  const out: SideEffect[] = [];
  for (const alias of aliasesOf(key)) out.push({ key: alias, value: write.after, certain: true, why: 'same variable' });

  const dev = devinetKey(key);
  const isForwarding = key === IP_FORWARD || (dev !== null && dev[1] === 'forwarding');
  if (isForwarding) {
    const iface = key === IP_FORWARD ? 'all' : dev![0];
    const changed = write.before === undefined || write.before === null || write.before.trim() !== write.after.trim();
    if (iface !== 'all' || !changed) return out;
    const on = write.after.trim();
    out.push({ key: 'net.ipv4.conf.all.accept_redirects', value: truthy(on) ? '0' : '1', certain: true, why: 'inet_forward_change' });
    out.push({ key: 'net.ipv4.conf.default.forwarding', value: on, certain: true, why: 'inet_forward_change' });
    for (const i of view.interfaces) out.push({ key: `net.ipv4.conf.${i}.forwarding`, value: on, certain: true, why: 'inet_forward_change' });
    return out;
  }

  if (dev && dev[0] === 'default' && COPIED_FROM_DEFAULT.has(dev[1])) {
    for (const i of view.interfaces) {
      const k = `net.ipv4.conf.${i}.${dev[1]}`;
      const w = view.written(k);
      if (w === true) continue;
      out.push({ key: k, value: write.after, certain: w === false, why: 'devinet_copy_dflt_conf' });
    }
  }
  return out;
}

/** Bits inet_forward_change sets: every interface's forwarding. */
export function forwardChangeMarks(effects: readonly SideEffect[]): string[] {
  return effects.filter((e) => e.why === 'inet_forward_change' && /^net\.ipv4\.conf\.[^.]+\.forwarding$/.test(e.key) && !e.key.startsWith('net.ipv4.conf.default.')).map((e) => e.key);
}

/**
 * What a per-interface IPv4 setting holds before anything writes it: the
 * compiled ipv4_devconf (all) and ipv4_devconf_dflt (default, and every
 * interface, which copies default when it appears) of devinet.c 6.18.32.
 * Loopback also gets disable_xfrm and disable_policy = 1 (inetdev_event).
 */
export function devconfDefault(key: string): string | undefined {
  const dev = devinetKey(key);
  if (!dev) return undefined;
  const [iface, attr] = dev;
  const ones = ['accept_redirects', 'send_redirects', 'secure_redirects', 'shared_media', 'arp_evict_nocarrier'];
  if (ones.includes(attr)) return '1';
  if (attr === 'accept_source_route') return iface === 'all' ? '0' : '1';
  if (attr === 'igmpv2_unsolicited_report_interval') return '10000';
  if (attr === 'igmpv3_unsolicited_report_interval') return '1000';
  if (iface === 'lo' && (attr === 'disable_xfrm' || attr === 'disable_policy')) return '1';
  return '0';
}

/**
 * A view of a live host from its facts, for callers that write at runtime
 * (the applier's journal records the before-values of every key a write may
 * change). Interfaces are those facts name; whether an interface's setting was
 * ever written is unknown, so copies from conf.default come back `certain: false`.
 */
export function devconfViewFromFacts(facts: { sysctl: Record<string, { live: string | null }> }): DevconfView {
  const ifaces = new Set<string>();
  for (const key of Object.keys(facts.sysctl)) {
    const dev = devinetKey(key);
    if (dev && dev[0] !== 'all' && dev[0] !== 'default') ifaces.add(dev[0]);
  }
  return {
    interfaces: [...ifaces].sort(),
    value: (key) => facts.sysctl[key]?.live ?? undefined,
    written: () => undefined,
  };
}
