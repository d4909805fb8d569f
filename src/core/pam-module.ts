// Which pam_limits a host runs, and what that build does. Pure: src/host/pam-module.ts
// collects the evidence (package database, changelog, os-release, strings in
// pam_limits.so) and this module turns it into behaviour.
//
// Every behaviour below was read in the source of the version it names
// (linux-pam git tags; Debian's debian/patches-applied at 1.1.8-3.6, 1.3.1-5,
// 1.4.0-9+deb11u1, 1.5.2-6+deb12u1 and debian/patches at 1.5.3-7/-8; Red Hat's pam.spec
// at pam-1.1.8-22.el7, pam-1.3.1-27.el8, pam-1.5.1-15.el9):
//
// - EPERM from setrlimit (a hard nofile above fs.nr_open): upstream setup_limits() ORs
//   the failure into its status and the session is refused (PAM_PERM_DENIED, `su: cannot
//   open session: Permission denied`). Debian patch 032_pam_limits_EPERM_NOT_FATAL
//   (every Debian and Ubuntu release) skips it: the whole setrlimit() for that item is
//   not done, so the session keeps the login service's own soft AND hard value.
//   RHEL 7/8/9 carry no such patch.
// - `unlimited`/`infinity`/`-1` for nofile: since upstream 3234488f (v1.5.2) pam_limits
//   substitutes fs.nr_open. Before it RLIM_INFINITY reaches setrlimit, which fails with
//   EPERM (fatal upstream, silently skipped on Debian). RHEL backported it:
//   pam-1.3.1-16.el8 (#2047655) and pam-1.5.1-9.el9 (#1989900).
// - A missing limits.conf or a limits.d/*.conf that cannot be opened: parse_config_file()
//   returns PAM_SERVICE_ERR (`su: cannot open session: Error in service module`) up to
//   1.5.2; from 14ea1011 (v1.5.3) ENOENT (missing file, dangling link) is accepted, other
//   errors (ELOOP, EACCES) still fail.
// - Fields: up to 1.5.x sscanf("%s%s%s%s") splits on any isspace() and ignores a fifth
//   field; fgets() into a 1024-byte buffer cuts longer lines into pieces that are parsed
//   as lines of their own. From eec4358a/13dc0a77 (v1.6.0) getline() reads whole lines,
//   strtok_r(" \t") splits the first three fields and the value is the REST of the line;
//   from 9228077d (v1.6.1) that rest is trimmed of blanks and tabs.
// - Debian patch 027 (every Debian/Ubuntu release): limits start from /proc/1/limits
//   (LIMITS_DEF_KERNEL) for every item, `*`, `@group` and `%` lines do not apply to uid 0;
//   Ubuntu's pam-limits-nofile-fd-setsize-cap (in Debian too) caps the soft nofile taken
//   from PID 1 at FD_SETSIZE (1024); patch 008 adds the `chroot` item.

import type { PamModuleFacts } from './types.js';

export type PamSplit = 'sscanf' | 'rest-of-line' | 'rest-of-line-trimmed';

export interface PamBehaviour {
  /** One line for the operator: which pam_limits this is and how knobs knows. */
  summary: string;
  /** Debian/Ubuntu patch set; null = unknown. */
  debianPatches: boolean | null;
  /** EPERM from setrlimit refuses the session (upstream, RHEL); false = logged and skipped (Debian). */
  epermFatal: boolean | null;
  /** `nofile unlimited/infinity/-1` becomes fs.nr_open (≥ 1.5.2 and RHEL backports). */
  unlimitedNofileIsNrOpen: boolean | null;
  /** A missing limits.conf or a dangling limits.d link refuses the session (≤ 1.5.2). */
  missingFileFatal: boolean | null;
  /** How a line is cut into fields (known or assumed). */
  split: PamSplit;
  /** The split is what the version says (false: assumed, version unknown). */
  splitKnown: boolean;
  /** fgets(1024): a line longer than 1023 bytes is read as several lines (< 1.6.0). */
  longLinesSplit: boolean;
  /** Debian 027: `*`, `@group`, `%` lines skip uid 0; limits start from /proc/1/limits. */
  rootByNameOnly: boolean | null;
  /** Debian 008: the `chroot` item exists. */
  chrootItem: boolean | null;
}

/** Upstream Linux-PAM version ("1.5.2") from a package version ("1:1.5.2-6+deb12u1", "1.3.1-27.el8"). */
export function upstreamVersion(pkg: string): string | null {
  const m = /^(?:\d+:)?(\d+(?:\.\d+)+)/.exec(pkg.trim());
  return m ? m[1]! : null;
}

/** -1, 0, 1 comparing dotted numeric versions. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Red Hat's `-NN.elM` release number, when the package version has one. */
function elRelease(pkg: string | null): { el: number; release: number } | null {
  const m = /-(\d+)(?:\.[^.]*)*?\.el(\d+)/.exec(pkg ?? '');
  return m ? { el: Number(m[2]), release: Number(m[1]) } : null;
}

/**
 * Distribution release → the pam package it ships, for hosts where only os-release is
 * readable (an rpm database is not). Versions from the distributions' own package
 * lists: RHEL/CentOS/Rocky/Alma/Oracle 7 pam-1.1.8, 8 pam-1.3.1, 9 pam-1.5.1, 10
 * pam-1.6.1; Amazon Linux 2 pam-1.1.8, 2023 pam-1.5.1; Debian 10 1.3.1, 11 1.4.0, 12
 * 1.5.2, 13 1.7.0; Ubuntu 18.04 1.1.8, 20.04 1.3.1, 22.04 1.4.0, 24.04 1.5.3.
 */
