// The catalogue against the kernel's own source: for every catalogue key and every
// kernel version the extracted data covers, the key exists exactly where the
// catalogue says, has the scope it says, the bounds it presents as "the kernel
// rejects" are the handler's, and a constant default is the init code's constant.
// The data comes from scripts/kernel-facts/extract.mjs (run by hand on kernel trees);
// this test also checks that the compact table knobs loads matches that data.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFor, handlerBounds, keyInfo, knownKeys, readOnlyAt, scopeFor } from '../src/core/catalog.js';
import { kernelDataKeys, kernelDataVersions, kernelKeyFact, kernelKeyPresentAt } from '../src/core/kernel-data.js';
import { versionAtLeast } from '../src/core/kernel-version.js';
import { buildCompact, renderCompact } from '../scripts/kernel-facts/compact.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const DATA = path.join(ROOT, 'src/core/kernel-data');

interface RawFact {
  handler: string | null;
  handlerBase?: string;
  scope: 'netns' | 'global';
  mode: string | null;
  min?: string;
  max?: string;
  extra1?: string;
  extra2?: string;
  default?: string;
  defaultExpr?: string;
}
interface RawDoc {
  version: string;
  source: { repo: string; commit: string | null };
  keys: Record<string, RawFact>;
}

const docs = new Map<string, RawDoc>(
  fs
    .readdirSync(DATA)
    .filter((f) => /^\d+\.\d+\.\d+\.json$/.test(f))
    .map((f) => {
      const doc = JSON.parse(fs.readFileSync(path.join(DATA, f), 'utf8')) as RawDoc;
      return [doc.version, doc];
    }),
);
const versions = kernelDataVersions();

/** The bounds a handler enforces: its extras, or its type's range (u8, unsigned int). */
function effectiveBounds(f: RawFact): { min?: string; max?: string } {
  const h = [f.handler, f.handlerBase].join(' ');
  const type = /proc_dou8vec_minmax/.test(h) ? { min: '0', max: '255' } : /proc_douintvec/.test(h) ? { min: '0', max: '4294967295' } : {};
  return { ...type, ...(f.min !== undefined ? { min: f.min } : {}), ...(f.max !== undefined ? { max: f.max } : {}) };
}

function exists(key: string, version: string): boolean {
  const info = keyInfo(key)!;
  return (!info.addedIn || versionAtLeast(version, info.addedIn)) && (!info.removedIn || !versionAtLeast(version, info.removedIn));
}

const show = (v: string | undefined) => (v === undefined ? 'none' : v);

describe('kernel data', () => {
  it('covers the kernels the issue names, each from a named tree', () => {
    const series = versions.map((v) => v.split('.').slice(0, 2).join('.'));
    for (const want of ['3.10', '4.4', '4.9', '4.14', '4.15', '4.18', '4.19', '5.4', '5.10', '5.15', '6.1', '6.6', '6.12']) expect(series).toContain(want);
    const trees = JSON.parse(fs.readFileSync(path.join(ROOT, 'scripts/kernel-facts/trees.json'), 'utf8')) as { trees: { version: string; repo: string; commit: string }[] };
    expect(versions).toEqual(trees.trees.map((t) => t.version));
    for (const t of trees.trees) {
      const doc = docs.get(t.version)!;
      expect(doc.source.repo, t.version).toBe(t.repo);
      expect(doc.source.commit, t.version).toBe(t.commit);
    }
  });

  it('table.ts is what scripts/kernel-facts/compact.mjs makes of the JSON files', () => {
    expect(fs.readFileSync(path.join(DATA, 'table.ts'), 'utf8')).toBe(renderCompact(buildCompact(DATA)));
  });

  it('answers for the nearest covered series at or below the version asked', () => {
    const old = kernelKeyFact('net.ipv4.tcp_tw_reuse', '4.15.0')!;
    expect(old).toMatchObject({ handler: 'proc_dointvec', scope: 'netns', netnsSince: '4.10.1', version: '4.15.0' });
    expect(old.max).toBeUndefined();
    expect(kernelKeyFact('net.ipv4.tcp_tw_reuse', '4.17.3')!.version).toBe('4.15.0');
    // A 5.4.0 host gets the 5.4 series' tree (5.4.286), not 4.19's.
    expect(kernelKeyFact('net.ipv4.tcp_tw_reuse', '5.4.0')).toMatchObject({ version: '5.4.286', min: '0', max: '2', default: '2' });
    expect(kernelKeyFact('net.ipv4.tcp_tw_reuse', '3.9.0')).toBeNull();
    expect(kernelKeyFact('net.ipv4.tcp_tw_recycle', '6.1.0')).toBeNull();
    expect(kernelKeyFact('net.ipv4.tcp_tw_recycle', '4.4.0')).toMatchObject({ scope: 'global', removedIn: '4.12.0' });
    expect(kernelKeyFact('net.ipv4.tcp_tw_reuse_delay', '7.1.0')).toMatchObject({ addedIn: '6.18.2', min: '1', max: '60000' });
    expect(kernelKeyFact('fs.file-max', '6.1.0')).toMatchObject({ max: '9223372036854775807', scope: 'global' });
    expect(kernelKeyFact('net.netfilter.nf_conntrack_count', '6.1.0')).toMatchObject({ readOnly: true });
  });

  it('looks device families up by their `*` entry', () => {
    expect(kernelDataKeys()).toContain('net.ipv4.conf.*.rp_filter');
    expect(kernelKeyFact('net.ipv4.conf.eth0.rp_filter', '6.1.0')).toMatchObject({ key: 'net.ipv4.conf.eth0.rp_filter', scope: 'netns' });
  });
});

