// Per-namespace keys set on a container host do not reach the containers; kube-proxy
// owns some conntrack keys on a Kubernetes node; knobs inside a container sees the
// container's namespace.
import { scopeFor } from '../../src/core/catalog.js';
import { defineRule } from '../../src/core/define-rule.js';
import { kernelKeyFact } from '../../src/core/kernel-data.js';
import { versionAtLeast } from '../../src/core/kernel-version.js';

const RMEM = 'net.ipv4.tcp_rmem';
const WMEM = 'net.ipv4.tcp_wmem';
const CC = 'net.ipv4.tcp_congestion_control';
const CT_MAX = 'net.netfilter.nf_conntrack_max';
const CT_EST = 'net.netfilter.nf_conntrack_tcp_timeout_established';
const CT_CW = 'net.netfilter.nf_conntrack_tcp_timeout_close_wait';
const BR_NF = 'net.bridge.bridge-nf-call-iptables';
/** What kube-proxy writes at start unless its conntrack settings are 0 (KubeProxyConfiguration.conntrack). */
const KUBE_PROXY_KEYS = [CT_MAX, CT_EST, CT_CW];
/** Copied from the initial namespace when a namespace is created (tcp_sk_init(), 4.15+), not compiled defaults. */
const COPIED = [RMEM, WMEM, CC];
/** devinet_init_net() copies the initial namespace's `all`/`default` devconf, forwarding included (net/ipv4/devinet.c). */
const ALWAYS_COPIED = ['net.ipv4.ip_forward'];
const KUBE = ['kubelet', 'kube-proxy', 'k3s', 'k3s-server', 'k3s-agent'];

function scopeOf(key: string, version: string | null): 'netns' | 'global' | undefined {
  return scopeFor(key, version) ?? (version ? kernelKeyFact(key, version)?.scope : undefined);
}

function list(keys: string[], max = 8): string {
  return keys.length <= max ? keys.join(', ') : `${keys.slice(0, max).join(', ')} and ${keys.length - max} more`;
}

