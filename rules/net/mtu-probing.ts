// Path MTU black holes: when ICMP "fragmentation needed" never arrives, large segments
// vanish and connections hang after the handshake; tcp_mtu_probing recovers.
import { defineRule } from '../../src/core/define-rule.js';
import { toInt } from '../../src/core/values.js';

const PROBING = 'net.ipv4.tcp_mtu_probing';
const ROLES = ['load-balancer', 'web-node', 'nat-facing'];
/** Interfaces that lower the path MTU: tunnels and overlays. */
const TUNNEL = /^(tun|tap|wg|gre|gretap|ip6gre|ipip|sit|vxlan|geneve|flannel\.|cilium_vxlan|cilium_geneve|tunl0|ipsec|vti|xfrm|ppp|zt)/;

export default defineRule({
  id: 'net/mtu-probing',
  keys: [PROBING],
  severity: 'info',
  requires: [PROBING],
  summary: 'No MTU probing: a path that drops ICMP "fragmentation needed" stalls large transfers',
  explanation:
    'Path MTU discovery relies on routers answering an oversized packet with ICMP "fragmentation needed" (IPv4) or ' +
    '"packet too big" (IPv6). Firewalls and some cloud or VPN paths drop those messages, and tunnels (WireGuard, ' +
    'VXLAN, GRE, IPsec, overlay networks of container platforms) lower the MTU below 1500: the handshake works, small ' +
    'requests work, and a large response hangs until the connection times out. tcp_mtu_probing=1 makes TCP notice the ' +
    'black hole (retransmissions time out past tcp_retries1) and probe smaller segment sizes from tcp_base_mss; 2 ' +
    'probes from the start. Reported with value 0 for load-balancer, web-node and nat-facing hosts that have tunnel or ' +
    'overlay interfaces (tun, wg, gre, vxlan, flannel, ipip…): their traffic crosses paths with a lower MTU. Cloud links ' +
    'that drop ICMP cannot be seen from here; set it there too. MSS clamping on the tunnel router (iptables TCPMSS ' +
    '--clamp-mss-to-pmtu) fixes it for the forwarded flows, which this sysctl does not touch.',
  tradeoffs:
    '1 costs nothing until a black hole is suspected; then a connection spends a few RTOs finding the size. 2 always ' +
    'starts below the interface MTU and probes upward, slightly slower ramp-up on good paths.',
  history: [
    'tcp_write_timeout(): after tcp_retries1 timeouts tcp_mtu_probing() lowers the probe size when tcp_mtu_probing is set; tcp_mtup_init(): enabled = tcp_mtu_probing > 1 (net/ipv4/tcp_timer.c@6.6.9, net/ipv4/tcp_output.c@6.6.9).',
    'Per network namespace by 4.1.5 (net/ipv4/sysctl_net_ipv4.c); RFC 4821 (packetization layer PMTUD).',
  ],
  references: [
    'https://docs.kernel.org/networking/ip-sysctl.html',
    'https://datatracker.ietf.org/doc/html/rfc4821',
  ],
  messages: {
    off:
      'tcp_mtu_probing is 0 and this host has tunnel or overlay interfaces ({tunnels}) that lower the MTU: where a path drops ICMP "fragmentation needed" (firewalls, VPNs, cloud links), large transfers hang after the handshake. 1 probes only once a black hole is suspected and costs nothing otherwise',
  },
  check({ facts, profile, report }) {
    if (!ROLES.some((r) => profile.names.includes(r))) return;
    const live = facts.sysctl[PROBING]?.live ?? null;
    if (toInt(live) !== 0) return;
    const names = [...(facts.netStat?.interfaces ?? []), ...(facts.system?.interfaces ?? []), ...(facts.netStat?.containers.interfaces ?? [])];
    const tunnels = [...new Set(names.filter((n) => TUNNEL.test(n)))].sort();
    if (!tunnels.length) return;
    report('off', { tunnels: tunnels.slice(0, 4).join(', ') }, { key: PROBING, current: live, recommended: '1' });
  },
});
