// etc/knobs/knobs.ini: site configuration. `[accept]` lists findings the site
// accepts, each with the reason (required) and an optional date after which the
// finding comes back:
//
//   [accept]
//   net/tcp-tw-recycle = lab host, no clients behind NAT
//   sysctl/drift net.ipv4.ip_forward = docker sets it at start until 2026-06-30
//
// `<rule-id>` accepts every finding of the rule; `<rule-id> <key>` only those about
// that sysctl key (a glob such as net.ipv4.conf.*.rp_filter works too).

import { normaliseSysctlKey } from '../core/sysctl-conf.js';
import type { AcceptEntry } from '../core/types.js';
import { inputError } from '../errors.js';
import type { HostFs } from '../host/host-fs.js';
import { rejectReservedNames, scanLines } from './parse.js';

export const CONFIG_PATH = '/etc/knobs/knobs.ini';

/** Today as YYYY-MM-DD in local time: accept entries apply through their date. */
export function today(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

export interface KnobsConfig {
  /** Entries in force today. */
  accept: AcceptEntry[];
  /** Entries whose date has passed: their findings count again. */
  expired: AcceptEntry[];
}

const UNTIL = /(?:^|[\s,(])(?:until|expires)[\s:]+(\d{4}-\d{2}-\d{2})\)?\s*$/i;

function validDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/**
 * `knownRuleIds`: the ids an accept line may name, or a test for them (`knobs sockets`
 * loads only its own rules, and leaves the other ids to the commands that know them).
 * `today` is the local date as YYYY-MM-DD (the CLI's clock; core code has none).
 */
export function loadConfig(host: HostFs, knownRuleIds: readonly string[] | ((id: string) => boolean), today: string): KnobsConfig {
  const known = typeof knownRuleIds === 'function' ? knownRuleIds : (id: string) => knownRuleIds.includes(id);
  host.assertTrusted('/etc/knobs');
  host.assertTrusted(CONFIG_PATH);
  const text = host.readText(CONFIG_PATH);
  const out: KnobsConfig = { accept: [], expired: [] };
  if (text === null) return out;
  const lines = scanLines(text);
  rejectReservedNames(CONFIG_PATH, lines, text);
  for (const [section, entries] of lines) {
    if (section !== 'accept') continue;
    for (const [rawKey, info] of entries) {
      const [id = '', key, ...extra] = rawKey.split(/\s+/);
      const where = (what: string) => inputError(CONFIG_PATH, info.line, rawKey, what);
      if (!known(id)) throw where('unknown rule id in [accept]; see `knobs explain <rule-id>`');
      if (extra.length) throw where('expected `<rule-id>` or `<rule-id> <sysctl-key>` before the `=`');
      const raw = info.raw.replace(/\s[;#].*$/, '').trim();
      const until = UNTIL.exec(raw);
      const reason = (until ? raw.slice(0, until.index) : raw).replace(/[\s,;(]+$/, '').trim();
      if (!reason || reason === 'true') throw where('an accepted finding needs a reason: <rule-id> [<key>] = <why this host accepts it> [until YYYY-MM-DD]');
      if (until && !validDate(until[1]!)) throw where(`"${until[1]}" is not a date (YYYY-MM-DD)`);
      let normKey: string | null = null;
      if (key !== undefined) {
        normKey = normaliseSysctlKey(key);
        if (!/^[\w*?[\]!^/-]+(\.[\w*?[\]!^/-]+)+$/.test(normKey)) throw where(`"${key}" is not a sysctl key`);
      }
      const entry: AcceptEntry = { rule: id, key: normKey, reason, until: until?.[1] ?? null, line: info.line };
      if (entry.until !== null && today > entry.until) out.expired.push(entry);
      else out.accept.push(entry);
    }
  }
  return out;
}
