// Shared by the applier tests: fake --root trees, a whole-tree checksum, and a child
// process runner (crash and namespace tests need a process to kill or to unshare).
// Children run the applier compiled to JS, cached by a hash of its sources, so these
// tests do not depend on someone having run the build.

import { spawnSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApplyRequest, PlannedFile, PlannedSysctl } from '../../src/apply/types.js';
import { tempDir } from '../helpers/temp.js';

export { treeChecksum, treeListing } from '../helpers/tree-listing.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const INITIAL_SYSCTLS: Record<string, string> = {
  'net.ipv4.tcp_fin_timeout': '60',
  'net.ipv4.tcp_syncookies': '1',
  'net.ipv4.ip_local_port_range': '32768\t60999',
  'net.core.somaxconn': '4096',
  'net.ipv4.tcp_keepalive_time': '7200',
};

/** A --root tree: proc/sys keys as plain files, an existing sysctl.d file, var/lib. */
export function makeTree(extra: Record<string, string> = {}): string {
  const root = tempDir('knobs-apply-');
  for (const [k, v] of Object.entries(INITIAL_SYSCTLS)) writeSysctlFile(root, k, v);
  put(root, 'etc/sysctl.d/10-base.conf', '# base\nnet.ipv4.tcp_syncookies = 1\n');
  put(root, 'etc/sysctl.d/90-knobs.conf', '# old knobs file\nnet.core.somaxconn = 1024\n', 0o640);
  fs.mkdirSync(path.join(root, 'var/lib'), { recursive: true });
  for (const [p, c] of Object.entries(extra)) put(root, p, c);
  return root;
}

export function put(root: string, rel: string, content: string, mode = 0o644): void {
  const abs = path.join(root, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, content);
  fs.chmodSync(abs, mode);
}

export function writeSysctlFile(root: string, key: string, value: string): void {
  put(root, path.join('proc/sys', key.replace(/\./g, '/')), value + '\n');
}

export function readKey(root: string, key: string): string {
  return fs.readFileSync(path.join(root, 'proc/sys', key.replace(/\./g, '/')), 'utf8').trim().replace(/\s+/g, ' ');
}

export function rmTree(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}

export function request(files: PlannedFile[], sysctls: PlannedSysctl[], over: Partial<ApplyRequest> = {}): ApplyRequest {
  return { files, sysctls, profiles: ['web-node'], user: 'tester', scope: { persist: true, runtime: true }, ...over };
}

/** A typical plan: replace one file, create one in a new directory, set three keys. */
export function typicalRequest(tag = 'a'): ApplyRequest {
  return request(
    [
      { path: '/etc/sysctl.d/90-knobs.conf', content: `# knobs ${tag}\nnet.core.somaxconn = 8192\nnet.ipv4.tcp_fin_timeout = 15\n` },
      { path: '/etc/security/limits.d/90-knobs.conf', content: `# knobs ${tag}\n* soft nofile 65536\n` },
    ],
    [
      { key: 'net.core.somaxconn', value: '8192' },
      { key: 'net.ipv4.tcp_fin_timeout', value: '15' },
      { key: 'net.ipv4.ip_local_port_range', value: '10000   65000' },
    ],
  );
}

// ---- children -------------------------------------------------------------------

