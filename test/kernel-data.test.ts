// The catalogue against the kernel's own source: for every catalogue key and every
// kernel version the extracted data covers, the key exists exactly where the
// catalogue says, has the scope it says, the bounds it presents as "the kernel
// rejects" are the handler's, and a constant default is the init code's constant.
// The data comes from scripts/kernel-facts/extract.mjs (run by hand on kernel trees);
// this test also checks that the compact table knobs loads matches that data.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFor, handlerBounds, keyInfo, knownFamilies, knownKeys, readOnlyAt, scopeFor } from '../src/core/catalog.js';
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

/** Handlers that never read extra1/extra2 (a table may still set them, e.g. vm.vfs_cache_pressure before 4.18). */
const IGNORES_EXTRAS = /^(proc_dointvec|proc_dointvec_jiffies|proc_dointvec_ms_jiffies|proc_dointvec_userhz_jiffies|proc_douintvec|proc_dostring)$/;

/** The bounds a handler enforces: its extras, or its type's range (u8, unsigned int). */
function effectiveBounds(f: RawFact): { min?: string; max?: string } {
  const h = [f.handler, f.handlerBase].join(' ');
  const type = /proc_dou8vec_minmax/.test(h) ? { min: '0', max: '255' } : /proc_douintvec/.test(h) ? { min: '0', max: '4294967295' } : {};
  if (IGNORES_EXTRAS.test(f.handlerBase ?? f.handler ?? '')) return type;
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

/**
 * Where the extracted data is known to be wrong or incomplete, checked by hand in the
 * cited source. A listed problem must still occur (so a fixed extraction drops the row).
 */
const EXTRACTION_GAPS: { key: string; versions: string[]; problem: RegExp; why: string }[] = [
  {
    key: 'kernel.pid_max',
    versions: ['6.18.2', '7.1.3'],
    problem: /exists — catalogue yes/,
    why: 'pid_table in kernel/pid.c is registered per PID namespace (".data = &init_pid_ns.pid_max", kernel/pid.c@codesnas/linux-6.18.y), a registration the extraction does not follow',
  },
  ...['kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni'].map((key) => ({
    key,
    versions: ['6.1.158', '6.6.9', '6.12.0', '6.18.2', '7.1.3'],
    problem: /exists — catalogue yes/,
    why: 'setup_ipc_sysctls() registers the IPC table per IPC namespace with __register_sysctl_table(&ns->ipc_set, "kernel", tbl) (ipc/ipc_sysctl.c@6.1.158), which the extraction does not follow',
  })),
  {
    key: 'kernel.dmesg_restrict',
    versions: ['3.10.99'],
    problem: /default — catalogue none, kernel 1/,
    why: 'the initialiser is IS_ENABLED(CONFIG_SECURITY_DMESG_RESTRICT), a build option, in every version; the 3.10 extraction evaluated it to 1',
  },
  {
    key: 'kernel.nmi_watchdog',
    versions: ['6.6.9', '6.12.0', '6.18.2'],
    problem: /read-only — catalogue false, kernel mode 0444/,
    why: 'watchdog_hardlockup_sysctl[] is declared 0444 and watchdog_sysctl_init() makes it 0644 when a hard-lockup detector exists (kernel/watchdog.c, 6.5 to 6.17)',
  },
];

function gapFor(key: string, version: string, problem: string): boolean {
  return EXTRACTION_GAPS.some((g) => g.key === key && g.versions.includes(version) && g.problem.test(problem));
}

describe('the catalogue agrees with the kernel source at every covered version', () => {
  // Families are checked through their `*` entry, as the data writes them.
  const keys = [...knownKeys(), ...knownFamilies()].filter((k) => !keyInfo(k)!.notInKernelData);

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
    const real = problems.filter((p) => !gapFor(key, p.split(' @ ')[1]!.split(':')[0]!, p));
    const listed = EXTRACTION_GAPS.filter((g) => g.key === key).flatMap((g) => g.versions.map((v) => ({ v, g })));
    const stale = listed.filter(({ v, g }) => !problems.some((p) => p.startsWith(`${key} @ ${v}:`) && g.problem.test(p))).map(({ v }) => `${key} @ ${v}: listed as an extraction gap but the data agrees now`);
    expect([...real, ...stale]).toEqual([]);
  });
});

describe('entries outside the extracted data', () => {
  it('say why, and are not in the data after all', () => {
    const outside = [...knownKeys(), ...knownFamilies()].filter((k) => keyInfo(k)!.notInKernelData);
    for (const k of outside) {
      expect(keyInfo(k)!.notInKernelData!.length, k).toBeGreaterThan(20);
      expect(versions.some((v) => kernelKeyPresentAt(k, v)), k).toBe(false);
    }
  });
});
