// Which pam_limits this host (under --root) runs, from what its files say. I/O only; what
// each build does is decided in src/core/pam-module.ts.
//
// Evidence, strongest first:
// 1. pam_limits.so itself: strings that only some builds contain —
//    "; uid=%lu,euid=%lu"                     Debian patch 040 (shipped with 032, EPERM not fatal)
//    'Cannot set "nofile" to a sensible value' 3234488f (1.5.2; RHEL backports): unlimited → nr_open
//    "Cannot allocate memory for file list"   read_limits_dir() of 1.5.3: missing files are accepted
//    "%s%s%s%s"                               the sscanf() field split of ≤ 1.5.x
//    "invalid line %llu in '%s' - skipped"    1.6.1 (value = rest of line, trimmed)
// 2. The package: dpkg's status database (libpam-modules), else Debian's changelog in
//    /usr/share/doc/libpam-modules. (An rpm database is not readable: sqlite / Berkeley DB.)
// 3. etc/os-release: the distribution release, mapped to the pam it ships (DISTRO_PAM).

import fs from 'node:fs';
import zlib from 'node:zlib';
import { DISTRO_PAM, RHEL_LIKE, upstreamVersion } from '../core/pam-module.js';
import type { PamModuleFacts } from '../core/types.js';
import type { HostFs } from './host-fs.js';

const MODULE_DIRS = [
  ...['x86_64-linux-gnu', 'aarch64-linux-gnu', 'arm-linux-gnueabihf', 'i386-linux-gnu', 'powerpc64le-linux-gnu', 's390x-linux-gnu', 'riscv64-linux-gnu'].flatMap(
    (t) => [`/lib/${t}/security`, `/usr/lib/${t}/security`],
  ),
  '/lib64/security',
  '/usr/lib64/security',
  '/lib/security',
  '/usr/lib/security',
];

const MARKERS: [string, string][] = [
  ['debian-eperm-log', '; uid=%lu,euid=%lu'],
  ['nofile-unlimited-is-nr-open', 'Cannot set "nofile" to a sensible value'],
  ['missing-file-ok', 'Cannot allocate memory for file list'],
  ['split-sscanf', '%s%s%s%s'],
  ['split-rest-trimmed', "invalid line %llu in '%s' - skipped"],
];

/** A module is ~30 KiB; anything much larger is not what we look for. */
const MAX_MODULE_BYTES = 4 * 1024 * 1024;

/** Bytes of a regular file under the root, or null (missing, not regular, too large, unreadable). */
function readRegular(hfs: HostFs, hostPath: string, max: number): Buffer | null {
  const st = hfs.stat(hostPath);
  if (!st?.isFile() || st.size > max) return null;
  try {
    return fs.readFileSync(hfs.resolve(hostPath));
  } catch {
    return null;
  }
}

export function findPamLimitsModule(hfs: HostFs): { path: string; markers: string[] } | null {
  for (const dir of MODULE_DIRS) {
    const p = `${dir}/pam_limits.so`;
    const bytes = readRegular(hfs, p, MAX_MODULE_BYTES);
    if (!bytes) continue;
    const text = bytes.toString('latin1');
    const markers = MARKERS.filter(([, s]) => text.includes(s)).map(([m]) => m);
    if (!markers.includes('split-sscanf') && !markers.includes('split-rest-trimmed') && text.includes("invalid line '%s' - skipped")) markers.push('split-rest');
    return { path: p, markers };
  }
  return null;
}

/** Version of an installed package in dpkg's status database, or null. */
export function dpkgVersion(status: string, pkg: string): string | null {
  for (const stanza of status.split(/\n\s*\n/)) {
    if (!new RegExp(`^Package: ${pkg.replace(/[.+]/g, '\\$&')}$`, 'm').test(stanza)) continue;
    if (!/^Status: \S+ ok installed$/m.test(stanza)) continue;
    const m = /^Version: (\S+)$/m.exec(stanza);
    if (m) return m[1]!;
  }
  return null;
}

