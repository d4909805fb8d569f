// Parsers for /proc/net/sockstat{,6} and /proc/net/netstat (also /proc/net/snmp,
// same layout). shared/reference/kernel-facts.md §4.2.

/**
 * `TCP: inuse 1 orphan 0 tw 2 alloc 5 mem 83` → { 'sockstat.tw': 2, ... }.
 * Every `<PROTO>: name value ...` line becomes `<prefix>.<name>` for TCP, and
 * `<prefix>.<proto>.<name>` for the other protocols; `sockets: used N` → `<prefix>.used`.
 */
export function parseSockstat(text: string, prefix = 'sockstat'): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const proto = line.slice(0, colon).trim();
    const words = line.slice(colon + 1).trim().split(/\s+/);
    for (let i = 0; i + 1 < words.length; i += 2) {
      const value = Number(words[i + 1]);
      if (!Number.isFinite(value)) continue;
      const name = words[i]!;
      const key =
        proto === 'TCP' || proto === 'TCP6' || proto === 'sockets' ? `${prefix}.${name}` : `${prefix}.${proto}.${name}`;
      out[key] = value;
    }
  }
  return out;
}

/**
 * /proc/net/netstat: per prefix a header line and a value line
 * (`TcpExt: SyncookiesSent ...` / `TcpExt: 0 ...`) → { 'TcpExt.ListenOverflows': n, ... }.
 */
export function parseNetstat(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i++) {
    const head = lines[i]!;
    const vals = lines[i + 1]!;
    const colon = head.indexOf(':');
    if (colon <= 0) continue;
    const prefix = head.slice(0, colon);
    if (!vals.startsWith(prefix + ':')) continue;
    const names = head.slice(colon + 1).trim().split(/\s+/);
    const values = vals.slice(colon + 1).trim().split(/\s+/);
    // A header line's fields are names, not numbers; skip a pair that is two value lines.
    if (names.length === 0 || /^-?\d+$/.test(names[0]!)) continue;
    for (let k = 0; k < names.length && k < values.length; k++) {
      const v = Number(values[k]);
      if (Number.isFinite(v)) out[`${prefix}.${names[k]}`] = v;
    }
    i++;
  }
  return out;
}
