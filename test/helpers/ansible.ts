// Ansible from Debian's packages, run against the collection in ansible/ as a user
// would get it: built into a tarball (the `npm run dist` step), installed with
// ansible-galaxy into a temporary collections path. Every file Ansible writes
// (its home, temporary and retry files) stays in the test's directory.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, REPO } from './cli.js';
import { tempDir } from './temp.js';

export interface AnsibleSandbox {
  dir: string;
  tarball: string;
  env: NodeJS.ProcessEnv;
  /** A stand-in for the single executable: runs this checkout's dist/knobs.cjs. */
  knobsExecutable: string;
  knobsSha256: string;
}

/** Build the collection with the dist step into `dir`, install it, and prepare an environment. */
export function ansibleSandbox(): AnsibleSandbox {
  const dir = tempDir('knobs-ansible-');
  const out = path.join(dir, 'release');
  const build = spawnSync(process.execPath, [path.join(REPO, 'scripts/dist-ansible.mjs'), '--output', out], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`dist-ansible: ${build.stdout}${build.stderr}`);
  const tarball = fs.readdirSync(out).map((f) => path.join(out, f)).find((f) => f.endsWith('.tar.gz'))!;
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    TMPDIR: process.env.TMPDIR,
    ANSIBLE_CONFIG: path.join(dir, 'no-ansible.cfg'),
    ANSIBLE_COLLECTIONS_PATH: path.join(dir, 'collections'),
    ANSIBLE_LOCAL_TEMP: path.join(dir, 'ansible-local'),
    ANSIBLE_REMOTE_TEMP: path.join(dir, 'ansible-remote'),
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_DEPRECATION_WARNINGS: 'False',
    ANSIBLE_SYSTEM_WARNINGS: 'False',
    ANSIBLE_GALAXY_SERVER: 'http://127.0.0.1:9/', // never the network
    ANSIBLE_FORKS: '6',
    ANSIBLE_PIPELINING: 'True',
  };
  const install = spawnSync('ansible-galaxy', ['collection', 'install', '--offline', tarball, '-p', env.ANSIBLE_COLLECTIONS_PATH!], { encoding: 'utf8', env });
  if (install.status !== 0) throw new Error(`ansible-galaxy collection install: ${install.stdout}${install.stderr}`);
  const knobsExecutable = path.join(dir, 'knobs-linux-x64');
  fs.writeFileSync(knobsExecutable, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, { mode: 0o755 });
  return { dir, tarball, env, knobsExecutable, knobsSha256: createHash('sha256').update(fs.readFileSync(knobsExecutable)).digest('hex') };
}

export interface PlaybookRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The json callback's document. */
  doc: JsonCallback;
}

export interface TaskResult {
  changed?: boolean;
  failed?: boolean;
  skipped?: boolean;
  msg?: string;
  diff?: { before?: string; after?: string; before_header?: string; after_header?: string }[];
  [k: string]: unknown;
}

export interface JsonCallback {
  plays: { tasks: { task: { name: string }; hosts: Record<string, TaskResult> }[] }[];
  stats: Record<string, { ok: number; changed: number; failures: number; unreachable: number; skipped: number }>;
}

export function playbook(sb: AnsibleSandbox, args: string[]): PlaybookRun {
  const r = spawnSync('ansible-playbook', args, {
    encoding: 'utf8',
    env: { ...sb.env, ANSIBLE_STDOUT_CALLBACK: 'json' },
    cwd: sb.dir,
    timeout: 300_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  let doc: JsonCallback;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new Error(`ansible-playbook ${args.join(' ')}: exit ${r.status}, no JSON:\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, doc };
}

/** Results of the task with this name (a role's tasks are named `role : name`), per host. */
export function taskResults(run: PlaybookRun, name: string): Record<string, TaskResult> {
  const out: Record<string, TaskResult> = {};
  for (const play of run.doc.plays) {
    for (const t of play.tasks) if (t.task.name === name || t.task.name.endsWith(` : ${name}`)) Object.assign(out, t.hosts);
  }
  return out;
}

export interface AdHocResult {
  code: number;
  result: TaskResult;
  stderr: string;
}

/** One module on localhost (connection local), as `ansible localhost -m MODULE -a ARGS` runs it. */
export function adHoc(sb: AnsibleSandbox, module: string, args: object, opts: { check?: boolean; diff?: boolean; env?: Record<string, string> } = {}): AdHocResult {
  const r = spawnSync(
    'ansible',
    ['localhost', '-i', 'localhost,', '-c', 'local', '-m', module, '-a', JSON.stringify(args), ...(opts.check ? ['--check'] : []), ...(opts.diff ? ['--diff'] : [])],
    { encoding: 'utf8', env: { ...sb.env, ANSIBLE_STDOUT_CALLBACK: 'json', ANSIBLE_LOAD_CALLBACK_PLUGINS: 'True', ...opts.env }, cwd: sb.dir, timeout: 120_000 },
  );
  let doc: JsonCallback;
  try {
    doc = JSON.parse(r.stdout);
  } catch {
    throw new Error(`ansible -m ${module}: exit ${r.status}, no JSON:\n${r.stdout}\n${r.stderr}`);
  }
  return { code: r.status ?? -1, result: doc.plays[0]!.tasks[0]!.hosts.localhost!, stderr: r.stderr };
}
