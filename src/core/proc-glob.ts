// glob(3) over /proc/sys as each loader calls it. Pure: the tree is a callback.
//
// procps 4.0.2 write_setting_list(): glob(path, 0) — sorted results, no braces,
// nothing when nothing matches; results keep the pattern's own spelling
// (`net//ipv4/conf/*/rp_filter` gives net//ipv4/conf/lo/rp_filter), which
// matters because procps compares them as strings with other lines' paths.
// systemd 252 apply_glob_option_with_prefix(): glob_extend(GLOB_NOCHECK) =
// safe_glob(GLOB_NOSORT|GLOB_BRACE|GLOB_NOCHECK), src/basic/glob-util.c:
// `{a,b}` alternatives, results in directory order, and the pattern itself
// when nothing matches (then written literally, and the write fails: ENOENT).
// Both: `*`, `?`, `[...]` never match a leading `.`, backslash escapes, a
// pattern ending in `/` matches directories only, and /proc/sys lists a
// directory in byte order of the names (the kernel keeps them in an rbtree
// ordered by namecmp(), fs/proc/proc_sysctl.c).

import { componentIsMagic, componentRegExp, unescapeComponent } from './sysctl-conf.js';

/** What a loader can see of /proc/sys. Paths are relative, resolved, `/`-separated; '' is /proc/sys. */
export interface ProcTree {
  kind(rel: string): 'file' | 'dir' | null;
  /** Names in a directory, in byte order; null when not a directory. */
  list(rel: string): readonly string[] | null;
  /** The file has no write permission (0444): both loaders fail to write it. */
  readOnly?(rel: string): boolean;
}

export type GlobFlavor = 'procps' | 'systemd';

interface Cand {
  rel: string;
  spelled: string[];
}

function join(a: string, b: string): string {
  return a === '' ? b : `${a}/${b}`;
}

function parent(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/** One glob without braces. */
function globOne(path: string, tree: ProcTree): string[] {
  const segs = path.split('/');
  let cands: Cand[] = [{ rel: '', spelled: [] }];
  const lastReal = segs.length - 1 - (segs[segs.length - 1] === '' && segs.length > 1 ? 1 : 0);
  const trailingSlash = path.endsWith('/') && path.length > 1;
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const next: Cand[] = [];
    const mustBeDir = i < lastReal || trailingSlash;
    if (seg === '' || seg === '.') {
      for (const c of cands) next.push({ rel: c.rel, spelled: [...c.spelled, seg] });
    } else if (seg === '..') {
      for (const c of cands) {
        if (c.rel === '' || tree.kind(c.rel) !== 'dir') continue; // out of /proc/sys, or through a file
        next.push({ rel: parent(c.rel), spelled: [...c.spelled, seg] });
      }
    } else if (componentIsMagic(seg)) {
      const re = componentRegExp(seg);
      for (const c of cands) {
        for (const name of tree.list(c.rel) ?? []) {
          if (!re.test(name)) continue;
          const rel = join(c.rel, name);
          if (mustBeDir && tree.kind(rel) !== 'dir') continue;
          next.push({ rel, spelled: [...c.spelled, name] });
        }
      }
    } else {
      const name = unescapeComponent(seg);
      for (const c of cands) {
        const rel = join(c.rel, name);
        const k = tree.kind(rel);
        if (k === null || (mustBeDir && k !== 'dir')) continue;
        next.push({ rel, spelled: [...c.spelled, seg] });
      }
    }
    cands = next;
    if (cands.length === 0) break;
  }
  return cands.map((c) => c.spelled.join('/'));
}

/** GLOB_BRACE: `{a,b}` alternatives (nested braces expand recursively), left to right. */
export function expandBraces(p: string): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (ch === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const body = p.slice(open + 1, i);
        const alts: string[] = [];
        let d = 0;
        let start = 0;
        for (let j = 0; j < body.length; j++) {
          const c = body[j];
          if (c === '\\') j++;
          else if (c === '{') d++;
          else if (c === '}') d--;
          else if (c === ',' && d === 0) {
            alts.push(body.slice(start, j));
            start = j + 1;
          }
        }
        alts.push(body.slice(start));
        const pre = p.slice(0, open);
        const post = p.slice(i + 1);
        return alts.flatMap((a) => expandBraces(pre + a + post));
      }
    }
  }
  return [p];
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Paths (relative to /proc/sys, spelled as the loader gets them back from
 * glob) that `pattern` matches for `flavor`.
 */
export function expandProcGlob(pattern: string, tree: ProcTree, flavor: GlobFlavor): string[] {
  if (flavor === 'procps') return globOne(pattern, tree).sort(byteOrder);
  const out = expandBraces(pattern).flatMap((alt) => globOne(alt, tree));
  return out.length > 0 ? out : [pattern];
}
