import { UserError } from '../../errors.js';
import { collectFacts } from '../../host/collect.js';
import { pamBehaviour } from '../../core/pam-module.js';
import { splitList } from '../../profiles/load.js';
import { hostFor, resolveProfiles, ruleKeys, type GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type Io } from '../io.js';

export interface FactsOptions extends GlobalOptions {
  /** Profiles this host is meant to have: recorded in the snapshot for `knobs report`. */
  profile?: string;
}

export async function runFacts(opts: FactsOptions, io: Io): Promise<number> {
  const host = hostFor(opts);
  // Checked here (an unknown name fails now, not later in the report).
  const profiles = opts.profile === undefined ? [] : resolveProfiles(host, opts.profile).profile.names;
  if (opts.profile !== undefined && !splitList(opts.profile).length) throw new UserError('--profile: empty list of profiles');
  const facts = collectFacts(host, { keys: ruleKeys(), workload: true });
  if (opts.json) {
    printJson(io, profiles.length ? { profiles, ...facts } : facts);
    return EXIT.ok;
  }
  const present = Object.values(facts.sysctl).filter((f) => f.state === 'present').length;
  const withBoot = Object.values(facts.sysctl).filter((f) => f.boot).length;
  if (profiles.length) io.out(`profiles ${profiles.join(', ')}\n`);
  io.out(`kernel   ${facts.kernel.release} (${facts.kernel.version ?? 'unparsed'})\n`);
  io.out(`sysctl   ${Object.keys(facts.sysctl).length} keys read, ${present} present, ${withBoot} set by a config file\n`);
  io.out(`loader   ${facts.sysctlConfig.loader === 'systemd' ? 'systemd-sysctl' : 'procps sysctl --system'}; ${facts.sysctlConfig.files.length} config files\n`);
  for (const f of facts.sysctlConfig.files) {
    const note = f.masked ? 'masked' : f.shadowedBy ? `hidden by ${f.shadowedBy}` : f.readBy.length ? `read by ${f.readBy.join(', ')}` : 'not read';
    io.out(`         ${f.path}${f.linkTarget ? ` -> ${f.linkTarget}` : ''} (${note}, ${f.entries.length} lines)\n`);
  }
  for (const d of facts.sysctlConfig.disagreements) {
    io.out(`         ! ${d.key}: systemd-sysctl sets ${d.systemd?.value ?? 'nothing'}, sysctl --system sets ${d.procps?.value ?? 'nothing'}\n`);
  }
  const nofile = facts.limits.self.nofile;
  io.out(`limits   this process nofile ${nofile?.soft ?? '?'}/${nofile?.hard ?? '?'}; ${facts.limits.pam.length} limits.conf/limits.d lines\n`);
  if (facts.limits.pamConfig) io.out(`         ${pamBehaviour(facts.limits.pamConfig.module).summary}\n`);
  const s = facts.sockets.states;
  io.out(`sockets  ${Object.entries(s).filter(([, n]) => n).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}\n`);
  io.out('Use --json for the full snapshot (what `--facts FILE` reads).\n');
  return EXIT.ok;
}
