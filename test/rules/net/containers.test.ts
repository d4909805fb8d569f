import rule from '../../../rules/net/containers.js';
import { confFile, host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const CT_MAX = 'net.netfilter.nf_conntrack_max';
const docker = { containers: { interfaces: ['docker0', 'veth12ab34cd', 'veth98fe76dc'], paths: ['/var/lib/docker'], processes: ['dockerd'] } };
const kubeNode = (bridge: string | null) => ({
  containers: { interfaces: ['cni0', 'veth0a1b2c3d'], paths: ['/run/containerd', '/var/lib/kubelet'], processes: ['containerd', 'kube-proxy', 'kubelet'], bridgeNfCallIptables: bridge },
});

ruleTester.run(rule, {
  valid: [
    { name: 'an old snapshot without netStat', host: host('6.1'), profiles: ['load-balancer'] },
    { name: 'a plain host: no container signs', host: host('6.1', { netStat: {} }), profiles: ['load-balancer'] },
    { name: 'a container host that sets only machine-wide keys (fs.file-max)', host: host('6.1', { netStat: docker, boot: { 'fs.file-max': { value: '2097152', file: '/etc/sysctl.d/90-files.conf' } } }) },
    {
      name: 'a Kubernetes node with br_netfilter on and conntrack left to kube-proxy',
      host: host('6.12', { netStat: kubeNode('1') }),
    },
  ],
  invalid: [
    {
      name: 'docker host on 6.1 with the load-balancer profile: its per-namespace targets stay on the host',
      host: host('6.1', { netStat: docker }),
      profiles: ['load-balancer'],
      findings: [{
        messageId: 'hostValuesStayOnHost',
        key: 'net.core.somaxconn',
        severity: 'info',
        includes: ['dockerd, 2 veth interfaces, docker0, /var/lib/docker', 'net.core.somaxconn', 'net.ipv4.ip_local_port_range', 'net.ipv4.tcp_tw_reuse', 'compiled-in defaults', 'docker --sysctl'],
      }],
    },
    {
      name: '6.1 host with tcp_rmem in sysctl.d: copied into new containers at creation, said so',
      host: host('6.1', { netStat: docker, boot: { 'net.ipv4.tcp_rmem': { value: '4096 131072 16777216', file: '/etc/sysctl.d/60-buf.conf' }, 'net.ipv4.tcp_fin_timeout': { value: '30', file: '/etc/sysctl.d/60-buf.conf', line: 2 } } }),
      findings: [{ messageId: 'hostValuesStayOnHost', key: 'net.ipv4.tcp_fin_timeout', includes: ['(net.ipv4.tcp_fin_timeout)', 'net.ipv4.tcp_rmem: copied from the host'] }],
    },
    {
      name: '4.4 host: tcp_rmem is still machine-wide, so only somaxconn is listed',
      host: host('4.4', { netStat: docker, boot: { 'net.ipv4.tcp_rmem': { value: '4096 87380 16777216', file: '/etc/sysctl.conf' }, 'net.core.somaxconn': { value: '4096', file: '/etc/sysctl.conf', line: 2 } } }),
      findings: [{ messageId: 'hostValuesStayOnHost', includes: ['here (net.core.somaxconn)'] }],
    },
    {
      name: 'Kubernetes node: nf_conntrack_max in sysctl.d fights kube-proxy; br_netfilter not loaded',
      host: host('6.12', {
        netStat: kubeNode(null),
        boot: { [CT_MAX]: { value: '1048576', file: '/etc/sysctl.d/99-conntrack.conf', line: 3 } },
        configFiles: [confFile('/etc/sysctl.d/99-conntrack.conf', { [CT_MAX]: '1048576' })],
      }),
      findings: [
        { messageId: 'brNetfilterMissing', key: null, severity: 'warning', includes: ['br_netfilter is not loaded'] },
        { messageId: 'kubeProxyOwns', key: CT_MAX, severity: 'warning', includes: ['/etc/sysctl.d/99-conntrack.conf:3', 'conntrack.*'] },
      ],
    },
    {
      name: 'Kubernetes node with the nat-facing profile: the profile\'s conntrack targets would fight kube-proxy too',
      host: host('5.4', { netStat: kubeNode('0'), sysctl: { 'net.ipv4.ip_forward': '1' } }),
      profiles: ['nat-facing'],
      findings: [
        { messageId: 'brNetfilterMissing', current: '0', includes: ['bridge-nf-call-iptables is 0'] },
        { messageId: 'kubeProxyOwns', key: CT_MAX, includes: ['profile nat-facing'] },
        { messageId: 'kubeProxyOwns', key: 'net.netfilter.nf_conntrack_tcp_timeout_established' },
        { messageId: 'hostValuesStayOnHost', includes: ['net.ipv4.tcp_timestamps', 'net.ipv4.ip_forward: copied'] },
      ],
    },
    {
      name: 'knobs inside a Docker container',
      host: host('6.1', { netStat: { containers: { insideContainer: '/.dockerenv' } } }),
      findings: [{ messageId: 'insideContainer', key: null, includes: ['(/.dockerenv)', 'Run knobs on the host'] }],
    },
  ],
  // No `requires`: the rule reads neutral host facts present on every kernel.
  notApplicable: [],
});
