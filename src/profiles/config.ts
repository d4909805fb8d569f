// etc/knobs/knobs.ini: site configuration. `[accept]` maps a rule id to the reason
// the site accepts its finding; accepted findings are shown but do not fail.

import ini from 'ini';
import { inputError } from '../errors.js';
import type { HostFs } from '../host/host-fs.js';
import { rejectReservedNames, scanLines } from './parse.js';

export const CONFIG_PATH = '/etc/knobs/knobs.ini';

export interface KnobsConfig {
  accept: Record<string, string>;
}

/**
 * `knownRuleIds`: the ids an accept line may name, or a test for them (`knobs sockets`
 * loads only its own rules, and leaves the other ids to the commands that know them).
 */
export function loadConfig(host: HostFs, knownRuleIds: readonly string[] | ((id: string) => boolean)): KnobsConfig {
  const known = typeof knownRuleIds === 'function' ? knownRuleIds : (id: string) => knownRuleIds.includes(id);
  host.assertTrusted('/etc/knobs');
  host.assertTrusted(CONFIG_PATH);
  const text = host.readText(CONFIG_PATH);
  if (text === null) return { accept: {} };
  rejectReservedNames(CONFIG_PATH, scanLines(text), text);
  const parsed = ini.parse(text) as Record<string, unknown>;
  const accept: Record<string, string> = {};
  const section = parsed.accept;
  if (section && typeof section === 'object') {
    for (const [id, reason] of Object.entries(section as Record<string, unknown>)) {
      const line = text.split(/\r?\n/).findIndex((l) => l.trim().startsWith(id)) + 1 || null;
      if (!known(id)) throw inputError(CONFIG_PATH, line, id, 'unknown rule id in [accept]; see `knobs explain <rule-id>`');
      const why = String(reason).trim();
      if (!why || why === 'true') throw inputError(CONFIG_PATH, line, id, 'an accepted finding needs a reason: <rule-id> = <why this host accepts it>');
      accept[id] = why;
    }
  }
  return { accept };
}