export default defineRule({
  id: 'net/containers',
  keys: [RMEM, WMEM, CC, 'net.core.somaxconn', 'net.ipv4.ip_local_port_range', CT_MAX, CT_EST, CT_CW],
  severity: 'info',
  summary: 'On a container host, per-namespace keys set here do not reach the containers; inside a container, knobs sees the container',
  explanation:
    'Most net.* keys are per network namespace, and a new namespace (every container or pod that does not share the ' +
    'host\'s network) starts from the kernel\'s compiled-in defaults, not from the host\'s values: somaxconn, ' +
    'ip_local_port_range, tcp_tw_reuse, tcp_fin_timeout, tcp_keepalive_*, tcp_syn_retries, tcp_retries2… set in this ' +
    'host\'s sysctl.d never reach a pod. Exceptions: tcp_rmem and tcp_wmem are copied from the host when the namespace ' +
    'is created (4.15+; later host changes do not follow), the congestion control is inherited, and ip_forward with ' +
    'the conf.all/default keys is copied from the host\'s (devconf inheritance). What reaches ' +
    'containers: the runtime\'s per-container sysctls (docker run --sysctl, the Pod securityContext.sysctls list — ' +
    '"safe" ones such as ip_local_port_range, tcp_fin_timeout, tcp_keepalive_* are allowed by default, others need ' +
    'the kubelet\'s --allowed-unsafe-sysctls), or an init container. Machine-wide keys (fs.*, vm.*, kernel.*, ' +
    'net.core.rmem_max…) are one value for all. The signs read: veth/CNI interfaces under /sys/class/net, a container ' +
    'runtime\'s state (/run/containerd, /var/lib/docker, /var/lib/kubelet…), kubelet/containerd/dockerd processes. On ' +
    'a Kubernetes node kube-proxy writes nf_conntrack_max and the established/close_wait timeouts when it starts: ' +
    'setting them in sysctl.d (or with knobs) makes two owners that overwrite each other at each restart; set them in ' +
    'its configuration (conntrack.maxPerCore, tcpEstablishedTimeout, tcpCloseWaitTimeout; 0 leaves them alone). ' +
    'br_netfilter must be loaded there (net.bridge.bridge-nf-call-iptables = 1) or traffic between pods on one bridge ' +
    'bypasses the Service rules. When knobs itself runs inside a container, what it reads under /proc/sys is that ' +
    'container\'s namespace, writes may be refused (/proc/sys mounted read-only), and a value it sets is not the host\'s.',
  tradeoffs:
    'Unsafe per-pod sysctls must be allowed node by node (kubelet flag) and are the pod owner\'s responsibility. Sharing ' +
    'the host network (hostNetwork: true, --network host) gives a container the host\'s values, and its ports.',
  history: [
    'tcp_sk_init(): tcp_rmem/tcp_wmem memcpy()d from init_net, tcp_congestion_control = init_net\'s when its module can be held, other TCP keys compiled-in constants (net/ipv4/tcp_ipv4.c@4.15.0 and @6.12.0).',
    'devinet_init_net(): a new namespace copies init_net\'s ipv4_devconf all/default (forwarding among them) unless net.core.devconf_inherit_init_net says otherwise (net/ipv4/devinet.c@6.12.0).',
    'Per-namespace since: tcp_keepalive_* 4.5, tcp_syn_retries/fin_timeout 4.6, tcp_tw_reuse 4.10, tcp_rmem/wmem and congestion control 4.15 (net/ipv4/sysctl_net_ipv4.c, see the catalogue).',
    'Kubernetes: "safe" sysctls and --allowed-unsafe-sysctls (kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/); kube-proxy conntrack defaults maxPerCore 32768, min 131072, tcpEstablishedTimeout 24h, tcpCloseWaitTimeout 1h (kubernetes.io/docs/reference/config-api/kube-proxy-config.v1alpha1/).',
    'Inside a container: systemd-detect-virt reads /.dockerenv, /run/.containerenv and /run/systemd/container (src/basic/virt.c detect_container(), systemd@0099e558).',
  ],
  myth: '"Set net.core.somaxconn on the node and the pods get it" — each pod\'s network namespace starts at the compiled default (4096 from 5.4, 128 before).',
  references: [
    'https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/',
    'https://kubernetes.io/docs/reference/config-api/kube-proxy-config.v1alpha1/',
    'https://docs.docker.com/reference/cli/docker/container/run/#sysctl',
    'https://docs.kernel.org/networking/ip-sysctl.html',
  ],
  messages: {
    hostValuesStayOnHost:
      'this host runs containers ({signs}): the per-namespace keys set here ({keys}) apply to the host\'s own network namespace only; each container starts from the kernel\'s compiled-in defaults{copied}. Set them per container (docker --sysctl, Pod securityContext.sysctls) where the containers need them',
    kubeProxyOwns:
      '{key} is set by {source}, and kube-proxy runs here: it writes this key when it starts, so the two overwrite each other at every restart. Set it in kube-proxy\'s configuration (conntrack.*) and drop the other setting, or set kube-proxy\'s value to 0 so it leaves the key alone',
    brNetfilterMissing:
      'this is a Kubernetes node but {reason}: traffic between pods on the same bridge bypasses iptables, so Service rules and network policies miss it. Load br_netfilter at boot (modules-load.d) and set net.bridge.bridge-nf-call-iptables = 1',
    insideContainer:
      'knobs runs inside a container ({sign}): /proc/sys shows this container\'s network namespace, writes may be refused (read-only /proc/sys), and machine-wide keys (fs.*, vm.*, kernel.*) are the host\'s. Run knobs on the host to tune the host',
  },
  check({ facts, profile, report }) {
    const c = facts.netStat?.containers;
    if (!c) return;
    const version = facts.kernel.version;
    if (c.insideContainer) report('insideContainer', { sign: c.insideContainer }, { key: null });

    const veth = c.interfaces.filter((i) => i.startsWith('veth')).length;
    const signs = [
      ...c.processes,
      ...(veth ? [`${veth} veth interface${veth > 1 ? 's' : ''}`] : []),
      ...c.interfaces.filter((i) => !i.startsWith('veth')).slice(0, 3),
      ...c.paths.slice(0, 3),
    ];
    if (!signs.length) return;

    // Keys this host sets: a boot file, or the chosen profile's targets.
    const configured = new Map<string, string>();
    for (const [key, f] of Object.entries(facts.sysctl)) if (f.boot) configured.set(key, `${f.boot.file}:${f.boot.line}`);
    for (const t of Object.values(profile.sysctl)) if (!configured.has(t.key)) configured.set(t.key, `profile ${t.profile}`);
    const perNs = [...configured.keys()].filter((k) => scopeOf(k, version) === 'netns' && !/^net\.(ipv4|ipv6)\.(conf|neigh)\./.test(k)).sort();
    const inheritsFrom415 = version === null || versionAtLeast(version, '4.15.0');
    const isCopied = (k: string) => ALWAYS_COPIED.includes(k) || (inheritsFrom415 && COPIED.includes(k));
    const notReaching = perNs.filter((k) => !isCopied(k));
    const copied = perNs.filter(isCopied);
    if (notReaching.length) {
      report('hostValuesStayOnHost', {
        signs: list(signs, 4),
        keys: list(notReaching),
        copied: copied.length ? ` (${copied.join(', ')}: copied from the host when the container is created)` : '',
      }, { key: notReaching[0]! });
    }

    const kube = c.processes.some((p) => KUBE.includes(p)) || c.paths.includes('/var/lib/kubelet');
    if (!kube) return;
    if (c.processes.includes('kube-proxy')) {
      for (const key of KUBE_PROXY_KEYS) {
        const source = configured.get(key);
        if (source) report('kubeProxyOwns', { key, source }, { key, current: facts.sysctl[key]?.live ?? null, severity: 'warning' });
      }
    }
    // Read by the host layer (no kernel data covers the key, so it is not in the catalogue); undefined: an older snapshot.
    const br = c.bridgeNfCallIptables;
    if (br === null) report('brNetfilterMissing', { reason: `${BR_NF} does not exist (br_netfilter is not loaded)` }, { key: null, severity: 'warning' });
    else if (br === '0') report('brNetfilterMissing', { reason: `${BR_NF} is 0` }, { key: null, current: '0', severity: 'warning' });
  },
});
