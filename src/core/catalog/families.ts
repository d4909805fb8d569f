// Per-interface families: one entry for net.ipv4.conf.<if>.X, net.ipv6.conf.<if>.X and
// net.ipv{4,6}.neigh.<if>.X, written with `*` for the interface (as the extracted kernel
// data writes them). keyInfo('net.ipv4.conf.eth0.rp_filter') finds the entry.
//
// Which of conf.all and conf.<if> wins was read in the kernel source at 6.1.158:
// include/linux/inetdevice.h (IN_DEV_MAXCONF / IN_DEV_ORCONF / IN_DEV_ANDCONF /
// IN_DEV_CONF_GET), net/ipv6/addrconf.c, net/ipv6/ndisc.c, net/ipv6/exthdrs.c,
// net/ipv6/route.c, net/core/neighbour.c. Bounds and scope are checked against the
// extracted data by test/kernel-data.test.ts like every other entry.
import type { FamilyCombine, KeyInfo } from '../catalog.js';

/**
 * IPv4 entries whose handler is ipv4_doint_and_flush, which copies nothing from
 * conf.default to interfaces (net/ipv4/devinet.c@6.1.158; the same list as
 * src/core/boot-side-effects.ts, not imported: the catalogue must not depend on modules that read it).
 */
const V4_FLUSHING = new Set(['disable_xfrm', 'disable_policy', 'promote_secondaries', 'route_localnet', 'drop_unicast_in_l2_multicast']);

const INETDEV = 'include/linux/inetdevice.h@6.1.158';
const DEVINET = 'net/ipv4/devinet.c';
const V4_HANDLER = 'Handler devinet_conf_proc → proc_dointvec, no bounds (net/ipv4/devinet.c@3.10.99…7.1.3).';
const V4_DEFAULTS = `Defaults: ipv4_devconf (conf.all) and ipv4_devconf_dflt (conf.default, copied into each new interface) in ${DEVINET}@6.1.158.`;
const V6_HANDLER = 'Handler proc_dointvec, no bounds (net/ipv6/addrconf.c@3.10.99…7.1.3).';
const V6_DEFAULTS = 'Defaults: ipv6_devconf (conf.all) and ipv6_devconf_dflt (conf.default, copied into each new interface by ipv6_add_dev()) in net/ipv6/addrconf.c@6.1.158.';

function v4(key: string, combine: FamilyCombine, macro: string, meaning: string, dflt: string, extra: Partial<KeyInfo> = {}, history: string[] = []): KeyInfo {
  return {
    key: `net.ipv4.conf.*.${key}`,
    meaning,
    kind: 'int',
    defaults: [{ since: '0', value: dflt }],
    scope: 'netns',
    family: { combine, source: `${macro} in ${INETDEV}` },
    ...extra,
    history: [V4_HANDLER, V4_DEFAULTS, ...history],
  };
}

function v6(key: string, combine: FamilyCombine, source: string, meaning: string, dflt: string, extra: Partial<KeyInfo> = {}, history: string[] = []): KeyInfo {
  return {
    key: `net.ipv6.conf.*.${key}`,
    meaning,
    kind: 'int',
    defaults: [{ since: '0', value: dflt }],
    scope: 'netns',
    family: { combine, source },
    ...extra,
    history: [V6_HANDLER, V6_DEFAULTS, ...history],
  };
}

