// Catalogue entries for keys the extracted kernel data does not cover (it reads
// net.ipv4, net.ipv6, net.core, net.netfilter, fs, vm and kernel from mainline
// trees): net.bridge and dev.* live elsewhere, and kernel.unprivileged_userns_clone
// exists only in distribution kernels. Each fact here was read by hand in the cited
// source; test/kernel-data.test.ts checks that the data indeed has no line for them.
import type { KeyInfo } from '../catalog.js';

const BRNF = 'net/bridge/br_netfilter_hooks.c';

function bridgeCall(proto: 'iptables' | 'ip6tables'): KeyInfo {
  const family = proto === 'iptables' ? 'IPv4' : 'IPv6';
  return {
    key: `net.bridge.bridge-nf-call-${proto}`,
    meaning:
      `1: bridged ${family} traffic passes through the ${proto} (netfilter) hooks, so firewall and NAT rules see packets crossing a Linux bridge. ` +
      'Kubernetes needs it on every node (kube-proxy\'s service NAT for pods on the same bridge); it exists only while the br_netfilter module is loaded.',
    kind: 'int',
    saneRange: { min: '0', max: '1', why: 'any non-zero value is stored as 1 by brnf_sysctl_call_tables()' },
    // No constant default: the key does not exist until br_netfilter loads, and then starts at 1.
    defaultNote: '1 as soon as br_netfilter is loaded (the key does not exist before)',
    scope: 'netns',
    netnsSince: '5.3.0',
    notInKernelData: 'the extraction reads net.ipv4, net.ipv6, net.core and net.netfilter; net.bridge is registered by the br_netfilter module',
    history: [
      `Handler brnf_sysctl_call_tables: proc_dointvec, then any non-zero value is stored as 1 (${BRNF}@6.1.158).`,
      `Default 1: brnf_call_${proto} = 1 (${BRNF}@4.19.78), br_netfilter_sysctl_default() (${BRNF}@6.1.158).`,
      `Per network namespace from 5.3: one table for the machine registered on &init_net (${BRNF}@4.19.78), one per namespace (register_net_sysctl(net, "net/bridge", …), ${BRNF}@5.4.286).`,
      'The EKS AMI sets both to 1 in 99-kubernetes-cri.conf (in the test corpus); the file only takes effect if br_netfilter is loaded before systemd-sysctl runs (modules-load.d).',
    ],
  };
}

export const outsideDataEntries: KeyInfo[] = [
  bridgeCall('iptables'),
  bridgeCall('ip6tables'),
  {
    key: 'dev.tty.ldisc_autoload',
    meaning: '0: an unprivileged process can no longer make the kernel load a TTY line discipline module (TIOCSETD) that is not loaded yet, closing a route to bugs in rarely used ldisc modules. 1 allows it.',
    kind: 'int',
    bounds: [{ since: '0', min: '0', max: '1' }],
    defaultNote: 'CONFIG_LDISC_AUTOLOAD (y, so 1, unless the kernel was built without it): tty_ldisc_autoload = IS_BUILTIN(CONFIG_LDISC_AUTOLOAD) in drivers/tty/tty_ldisc.c@6.1.158.',
    scope: 'global',
    notInKernelData: 'the extraction reads net.*, fs, vm and kernel; dev.tty is registered by drivers/tty/tty_ldisc.c',
    history: [
      '5.1: added (7c0cca7c847e "tty: ldisc: add sysctl to prevent autoloading of ldiscs"), and backported to stable series (present in drivers/tty/tty_ldisc.c@4.19.78 as INITIAL_AUTOLOAD_STATE).',
      'Handler proc_dointvec_minmax, 0..1 (drivers/tty/tty_ldisc.c@6.1.158).',
    ],
  },
  {
    key: 'kernel.unprivileged_userns_clone',
    meaning:
      'Distribution kernels only: 0 refuses user namespaces to unprivileged processes (rootless containers, browser sandboxes, unprivileged unshare stop working), 1 allows them. Mainline Linux has no such key; there, user.max_user_namespaces = 0 has a similar effect.',
    kind: 'int',
    saneRange: { min: '0', max: '1', why: 'a boolean; the handler differs between the distributions\' patches' },
    defaultNote: 'set by the distribution\'s patch: 1 (allowed) in the Arch/linux-hardened and CachyOS form ("static int unprivileged_userns_clone = 1" in kernel/fork.c); Debian and Ubuntu carry their own version of the patch.',
    scope: 'global',
    notInKernelData: 'not in mainline Linux: added by a distribution patch ("add sysctl to disallow unprivileged CLONE_NEWUSER by default") that the mainline trees the extraction reads do not carry',
    history: [
      'Not in mainline: a patch to kernel/fork.c and the kernel sysctl table carried by Debian, Ubuntu, Arch (linux-zen, linux-hardened) and CachyOS kernels; absent from the mainline trees in scripts/kernel-facts/trees.json.',
      'CachyOS sets it in 70-cachyos-settings.conf (in the test corpus); on a kernel without the patch the line fails at boot ("No such file or directory").',
      'Mainline alternative: user.max_user_namespaces (Documentation/admin-guide/sysctl/user.rst).',
    ],
  },
];