/** `pam (1.5.2-6+deb12u1) bookworm; urgency=medium` → the version. */
export function changelogVersion(firstLine: string): string | null {
  const m = /^pam \(([^)\s]+)\)/.exec(firstLine);
  return m ? m[1]! : null;
}

export function parseOsRelease(text: string): { id: string; idLike: string[]; versionId: string } | null {
  const get = (k: string) => {
    const m = new RegExp(`^${k}=(.*)$`, 'm').exec(text);
    return m ? m[1]!.trim().replace(/^["']|["']$/g, '') : '';
  };
  const id = get('ID').toLowerCase();
  if (!id) return null;
  return { id, idLike: get('ID_LIKE').toLowerCase().split(/\s+/).filter(Boolean), versionId: get('VERSION_ID') };
}

export function detectPamModule(hfs: HostFs): PamModuleFacts {
  const out: PamModuleFacts = { family: null, version: null, packageVersion: null, distro: null, evidence: [], markers: [] };

  const osText = hfs.tryReadText('/etc/os-release');
  const os = parseOsRelease('text' in osText ? osText.text : (hfs.tryReadText('/usr/lib/os-release') as { text?: string }).text ?? '');
  if (os) out.distro = { id: os.id, versionId: os.versionId };

  // The package.
  const status = hfs.tryReadText('/var/lib/dpkg/status');
  const fromDpkg = 'text' in status ? dpkgVersion(status.text, 'libpam-modules') : null;
  if (fromDpkg) {
    out.packageVersion = fromDpkg;
    out.family = 'debian';
    out.evidence.push(`/var/lib/dpkg/status: libpam-modules ${fromDpkg}`);
  } else {
    const gz = readRegular(hfs, '/usr/share/doc/libpam-modules/changelog.Debian.gz', 16 * 1024 * 1024);
    let v: string | null = null;
    if (gz) {
      try {
        v = changelogVersion(zlib.gunzipSync(gz).toString('utf8').split('\n', 1)[0] ?? '');
      } catch {
        v = null;
      }
    }
    if (v) {
      out.packageVersion = v;
      out.family = 'debian';
      out.evidence.push(`/usr/share/doc/libpam-modules/changelog.Debian.gz: pam ${v}`);
    }
  }
  if (out.packageVersion) out.version = upstreamVersion(out.packageVersion);

  // The distribution, when no package says it.
  if (!out.packageVersion && os) {
    const norm = (id: string) => (RHEL_LIKE.includes(id) ? 'rhel' : id);
    const own = DISTRO_PAM[norm(os.id)];
    const like = os.idLike.map(norm).find((l) => DISTRO_PAM[l]);
    const major = norm(os.id) === 'ubuntu' ? os.versionId : os.versionId.split('.')[0] ?? '';
    if (own) {
      out.family = own.family;
      const v = own.byMajor[major];
      if (v) out.version = v;
      out.evidence.push(`/etc/os-release: ${os.id} ${os.versionId}${v ? `, which ships pam ${v}` : ''}`);
    } else if (like) {
      out.family = DISTRO_PAM[like]!.family;
      out.evidence.push(`/etc/os-release: ${os.id} ${os.versionId}, like ${like}`);
    } else if (['fedora', 'arch', 'alpine'].includes(os.id) || os.id.includes('suse') || os.idLike.some((l) => l === 'fedora' || l.includes('suse') || l === 'arch')) {
      out.family = 'upstream';
      out.evidence.push(`/etc/os-release: ${os.id} ${os.versionId} (Linux-PAM without Debian's patches)`);
    }
  }

  // The module itself.
  const mod = findPamLimitsModule(hfs);
  if (mod) {
    out.binary = mod.path;
    out.markers = mod.markers;
    const debian = mod.markers.includes('debian-eperm-log');
    if (out.family !== null && (out.family === 'debian') !== debian) {
      out.evidence.push(`${mod.path} ${debian ? 'carries' : 'lacks'} Debian's EPERM patch strings, unlike what the package says: the module wins`);
    } else {
      out.evidence.push(`${mod.path}: ${mod.markers.length ? mod.markers.join(', ') : 'no build markers'}`);
    }
    out.family = debian ? 'debian' : 'upstream';
  }
  return out;
}