describe('the catalogue agrees with the kernel source at every covered version', () => {
  const keys = knownKeys();

  it('covers every catalogue key in the data', () => {
    const unknown = keys.filter((k) => !versions.some((v) => kernelKeyPresentAt(k, v)));
    expect(unknown).toEqual([]);
  });

  it.each(keys)('%s', (key) => {
    const info = keyInfo(key)!;
    const problems: string[] = [];
    for (const v of versions) {
      const raw = docs.get(v)!.keys[key];
      const want = exists(key, v);
      if (want !== Boolean(raw)) {
        problems.push(`${key} @ ${v}: exists — catalogue ${want ? 'yes' : 'no'} (addedIn ${info.addedIn ?? '-'}, removedIn ${info.removedIn ?? '-'}), kernel ${raw ? 'yes' : 'no'}`);
        continue;
      }
      if (!raw) continue;
      const scope = scopeFor(key, v);
      if (scope !== raw.scope) problems.push(`${key} @ ${v}: scope — catalogue ${scope} (netnsSince ${info.netnsSince ?? '-'}), kernel ${raw.scope}`);
      if (info.readOnly !== undefined || info.writableSince !== undefined || raw.mode !== null) {
        const kernelRO = raw.mode !== null && !/[2367]/.test(raw.mode.slice(-3));
        if (readOnlyAt(key, v) !== kernelRO) problems.push(`${key} @ ${v}: read-only — catalogue ${readOnlyAt(key, v)}, kernel mode ${raw.mode}`);
      }
      // Bounds the catalogue presents as rejections must be exactly the handler's.
      const cat = handlerBounds(key, v);
      const ker = effectiveBounds(raw);
      for (const side of ['min', 'max'] as const) {
        const unresolved = side === 'min' ? raw.extra1 : raw.extra2;
        if (unresolved !== undefined && ker[side] === undefined) {
          if (cat[side] !== undefined) problems.push(`${key} @ ${v}: ${side} — catalogue ${cat[side]}, kernel ${unresolved} (not a constant; claim no bound)`);
        } else if (cat[side] !== ker[side]) {
          problems.push(`${key} @ ${v}: ${side} bound — catalogue ${show(cat[side])}, kernel ${show(ker[side])} (${raw.handler}${raw.handlerBase ? ` → ${raw.handlerBase}` : ''})`);
        }
      }
      // A constant default must be the init code's constant.
      const dflt = defaultFor(key, v);
      if (dflt !== undefined && raw.defaultExpr !== undefined) {
        problems.push(`${key} @ ${v}: default — catalogue constant ${dflt}, kernel computes ${raw.defaultExpr}`);
      } else if (dflt !== undefined && raw.default !== undefined && dflt !== raw.default) {
        problems.push(`${key} @ ${v}: default — catalogue ${dflt}, kernel ${raw.default}`);
      } else if (dflt === undefined && raw.default !== undefined && !readOnlyAt(key, v)) {
        problems.push(`${key} @ ${v}: default — catalogue none, kernel ${raw.default}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