const RUNNER = `
import { executeApply } from './src/apply/transaction.js';
import { rollback } from './src/apply/rollback.js';
import { history, findInterrupted } from './src/apply/history.js';
import { preflight } from './src/apply/preflight.js';
import fs from 'node:fs';
import { treeListing } from './test/helpers/tree-listing.js';
const spec = JSON.parse(process.argv[2]);
const out = {};
function key(root, k) { try { return fs.readFileSync(root + '/proc/sys/' + k.replace(/\\./g, '/'), 'utf8').trim().replace(/\\s+/g, ' '); } catch (e) { return 'ERR ' + e.code; } }
try {
  for (const op of spec.ops) {
    if (op.op === 'apply') out[op.name ?? 'apply'] = await executeApply(op.request, op.options);
    else if (op.op === 'rollback') out[op.name ?? 'rollback'] = await rollback(op.options);
    else if (op.op === 'history') out[op.name ?? 'history'] = history(op.root);
    else if (op.op === 'interrupted') out[op.name ?? 'interrupted'] = findInterrupted(op.root);
    else if (op.op === 'keys') out[op.name ?? 'keys'] = Object.fromEntries(op.keys.map((k) => [k, key(op.root, k)]));
    else if (op.op === 'preflight') out[op.name ?? 'preflight'] = preflight(op.root, op.scope);
    else if (op.op === 'listing') out[op.name ?? 'listing'] = treeListing(op.root);
    else if (op.op === 'setup') { for (const [p, c] of Object.entries(op.files)) { fs.mkdirSync(p.replace(/\\/[^/]*$/, ''), { recursive: true }); fs.writeFileSync(p, c); } }
  }
} catch (e) {
  out.error = { name: e.name, message: e.message, exitCode: e.exitCode };
}
process.stdout.write(JSON.stringify(out));
`;

let compiledDir: string | null = null;

/** Directory holding src/apply/*.js (and runner.mjs), compiled from the current sources. */
export function compiled(): string {
  if (compiledDir) return compiledDir;
  const sources = [
    ...fs.readdirSync(path.join(REPO, 'src/apply')).map((f) => `src/apply/${f}`),
    'src/errors.ts',
    'src/host/host-fs.ts',
    'test/helpers/tree-listing.ts',
  ].sort();
  const h = crypto.createHash('sha256').update(RUNNER);
  for (const s of sources) h.update(s).update(fs.readFileSync(path.join(REPO, s)));
  const cache = path.join(REPO, 'node_modules/.cache/knobs-apply-test');
  const final = path.join(cache, h.digest('hex').slice(0, 16));
  if (!fs.existsSync(path.join(final, 'runner.mjs'))) {
    fs.mkdirSync(cache, { recursive: true });
    const work = fs.mkdtempSync(path.join(cache, 'build-'));
    const out = path.join(work, 'out');
    fs.writeFileSync(
      path.join(work, 'tsconfig.json'),
      JSON.stringify({
        extends: path.join(REPO, 'tsconfig.json'),
        compilerOptions: { outDir: out, rootDir: REPO, noEmitOnError: false },
        include: [path.join(REPO, 'src/apply/*.ts'), path.join(REPO, 'test/helpers/tree-listing.ts')],
      }),
    );
    const tsc = spawnSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(work, 'tsconfig.json')], {
      encoding: 'utf8',
    });
    if (!fs.existsSync(path.join(out, 'src/apply/transaction.js'))) throw new Error(`tsc failed:\n${tsc.stdout}${tsc.stderr}`);
    fs.writeFileSync(path.join(out, 'runner.mjs'), RUNNER);
    try {
      fs.renameSync(out, final);
    } catch {
      // another worker won the race; its output is identical
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
  compiledDir = final;
  return final;
}

export type Op =
  | { op: 'apply'; name?: string; request: ApplyRequest; options: object }
  | { op: 'rollback'; name?: string; options: object }
  | { op: 'history' | 'interrupted' | 'listing'; name?: string; root: string }
  | { op: 'keys'; name?: string; root: string; keys: string[] }
  | { op: 'setup'; files: Record<string, string> }
  | { op: 'preflight'; name?: string; root: string; scope: { persist: boolean; runtime: boolean } };

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  out: Record<string, any>;
}

/** Run ops in a child node; `prefix` wraps it (e.g. `unshare -m -n sh -ec '…' --`). */
export function runChild(ops: Op[], env: NodeJS.ProcessEnv = {}, prefix: string[] = []): Promise<ChildResult> {
  const dir = compiled();
  const argv = [...prefix, process.execPath, path.join(dir, 'runner.mjs'), JSON.stringify({ ops })];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => {
      let out: Record<string, unknown> = {};
      try {
        out = stdout ? JSON.parse(stdout) : {};
      } catch {
        out = { unparsed: stdout };
      }
      resolve({ status, signal, stderr, out });
    });
  });
}

export function canUnshare(flags: string[]): boolean {
  return spawnSync('unshare', [...flags, 'true']).status === 0;
}
