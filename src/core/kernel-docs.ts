// Where the kernel documents a sysctl, from its prefix: the files under
// Documentation/ in the kernel tree (reStructuredText since 5.x; older trees have
// the same text as Documentation/sysctl/*.txt and Documentation/networking/ip-sysctl.txt).
// knobs points at them for every key, known or not, so that a key it has no entry for
// still leads somewhere authoritative.

const TABLE: [RegExp, string | null][] = [
  // The bridge's netfilter keys are documented nowhere in Documentation/.
  [/^net\.bridge\./, null],
  [/^net\.ipv[46]\./, 'Documentation/networking/ip-sysctl.rst'],
  [/^net\.netfilter\.nf_conntrack_/, 'Documentation/networking/nf_conntrack-sysctl.rst'],
  [/^net\.netfilter\./, 'Documentation/networking/netfilter-sysctl.rst'],
  [/^net\.mptcp\./, 'Documentation/networking/mptcp-sysctl.rst'],
  [/^net\.core\.|^net\.unix\.|^net\./, 'Documentation/admin-guide/sysctl/net.rst'],
  [/^vm\./, 'Documentation/admin-guide/sysctl/vm.rst'],
  [/^kernel\./, 'Documentation/admin-guide/sysctl/kernel.rst'],
  [/^fs\./, 'Documentation/admin-guide/sysctl/fs.rst'],
  [/^abi\./, 'Documentation/admin-guide/sysctl/abi.rst'],
  [/^user\./, 'Documentation/admin-guide/sysctl/user.rst'],
  [/^sunrpc\./, 'Documentation/admin-guide/sysctl/sunrpc.rst'],
];

/** The kernel document that describes `key` (a path in the kernel tree), or null where there is none. */
export function kernelDocFor(key: string): string | null {
  for (const [re, doc] of TABLE) if (re.test(key)) return doc;
  return null;
}
