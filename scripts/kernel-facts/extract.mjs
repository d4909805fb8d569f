#!/usr/bin/env node
// Extracts the sysctls of kernel source trees into src/core/kernel-data/<version>.json
// and regenerates the compact module knobs loads (src/core/kernel-data/table.ts).
// Not part of `npm test`: run it by hand when a kernel is added to trees.json.
//
//   node scripts/kernel-facts/extract.mjs --mirror DIR [--only 5.4.286,6.1.158]
//       every tree of scripts/kernel-facts/trees.json, found as DIR/<owner>+<name>/repo
//       (the layout of a bare mirror per repository; `git clone --bare` into it works)
//   node scripts/kernel-facts/extract.mjs --git GITDIR --rev COMMIT --version 6.1.158 --repo owner/name
//   node scripts/kernel-facts/extract.mjs --dir UNPACKED_TREE --version 6.1.158 --repo kernel.org/linux-6.1.158.tar.xz
//   node scripts/kernel-facts/extract.mjs --compact-only
//
// See docs/kernel-data.md for what is read and how far to trust it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCompact } from './compact.mjs';
import { runExtraction } from './extract-tree.mjs';
import { DirTree, GitTree } from './source.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const OUT = path.join(ROOT, 'src/core/kernel-data');

function args(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const name = a.slice(2);
    if (name === 'compact-only') out[name] = true;
    else out[name] = argv[++i];
  }
  return out;
}

function makefileVersion(tree) {
  const mk = tree.read('Makefile') ?? '';
  const get = (k) => new RegExp(`^${k}\\s*=\\s*(\\S*)`, 'm').exec(mk)?.[1] ?? '';
  return `${get('VERSION')}.${get('PATCHLEVEL')}.${get('SUBLEVEL') || '0'}`;
}

function writeVersion(version, source, tree) {
  const t0 = Date.now();
  const found = makefileVersion(tree);
  if (found !== version) throw new Error(`${tree.describe()}: Makefile says ${found}, not ${version}`);
  const { keys, unresolved } = runExtraction(tree, (m) => console.error(`  ${m}`));
  const sorted = [...keys.keys()].sort();
  const head = {
    version,
    source,
    generator: 'scripts/kernel-facts/extract.mjs',
    note: 'One entry per sysctl under net.ipv4, net.ipv6, net.core, net.netfilter, fs, vm and kernel; a `*` path component stands for a device (conf, neigh). Fields: see docs/kernel-data.md.',
    unresolvedRegistrations: unresolved,
  };
  const lines = sorted.map((k) => `    ${JSON.stringify(k)}: ${JSON.stringify(keys.get(k))}`);
  const text = JSON.stringify(head, null, 2).replace(/\n}$/, `,\n  "keys": {\n${lines.join(',\n')}\n  }\n}\n`);
  fs.mkdirSync(OUT, { recursive: true });
  fs.writeFileSync(path.join(OUT, `${version}.json`), text);
  console.error(`${version}: ${sorted.length} keys, ${unresolved.length} registrations not followed, ${Date.now() - t0} ms`);
}

function main() {
  const a = args(process.argv.slice(2));
  if (!a['compact-only']) {
    if (a.mirror) {
      const manifest = JSON.parse(fs.readFileSync(path.join(HERE, 'trees.json'), 'utf8'));
      const only = a.only ? new Set(a.only.split(',')) : null;
      for (const t of manifest.trees) {
        if (only && !only.has(t.version)) continue;
        const base = path.join(a.mirror, t.repo.replace('/', '+'), 'repo');
        const gitDir = fs.existsSync(path.join(base, '.git')) ? path.join(base, '.git') : base;
        console.error(`${t.version}: ${t.repo}@${t.commit}`);
        writeVersion(t.version, { repo: t.repo, commit: t.commit, ...(t.note ? { note: t.note } : {}) }, new GitTree(gitDir, t.commit));
      }
    } else if (a.git) {
      const tree = new GitTree(a.git, a.rev ?? 'HEAD');
      writeVersion(a.version, { repo: a.repo ?? 'unknown', commit: tree.rev }, tree);
    } else if (a.dir) {
      writeVersion(a.version, { repo: a.repo ?? 'unknown', commit: null }, new DirTree(a.dir));
    } else {
      throw new Error('give --mirror DIR, --git GITDIR --rev COMMIT --version V, --dir TREE --version V, or --compact-only');
    }
  }
  writeCompact(OUT);
}

main();
