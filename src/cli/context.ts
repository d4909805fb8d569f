// What most commands need: the host (rooted at --root), the rules, the profiles,
// the site config, and host facts (live, or from a saved snapshot).

import fs from 'node:fs';
import type { Rule } from '../core/define-rule.js';
import { EMPTY_PROFILE } from '../core/combine.js';
import type { HostFacts, ResolvedProfile } from '../core/types.js';
import { inputError, UserError } from '../errors.js';
import { profileProblems } from '../core/write-checks.js';
import { collectFacts } from '../host/collect.js';
import { checkFacts } from '../core/facts-schema.js';
import { FileTypeError, readBounded } from '../host/confine.js';
import { describeErrno, HostFs } from '../host/host-fs.js';
import { loadConfig, today, type KnobsConfig } from '../profiles/config.js';
import { ProfileSet, splitList } from '../profiles/load.js';
import { rules } from '../../rules/index.js';
import { SCHEMA_VERSION } from './io.js';
import { checkRoot } from './root.js';

export interface GlobalOptions {
  root?: string;
  json?: boolean;
}


/**
 * The host under --root. Commands that read the live host need `proc/sys` there: an
 * empty directory or a tree without it is a mistake, and auditing it would find nothing.
 */
export function hostFor(opts: GlobalOptions, need: { procSys?: boolean } = {}): HostFs {
  const root = opts.root ?? '/';
  checkRoot(root);
  if (need.procSys !== false && !fs.statSync(`${root}/proc/sys`, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UserError(
      `--root ${root}: no proc/sys under it, so there is no host to read`,
      root === '/' ? 'is /proc mounted?' : 'point --root at a directory laid out like / (proc/sys, etc, var/lib), or use --facts FILE',
    );
  }
  return new HostFs(root);
}

export function allRules(): readonly Rule[] {
  return rules;
}

export function ruleKeys(): string[] {
  return [...new Set(rules.flatMap((r) => [...r.keys, ...(r.requires ?? []), ...(r.requiresAbsent ?? [])]))];
}

/** `--profile` as given: absent is no profile; given but empty (an unset variable in a script) is an error. */
export function profileNames(profileOption: string | undefined): string[] {
  if (profileOption === undefined) return [];
  const names = splitList(profileOption);
  if (!names.length) {
    throw new UserError(`--profile "${profileOption}" names no profile`, 'give one or more names, e.g. --profile web-node (see `knobs profiles`), or leave the option out');
  }
  return names;
}

export function resolveProfiles(host: HostFs, profileOption: string | undefined): { set: ProfileSet; profile: ResolvedProfile } {
  const set = ProfileSet.load(host);
  const names = profileNames(profileOption);
  return { set, profile: names.length ? set.resolve(names) : EMPTY_PROFILE };
}

export function siteConfig(host: HostFs): KnobsConfig {
  return loadConfig(host, rules.map((r) => r.id), today());
}

/** Live facts, or a snapshot written by `knobs facts --json`. */
export function factsFor(host: HostFs, factsFile: string | undefined, extraKeys: readonly string[] = []): HostFacts {
  if (factsFile === undefined) return collectFacts(host, { keys: [...ruleKeys(), ...extraKeys] });
  return readFactsFile(factsFile);
}

const FACTS_HINT = 'write one with: knobs facts --json > FILE';
/** A snapshot is a few MB at most; more is not one. */
const MAX_FACTS_BYTES = 256 * 1024 * 1024;

/**
 * Read and validate a snapshot (`-` = stdin). It is the user's own input, so a pipe
 * (`--facts <(ssh host knobs facts --json)`) is fine; it is checked against the
 * written-down schema (src/core/facts-schema.ts) and the first bad field is named by
 * its JSON path.
 */
export function readFactsFile(file: string): HostFacts {
  if (file === '') throw new UserError('--facts: empty file name', FACTS_HINT);
  const label = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    const fd = file === '-' ? 0 : fs.openSync(file, 'r');
    try {
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      text = readBounded(fd, MAX_FACTS_BYTES).toString('utf8');
    } finally {
      if (fd !== 0) fs.closeSync(fd);
    }
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e instanceof FileTypeError ? e.message : e.code === 'ENOENT' ? 'no such file' : describeErrno(e.code ?? 'EIO');
    throw new UserError(`${label}: ${why}`, FACTS_HINT);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${label}: not valid JSON (${(err as Error).message})`, FACTS_HINT);
  }
  const d = doc as { schemaVersion?: unknown } | null;
  if (typeof d !== 'object' || d === null || Array.isArray(d) || d.schemaVersion === undefined) {
    throw new UserError(`${label}: not a knobs facts snapshot (no schemaVersion)`, FACTS_HINT);
  }
  if (d.schemaVersion !== SCHEMA_VERSION) {
    throw new UserError(`${label}: snapshot schemaVersion ${JSON.stringify(d.schemaVersion)}; this knobs reads ${SCHEMA_VERSION}`);
  }
  const { schemaVersion: _ignored, ...rest } = d;
  const checked = checkFacts(rest);
  if ('problem' in checked) throw new UserError(`${label}: ${checked.problem}`, `not a snapshot this knobs wrote; ${FACTS_HINT}`);
  return checked.facts;
}

/** Profile targets this kernel would reject are input errors, named by file and line. */
export function checkProfileOnHost(profile: ResolvedProfile, facts: HostFacts): void {
  const bad = profileProblems(profile, facts)[0];
  if (!bad) return;
  throw inputError(
    bad.file ?? `profile ${profile.names.join(',')}`,
    bad.line,
    bad.key,
    `"${bad.value}" is rejected by this kernel (${facts.kernel.release}): ${bad.reason}`,
    'a line with this value would fail at every boot; change the profile',
  );
}