export const DISTRO_PAM: Record<string, { family: 'debian' | 'upstream'; byMajor: Record<string, string> }> = {
  rhel: { family: 'upstream', byMajor: { '7': '1.1.8', '8': '1.3.1', '9': '1.5.1', '10': '1.6.1' } },
  amzn: { family: 'upstream', byMajor: { '2': '1.1.8', '2023': '1.5.1' } },
  debian: { family: 'debian', byMajor: { '10': '1.3.1', '11': '1.4.0', '12': '1.5.2', '13': '1.7.0' } },
  ubuntu: { family: 'debian', byMajor: { '18.04': '1.1.8', '20.04': '1.3.1', '22.04': '1.4.0', '24.04': '1.5.3' } },
};
/** IDs that ship Red Hat's pam package unchanged. */
export const RHEL_LIKE = ['rhel', 'centos', 'rocky', 'almalinux', 'ol', 'cloudlinux', 'eurolinux', 'virtuozzo'];

function isRedHat(f: PamModuleFacts): boolean {
  return elRelease(f.packageVersion) !== null || (f.distro !== null && RHEL_LIKE.includes(f.distro.id));
}

function rhelBackportedNrOpen(facts: PamModuleFacts, version: string | null): boolean | null {
  const el = elRelease(facts.packageVersion);
  if (el && el.el <= 7) return false;
  if (el?.el === 8 && version === '1.3.1') return el.release >= 16;
  if (el?.el === 9 && version === '1.5.1') return el.release >= 9;
  const d = facts.distro;
  if (d && RHEL_LIKE.includes(d.id)) {
    const [major, minor] = d.versionId.split('.').map(Number);
    if (major !== undefined && major <= 7) return false; // pam-1.1.8-*.el7: no backport (pam.spec at 1.1.8-22.el7)
    // 1.3.1-16.el8 (January 2022) first shipped in 8.6; 1.5.1-9.el9 (December 2021) predates 9.0.
    if (major === 8) return minor === undefined || Number.isNaN(minor) ? null : minor >= 6;
    if (major === 9) return true;
  }
  return null;
}

export function pamBehaviour(facts: PamModuleFacts | undefined): PamBehaviour {
  const f: PamModuleFacts = facts ?? { family: null, version: null, packageVersion: null, distro: null, evidence: [], markers: [] };
  const marker = (m: string) => f.markers.includes(m);
  // Strings in pam_limits.so itself beat any version mapping: they are the build that runs.
  const haveBinary = f.binary !== undefined;
  const debian = haveBinary ? marker('debian-eperm-log') : f.family === null ? null : f.family === 'debian';
  const v = f.version;

  let unlimited: boolean | null;
  if (haveBinary) unlimited = marker('nofile-unlimited-is-nr-open');
  else if (v !== null && compareVersions(v, '1.5.2') >= 0) unlimited = true;
  else if (debian === true) unlimited = v === null ? null : false;
  else if (isRedHat(f)) unlimited = rhelBackportedNrOpen(f, v);
  else unlimited = v === null ? null : false;

  let missingFatal: boolean | null;
  if (haveBinary) missingFatal = !marker('missing-file-ok');
  else missingFatal = v === null ? null : compareVersions(v, '1.5.3') < 0;

  let split: PamSplit = 'sscanf';
  let splitKnown = true;
  if (haveBinary && marker('split-sscanf')) split = 'sscanf';
  else if (haveBinary && marker('split-rest-trimmed')) split = 'rest-of-line-trimmed';
  else if (haveBinary && marker('split-rest')) split = 'rest-of-line';
  else if (v !== null && compareVersions(v, '1.6.1') >= 0) split = 'rest-of-line-trimmed';
  else if (v !== null && compareVersions(v, '1.6.0') >= 0) split = 'rest-of-line';
  else if (v === null) splitKnown = false;

  const name = debian === null ? 'build unknown' : debian ? 'Debian/Ubuntu build' : 'upstream Linux-PAM';
  const ver = f.packageVersion ?? v;
  const summary = `${name}${ver ? ` ${ver}` : ''}${f.evidence.length ? ` — ${f.evidence.join('; ')}` : ', nothing under the root says which'}`;
  return {
    summary,
    debianPatches: debian,
    epermFatal: debian === null ? null : !debian,
    unlimitedNofileIsNrOpen: unlimited,
    missingFileFatal: missingFatal,
    split,
    splitKnown,
    longLinesSplit: split === 'sscanf',
    rootByNameOnly: debian,
    chrootItem: debian,
  };
}

/** What a login does when pam_limits' setrlimit(nofile) fails with EPERM, in words. */
export function epermOutcome(b: PamBehaviour): string {
  if (b.epermFatal === true) return 'pam_limits logs "Could not set limit for \'nofile\'" and refuses the session: logins, ssh sessions and su fail';
  if (b.epermFatal === false) return 'pam_limits logs the EPERM and opens the session anyway with the nofile limit NOT applied: the session keeps the login service\'s own soft and hard nofile (Debian patch 032)';
  return 'upstream Linux-PAM and RHEL refuse the session (logins, ssh and su fail); Debian and Ubuntu open it with the nofile limit silently not applied — knobs could not tell which pam_limits this host runs';
}