function gc(proto: 'ipv4' | 'ipv6', n: 1 | 2 | 3): KeyInfo {
  const meaning = {
    1: 'Below this many entries the neighbour table (ARP for IPv4, NDP for IPv6) is never garbage-collected.',
    2: 'Soft limit of neighbour-table entries: above it, entries older than 5 s are collected.',
    3: 'Hard limit of neighbour-table entries: above it new neighbours are refused ("neighbour table overflow"); hosts and gateways on large L2 segments, and Kubernetes nodes with many pods, raise it.',
  }[n];
  const dflt = { 1: '128', 2: '512', 3: '1024' }[n];
  return {
    key: `net.${proto}.neigh.*.gc_thresh${n}`,
    meaning: `${meaning} One value per table for the whole machine, set through neigh.default only.`,
    kind: 'int',
    bounds: [{ since: '0' }, { since: '4.1.0', min: '0', max: '2147483647' }],
    defaults: [{ since: '0', value: dflt }],
    scope: 'netns',
    family: { combine: 'table', source: 'neigh_sysctl_register() in net/core/neighbour.c@6.1.158: only the "default" instance has gc_thresh*, pointing at the table itself' },
    history: [
      'Handler proc_dointvec, no bounds (net/core/neighbour.c@3.10.99); proc_dointvec_minmax 0..INT_MAX from 4.1 (@4.1.5).',
      `Default ${dflt}: .gc_thresh${n} of ${proto === 'ipv4' ? 'arp_tbl in net/ipv4/arp.c' : 'nd_tbl in net/ipv6/ndisc.c'}@6.1.158.`,
      'Shown in every network namespace but stored in the one neighbour table of the machine (&tbl->gc_thresh in neigh_sysctl_register(), net/core/neighbour.c@6.1.158), so a write in one namespace changes it for all.',
    ],
  };
}

