// What a journal.json may say, written down. A journal is data on disk that rollback
// acts on as root, so every field is checked before a byte is restored: the paths
// may only be the files knobs manages, the keys only ones knobs sets, modes and
// owners only what knobs itself records (no setuid/setgid bits, root or the user
// running knobs as owner), the backups only knobs' own `files/<n>` names.
// Anything else refuses the journal, naming the file and the field.

import * as v from 'valibot';
import { isManagedPath, mayCreateDir, mayKnobsSet } from '../core/managed-paths.js';
import { describeIssue } from '../core/json-path.js';
import type { Journal } from './types.js';

export const JOURNAL_ID = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/;

const SHA = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, 'a sha256 in hex'));
const MODE = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0o777, 'permission bits only (no setuid, setgid or sticky bit)'));
const ID_NUM = v.pipe(v.number(), v.integer(), v.minValue(0));
/** No NUL, bounded: values knobs read from /proc/sys or a config line. */
const TEXT = v.pipe(v.string(), v.maxLength(1024 * 1024), v.check((s) => !s.includes('\0'), 'text without NUL bytes'));

const FILE = v.strictObject({
  path: v.pipe(v.string(), v.check(isManagedPath, 'a file knobs manages (/etc/sysctl.d/NN-knobs.conf, /etc/security/limits.d/NN-knobs.conf, /etc/systemd/system/<unit>.d/90-knobs.conf)')),
  prevKind: v.picklist(['file', 'symlink', 'absent']),
  backup: v.nullable(v.string()),
  prevLink: v.nullable(v.pipe(TEXT, v.maxLength(4096))),
  prevMode: v.nullable(MODE),
  prevUid: v.nullable(ID_NUM),
  prevGid: v.nullable(ID_NUM),
  prevSha256: v.nullable(SHA),
  newSha256: v.nullable(SHA),
  written: v.nullable(v.string()),
  newMode: MODE,
  createdDirs: v.array(v.string()),
});

const SYSCTL = v.strictObject({
  key: v.pipe(
    v.string(),
    v.check((k) => /^[^./\s][^\s]*$/.test(k) && !k.split('.').some((c) => c === '' || c === '..' || c === '/..'), 'a sysctl key under /proc/sys'),
    v.check(mayKnobsSet, 'a key knobs sets (its catalogue, or a per-interface net.ipv4/ipv6.conf setting)'),
  ),
  previous: v.nullable(TEXT),
  previousRaw: v.nullable(TEXT),
  value: TEXT,
});

/** A key the kernel changed by itself when `sideEffectOf` (one of the journal's sysctls) was written. */
const SIDE_EFFECT = v.strictObject({
  ...SYSCTL.entries,
  sideEffectOf: v.string(),
});

const JOURNAL = v.strictObject({
  version: v.literal(1),
  id: v.pipe(v.string(), v.regex(JOURNAL_ID, 'a transaction id (20261122T010203Z-ab12)')),
  seq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  time: v.pipe(v.string(), v.isoTimestamp()),
  user: v.pipe(v.string(), v.maxLength(1024)),
  pid: v.pipe(v.number(), v.integer(), v.minValue(1)),
  lockToken: v.pipe(v.string(), v.regex(/^[0-9a-f]{1,64}$/, 'a lock token in hex')),
  profiles: v.array(v.pipe(v.string(), v.maxLength(256))),
  scope: v.strictObject({ persist: v.boolean(), runtime: v.boolean() }),
  state: v.literal('pending'),
  files: v.array(FILE),
  sysctls: v.array(SYSCTL),
  sideEffects: v.optional(v.array(SIDE_EFFECT)),
  updated: v.pipe(v.string(), v.isoTimestamp()),
});

/**
 * The journal in `doc`, or why it must not be used (one line, starting with the
 * JSON path of the first bad field). `uids`: owners a restored file may get.
 */
export function checkJournal(doc: unknown, dirName: string, uids: ReadonlySet<number>): { journal: Journal } | { problem: string } {
  const r = v.safeParse(JOURNAL, doc);
  if (!r.success) return { problem: describeIssue(r.issues[0]) };
  const j = r.output as Journal;
  if (j.id !== dirName) return { problem: `$.id: ${j.id} is not the name of its directory (${dirName})` };
  const paths = new Set<string>();
  for (const [i, f] of j.files.entries()) {
    const at = `$.files[${i}]`;
    if (paths.has(f.path)) return { problem: `${at}.path: ${f.path} is named twice` };
    paths.add(f.path);
    // Only what knobs itself writes, so that a journal cannot point a restore at another file of the journal dir or outside it.
    if (f.backup !== (f.prevKind === 'file' ? `files/${i}` : null)) return { problem: `${at}.backup: expected ${f.prevKind === 'file' ? `"files/${i}"` : 'null'}` };
    if (f.written !== (f.newSha256 !== null ? `files/${i}.new` : null)) return { problem: `${at}.written: expected ${f.newSha256 !== null ? `"files/${i}.new"` : 'null'}` };
    if (f.prevKind === 'file' && (f.prevSha256 === null || f.prevMode === null)) return { problem: `${at}: a previous file needs its sha256 and mode` };
    if (f.prevKind === 'symlink' && f.prevLink === null) return { problem: `${at}.prevLink: a previous symlink needs its target` };
    if (f.prevKind !== 'symlink' && f.prevLink !== null) return { problem: `${at}.prevLink: only a previous symlink has a target` };
    if (f.prevUid !== null && !uids.has(f.prevUid)) return { problem: `${at}.prevUid: ${f.prevUid} is not root (knobs only restores files owned by root or by the user running it)` };
    for (const [k, d] of f.createdDirs.entries()) {
      if (!mayCreateDir(f.path, d)) return { problem: `${at}.createdDirs[${k}]: ${d} is not a directory above ${f.path}` };
    }
  }
  const keys = new Set<string>();
  for (const [i, s] of j.sysctls.entries()) {
    if (keys.has(s.key)) return { problem: `$.sysctls[${i}].key: ${s.key} is named twice` };
    keys.add(s.key);
  }
  const effects = new Set<string>();
  for (const [i, s] of (j.sideEffects ?? []).entries()) {
    if (effects.has(s.key)) return { problem: `$.sideEffects[${i}].key: ${s.key} is named twice` };
    effects.add(s.key);
    if (!keys.has(s.sideEffectOf ?? '')) return { problem: `$.sideEffects[${i}].sideEffectOf: ${s.sideEffectOf} is not one of the journal's sysctls` };
  }
  return { journal: j };
}
