// A proxy that binds a virtual IP held by keepalived/VRRP on another node cannot start
// on the backup unless non-local binds are allowed.
import { defineRule } from '../../src/core/define-rule.js';
import { toInt } from '../../src/core/values.js';

const V4 = 'net.ipv4.ip_nonlocal_bind';
const V6 = 'net.ipv6.ip_nonlocal_bind';

export default defineRule({
  id: 'net/nonlocal-bind',
  keys: [V4, V6],
  severity: 'warning',
  requires: [V4],
  summary: 'A VIP manager runs here but services cannot bind the virtual IP while this node does not hold it',
  explanation:
    'With keepalived (VRRP), ucarp or pacemaker, the virtual IP lives on one node at a time. A proxy configured to ' +
    'listen on the VIP (HAProxy `bind 203.0.113.10:443`, nginx `listen 203.0.113.10:443`) fails to start on the backup ' +
    'node with "Cannot assign requested address", and after a failover it is not listening when the address arrives. ' +
    'ip_nonlocal_bind=1 lets bind() take an address the host does not have (yet); net.ipv6.ip_nonlocal_bind (4.3+) does ' +
    'the same for IPv6. Per socket, IP_FREEBIND (HAProxy `transparent`/`freebind`, nginx `listen … transparent` uses ' +
    'IP_TRANSPARENT) does it without the sysctl. Reported when a VIP manager process runs on this host.',
  tradeoffs:
    'Any process may then bind any address: a typo in a listen address is no longer caught at start, and a service can ' +
    'listen on an address that never comes. Listening on 0.0.0.0 (with filtering) avoids the question entirely.',
  history: [
    'inet_bind() → inet_addr_valid_or_nonlocal(): accepts a non-local address when ip_nonlocal_bind, IP_FREEBIND or IP_TRANSPARENT is set (net/ipv4/af_inet.c@6.12.0).',
    '4.3: net.ipv6.ip_nonlocal_bind (35a256fee52c "ipv6: Nonlocal bind"; net/ipv6/sysctl_net_ipv6.c@4.4.155).',
  ],
  references: [
    'https://docs.kernel.org/networking/ip-sysctl.html',
    'https://keepalived.readthedocs.io/',
  ],
  messages: {
    vipWithoutNonlocal:
      '{managers} runs here and ip_nonlocal_bind is 0{v6}: a service that listens on the virtual IP cannot start while the other node holds it, and is not listening right after a failover. Set net.ipv4.ip_nonlocal_bind = 1{v6Fix}, or give the listeners IP_FREEBIND (HAProxy `freebind`)',
  },
  check({ facts, report }) {
    const managers = facts.netStat?.containers.vipProcesses ?? [];
    if (!managers.length) return;
    const v4 = toInt(facts.sysctl[V4]?.live);
    if (v4 !== 0) return;
    const v6Fact = facts.sysctl[V6];
    const v6Off = v6Fact?.state === 'present' && toInt(v6Fact.live) === 0;
    report(
      'vipWithoutNonlocal',
      { managers: managers.join(', '), v6: v6Off ? ' (IPv6 too)' : '', v6Fix: v6Off ? ' (and net.ipv6.ip_nonlocal_bind = 1 for IPv6 VIPs)' : '' },
      { key: V4, current: '0', recommended: '1' },
    );
  },
});
