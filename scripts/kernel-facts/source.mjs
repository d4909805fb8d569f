// Read access to one kernel source tree: a git directory at a commit (what the
// `fetch` tool and any `git clone --bare` give: nothing is checked out) or a plain
// directory (an unpacked tarball). Only the files the extraction needs are read.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const BIG = 1 << 30;

export class GitTree {
  constructor(gitDir, rev) {
    this.gitDir = gitDir;
    this.rev = execFileSync('git', ['-C', gitDir, 'rev-parse', '--verify', `${rev}^{commit}`], { encoding: 'utf8' }).trim();
    this.cache = new Map();
  }

  describe() {
    return `${this.gitDir}@${this.rev}`;
  }

  /** Paths (relative) of files matching git pathspecs whose text matches the extended regex. */
  filesMatching(regex, pathspecs) {
    const r = spawnSync('git', ['-C', this.gitDir, 'grep', '-l', '-E', '-e', regex, this.rev, '--', ...pathspecs], { encoding: 'utf8', maxBuffer: BIG });
    if (r.status !== 0 && r.status !== 1) throw new Error(`git grep failed: ${r.stderr}`);
    return r.stdout.split('\n').filter(Boolean).map((l) => l.slice(this.rev.length + 1));
  }

  /** Lines containing any of the fixed strings: [{file, line, text}]. */
  grepFixed(strings, pathspecs, prefix = '') {
    // PCRE with one alternation is much faster in git grep than -F -w with many patterns.
    const out = [];
    for (let i = 0; i < strings.length; i += 400) {
      const words = strings.slice(i, i + 400).map((w) => w.replace(/[^\w]/g, (c) => `\\${c}`));
      const r = spawnSync('git', ['-C', this.gitDir, 'grep', '-n', '-P', '-e', `${prefix}\\b(?:${words.join('|')})\\b`, this.rev, '--', ...pathspecs], {
        encoding: 'utf8',
        maxBuffer: BIG,
      });
      if (r.status !== 0 && r.status !== 1) throw new Error(`git grep failed: ${r.stderr}`);
      for (const hit of parseGrep(r.stdout, this.rev.length + 1)) out.push(hit);
    }
    return out;
  }

  exists(file) {
    return spawnSync('git', ['-C', this.gitDir, 'cat-file', '-e', `${this.rev}:${file}`]).status === 0;
  }

  read(file) {
    if (!this.cache.has(file)) this.readMany([file]);
    return this.cache.get(file) ?? null;
  }

  /** Reads many files in one `git cat-file --batch`. */
  readMany(files) {
    const want = files.filter((f) => !this.cache.has(f));
    if (want.length === 0) return;
    const r = spawnSync('git', ['-C', this.gitDir, 'cat-file', '--batch'], {
      input: want.map((f) => `${this.rev}:${f}`).join('\n') + '\n',
      maxBuffer: BIG,
    });
    if (r.status !== 0) throw new Error(`git cat-file failed: ${r.stderr}`);
    const buf = r.stdout;
    let pos = 0;
    for (const f of want) {
      const nl = buf.indexOf(10, pos);
      const header = buf.subarray(pos, nl).toString('utf8');
      pos = nl + 1;
      if (header.endsWith(' missing')) {
        this.cache.set(f, null);
        continue;
      }
      const size = Number(header.split(' ')[2]);
      this.cache.set(f, buf.subarray(pos, pos + size).toString('latin1'));
      pos += size + 1;
    }
  }
}

export class DirTree {
  constructor(dir) {
    this.dir = dir;
    this.cache = new Map();
  }

  describe() {
    return this.dir;
  }

  walk(pathspecs) {
    // The git pathspecs this script uses: directories, `*.c`-style suffixes and
    // `:(exclude)dir` prefixes.
    const out = [];
    const excludes = pathspecs.filter((p) => p.startsWith(':(exclude)')).map((p) => p.slice(':(exclude)'.length));
    const roots = pathspecs.filter((p) => !p.includes('*') && !p.startsWith(':'));
    const exts = pathspecs.filter((p) => p.startsWith('*.')).map((p) => p.slice(1));
    const visit = (rel) => {
      if (excludes.some((x) => rel === x || rel.startsWith(`${x}/`))) return;
      const full = path.join(this.dir, rel);
      let st;
      try {
        st = fs.statSync(full);
      } catch {
        return;
      }
      if (st.isDirectory()) for (const e of fs.readdirSync(full)) visit(rel === '.' ? e : path.join(rel, e));
      else if (exts.length === 0 || exts.some((e) => rel.endsWith(e))) out.push(rel);
    };
    for (const r of roots.length ? roots : ['.']) visit(r);
    return out;
  }

  filesMatching(regex, pathspecs) {
    const re = new RegExp(regex);
    return this.walk(pathspecs).filter((f) => re.test(this.read(f) ?? ''));
  }

  grepFixed(strings, pathspecs, prefix = '') {
    const re = new RegExp(`${prefix}\\b(${strings.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\b`);
    const out = [];
    for (const f of this.walk(pathspecs)) {
      const lines = (this.read(f) ?? '').split('\n');
      lines.forEach((text, i) => {
        if (re.test(text)) out.push({ file: f, line: i + 1, text });
      });
    }
    return out;
  }

  exists(file) {
    return fs.existsSync(path.join(this.dir, file));
  }

  read(file) {
    if (!this.cache.has(file)) {
      try {
        this.cache.set(file, fs.readFileSync(path.join(this.dir, file), 'latin1'));
      } catch {
        this.cache.set(file, null);
      }
    }
    return this.cache.get(file);
  }

  readMany(files) {
    for (const f of files) this.read(f);
  }
}

function parseGrep(stdout, prefix) {
  const out = [];
  for (const l of stdout.split('\n')) {
    if (!l) continue;
    const rest = l.slice(prefix);
    const m = /^([^:]+):(\d+):(.*)$/.exec(rest);
    if (m) out.push({ file: m[1], line: Number(m[2]), text: m[3] });
  }
  return out;
}