export const familyEntries: KeyInfo[] = [
  v4('accept_source_route', 'and', 'IN_DEV_SOURCE_ROUTE = IN_DEV_ANDCONF', 'Accept packets with the IPv4 source-route option (LSRR/SSRR). Off unless both conf.all and the interface allow it.', '1', {
    family: { combine: 'and', allDefault: '0', source: `IN_DEV_SOURCE_ROUTE = IN_DEV_ANDCONF in ${INETDEV}` },
  }, ['conf.all.accept_source_route is 0 (ipv4_devconf has no entry for it) while conf.default and so every interface start at 1, so the AND keeps it off until conf.all is set (net/ipv4/devinet.c@6.1.158).']),
  v4('promote_secondaries', 'or', 'IN_DEV_PROMOTE_SECONDARIES = IN_DEV_ORCONF', 'When the primary address of a subnet is removed, promote a secondary address instead of deleting all of them.', '0', {}, [
    'Handler ipv4_doint_and_flush (flushes the route cache) → proc_dointvec (net/ipv4/devinet.c).',
    'systemd\'s sysctl.d/50-default.conf sets it to 1 on every interface (net.ipv4.conf.*.promote_secondaries, in the test corpus).',
  ]),
  v4('rp_filter', 'max', 'IN_DEV_RPFILTER = IN_DEV_MAXCONF', 'Reverse-path filter: 0 off, 1 strict (drop a packet whose source is not routed back through the interface it came in on), 2 loose (drop only if the source is unreachable through any interface). Strict breaks asymmetric routing.', '0', {
    saneRange: { min: '0', max: '2', why: '0, 1 and 2 have a meaning' },
  }, ['systemd\'s sysctl.d/50-default.conf sets 2 (loose) on every interface; Flatcar sets 0 (both in the test corpus).', 'Documentation/networking/ip-sysctl.rst: "The max value from conf/{all,interface}/rp_filter is used when doing source validation on the {interface}."']),
  v4('accept_redirects', 'redirects', 'IN_DEV_RX_REDIRECTS', 'Accept ICMP redirects, which rewrite this host\'s routes. Hardening guides turn it off; routers ignore redirects anyway.', '1', {}, [
    `IN_DEV_RX_REDIRECTS in ${INETDEV}: on a forwarding interface both conf.all and the interface must allow it (AND), otherwise either is enough (OR).`,
  ]),
  v4('arp_announce', 'max', 'IN_DEV_ARP_ANNOUNCE = IN_DEV_MAXCONF', 'Which source address ARP requests announce: 0 any local address, 1 prefer one on the target\'s subnet, 2 always the best local address for the target (needed with VIPs on loopback, e.g. LVS direct routing).', '0', {
    saneRange: { min: '0', max: '2', why: '0, 1 and 2 have a meaning' },
  }),
  v4('log_martians', 'or', 'IN_DEV_LOG_MARTIANS = IN_DEV_ORCONF', 'Log packets with impossible source addresses ("martian source") to the kernel log.', '0'),
  v4('secure_redirects', 'or', 'IN_DEV_SEC_REDIRECTS = IN_DEV_ORCONF', 'Accept ICMP redirects only from gateways listed as default gateways (matters only where accept_redirects lets redirects in).', '1'),
  v4('send_redirects', 'or', 'IN_DEV_TX_REDIRECTS = IN_DEV_ORCONF', 'Send ICMP redirects when this host routes a packet back out of the interface it came in on (only a router does that). Off on hosts that forward but are not meant to steer their neighbours.', '1', {}, [
    `Being an OR (${INETDEV}), turning it off takes both conf.all and the interface (hence hardening guides set all and default).`,
  ]),
  v4('shared_media', 'or', 'IN_DEV_SHARED_MEDIA = IN_DEV_ORCONF', 'The interface\'s medium is shared with other subnets: send redirects to hosts on other subnets reachable on the same wire (RFC 1620).', '1'),

  v6('accept_ra', 'interface', 'ipv6_accept_ra() in include/net/ipv6.h@6.1.158 and ndisc.c read in6_dev->cnf only', 'Accept IPv6 router advertisements: 0 no, 1 yes unless the interface forwards, 2 yes even when forwarding (routers that still want a default route).', '1', {
    saneRange: { min: '0', max: '2', why: '0, 1 and 2 have a meaning' },
  }),
  v6('accept_redirects', 'interface', 'rt6_do_redirect() in net/ipv6/route.c@6.1.158 reads in6_dev->cnf only', 'Accept ICMPv6 redirects; ignored anyway on a forwarding interface.', '1'),
  v6('accept_source_route', 'and', 'ipv6_rthdr_rcv() in net/ipv6/exthdrs.c@6.1.158 takes min(conf.all, interface)', 'Accept IPv6 routing headers (type 0 source routing is never accepted: RFC 5095). The smaller of conf.all and the interface applies.', '0'),
  v6('forwarding', 'propagates', 'addrconf_fixup_forwarding() in net/ipv6/addrconf.c@6.1.158 writes every interface and conf.default when conf.all changes; ip6_forward() routes only while conf.all.forwarding is on', 'Route IPv6 packets. conf.all.forwarding decides whether anything is routed and, when written, sets every interface and conf.default; an interface\'s own value switches it between host and router behaviour (router advertisements, accept_ra 1 ignored).', '0', {}, [
    'ip6_forward() in net/ipv6/ip6_output.c@6.1.158: "if (net->ipv6.devconf_all->forwarding == 0) goto error".',
  ]),
  v6('use_tempaddr', 'interface', 'addrconf.c@6.1.158 reads idev->cnf.use_tempaddr only', 'RFC 4941 privacy (temporary) addresses: 0 off, 1 create them but prefer the public address, 2 create and prefer them for outgoing connections.', '0', {
    saneRange: { min: '-1', max: '2', why: '-1 (the loopback and point-to-point value) to 2 have a meaning' },
  }),
  v6('accept_ra_defrtr', 'interface', 'ndisc_router_discovery() in net/ipv6/ndisc.c@6.1.158 reads in6_dev->cnf only', 'Learn the default router from router advertisements (only where accept_ra lets them in).', '1'),
  v6('accept_ra_pinfo', 'interface', 'ndisc_router_discovery() in net/ipv6/ndisc.c@6.1.158 reads in6_dev->cnf only', 'Learn prefixes (and SLAAC addresses) from router advertisements (only where accept_ra lets them in).', '1'),
  v6('accept_ra_rtr_pref', 'interface', 'ndisc_router_discovery() in net/ipv6/ndisc.c@6.1.158 reads in6_dev->cnf only', 'Honour the router preference (RFC 4191) in router advertisements; needs CONFIG_IPV6_ROUTER_PREF.', '1'),
  v6('autoconf', 'interface', 'addrconf_prefix_rcv() in net/ipv6/addrconf.c@6.1.158 reads in6_dev->cnf only', 'Build addresses from advertised prefixes (SLAAC).', '1'),
  v6('dad_transmits', 'interface', 'addrconf_dad_begin() in net/ipv6/addrconf.c@6.1.158 reads idev->cnf only', 'Duplicate address detection probes sent for a new address (0 turns DAD off).', '1'),
  v6('max_addresses', 'interface', 'ipv6_add_addr()/addrconf_prefix_rcv_add_addr() in net/ipv6/addrconf.c@6.1.158 read idev->cnf only', 'Most autoconfigured addresses per interface (0: no limit).', '16', {}, ['Default IPV6_MAX_ADDRESSES = 16 (include/net/addrconf.h@6.1.158).']),
  v6('router_solicitations', 'interface', 'addrconf_rs_timer() in net/ipv6/addrconf.c@6.1.158 reads idev->cnf.rtr_solicits only', 'Router solicitations sent before assuming there is no router; -1 keeps sending (RFC 7559 backoff).', '-1', {
    bounds: [{ since: '0' }, { since: '4.9.0', min: '-1' }],
    defaults: [{ since: '0', value: '3' }, { since: '4.9.0', value: '-1' }],
  }, ['4.9: -1 (unlimited, with RFC 7559 backoff) became the default and the lower bound (MAX_RTR_SOLICITATIONS 3 in older include/net/addrconf.h, -1@6.1.158; proc_dointvec_minmax with extra1 = -1 in net/ipv6/addrconf.c@4.9.0, proc_dointvec@4.6.2).']),

  gc('ipv4', 1),
  gc('ipv4', 2),
  gc('ipv4', 3),
  gc('ipv6', 1),
  gc('ipv6', 2),
  gc('ipv6', 3),
];

