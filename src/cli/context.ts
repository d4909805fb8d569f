// What most commands need: the host (rooted at --root), the rules, the profiles,
// the site config, and host facts (live, or from a saved snapshot).

import fs from 'node:fs';
import type { Rule } from '../core/define-rule.js';
import { EMPTY_PROFILE } from '../core/combine.js';
import type { HostFacts, ResolvedProfile } from '../core/types.js';
import { UserError } from '../errors.js';
import { collectFacts } from '../host/collect.js';
import { HostFs } from '../host/host-fs.js';
import { loadConfig, type KnobsConfig } from '../profiles/config.js';
import { ProfileSet, splitList } from '../profiles/load.js';
import { rules } from '../../rules/index.js';
import { SCHEMA_VERSION } from './io.js';

export interface GlobalOptions {
  root?: string;
  json?: boolean;
}

export function hostFor(opts: GlobalOptions): HostFs {
  const root = opts.root ?? '/';
  if (!fs.existsSync(root)) throw new UserError(`--root ${root}: no such directory`);
  return new HostFs(root);
}

export function allRules(): readonly Rule[] {
  return rules;
}

export function ruleKeys(): string[] {
  return [...new Set(rules.flatMap((r) => [...r.keys, ...(r.requires ?? []), ...(r.requiresAbsent ?? [])]))];
}

export function resolveProfiles(host: HostFs, profileOption: string | undefined): { set: ProfileSet; profile: ResolvedProfile } {
  const set = ProfileSet.load(host);
  const names = splitList(profileOption);
  return { set, profile: names.length ? set.resolve(names) : EMPTY_PROFILE };
}

export function siteConfig(host: HostFs): KnobsConfig {
  return loadConfig(host, rules.map((r) => r.id));
}

/** Live facts, or a snapshot written by `knobs facts --json`. */
export function factsFor(host: HostFs, factsFile: string | undefined): HostFacts {
  if (!factsFile) return collectFacts(host, { keys: ruleKeys() });
  return readFactsFile(factsFile);
}

/** `-` reads the snapshot from stdin (`ssh host knobs facts --json | knobs audit --facts -`). */
export function readFactsFile(file: string): HostFacts {
  const label = file === '-' ? 'stdin' : file;
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new UserError(`${label}: ${e.code === 'ENOENT' ? 'no such file' : e.code ? e.code : `not valid JSON (${e.message})`}`, 'write one with: knobs facts --json > FILE');
  }
  const d = doc as Partial<HostFacts> & { schemaVersion?: number };
  if (typeof d !== 'object' || d === null || d.schemaVersion === undefined || !d.kernel || !d.sysctl || !d.sysctlConfig || !d.limits || !d.sockets) {
    throw new UserError(`${label}: not a knobs facts snapshot (expected schemaVersion, kernel, sysctl, sysctlConfig, limits, sockets)`, 'write one with: knobs facts --json > FILE');
  }
  if (d.schemaVersion !== SCHEMA_VERSION) {
    throw new UserError(`${label}: snapshot schemaVersion ${d.schemaVersion}; this knobs reads ${SCHEMA_VERSION}`);
  }
  const { schemaVersion: _ignored, ...facts } = d;
  return facts as HostFacts;
}