/** What `all`, `default` and the interface's own key do for a family, in words (for explain). */
export function familySemantics(info: KeyInfo): string[] {
  const f = info.family;
  if (!f) return [];
  const tail = info.key.split('.').slice(4).join('.');
  const proto = info.key.split('.')[1];
  const out: string[] = [];
  switch (f.combine) {
    case 'max':
      out.push(`For each interface the kernel uses the larger of conf.all.${tail} and conf.<if>.${tail}: raising either raises it, lowering needs both.`);
      break;
    case 'or':
      out.push(`On for an interface if conf.all.${tail} or conf.<if>.${tail} is on: turning it on takes either, turning it off takes both.`);
      break;
    case 'and':
      out.push(`On for an interface only if conf.all.${tail} and conf.<if>.${tail} both allow it: turning it off takes either.`);
      break;
    case 'redirects':
      out.push(`On a forwarding interface both conf.all.${tail} and conf.<if>.${tail} must be on (AND); on a host interface either is enough (OR), so turning it off takes both.`);
      break;
    case 'interface':
      out.push(`Only conf.<if>.${tail} counts; writing conf.all.${tail} changes no interface by itself, so set conf.default (new interfaces) and each existing interface.`);
      break;
    case 'propagates':
      out.push(`Writing conf.all.${tail} writes every existing interface and conf.default too; an interface's own value can then differ again.`);
      break;
    case 'table':
      out.push('One value for the whole neighbour table: only neigh.default has this key, and every namespace shares it.');
      return [...out, `Source: ${f.source}.`];
  }
  if (proto === 'ipv4' && !V4_FLUSHING.has(tail)) {
    out.push(
      `conf.default.${tail} is what a new interface starts with; writing it also updates existing interfaces whose own value was never written (devinet_copy_dflt_conf() in net/ipv4/devinet.c@6.1.158).`,
    );
  } else if (proto === 'ipv4') {
    out.push(`conf.default.${tail} is what a new interface starts with; writing it changes no existing interface (its handler, ipv4_doint_and_flush in net/ipv4/devinet.c@6.1.158, copies nothing).`);
  } else {
    out.push(`conf.default.${tail} is what a new interface starts with (ipv6_add_dev() copies it); existing interfaces keep their value.`);
  }
  out.push(`Source: ${f.source}.`);
  return out;
}
