// Benchmark of the Ansible collection: the knobs module applying a profile's
// sysctl keys to N local hosts, against a playbook that sets the same keys to the
// same values with ansible.posix.sysctl, one task per key — the same inventory of
// --root trees (connection local), fresh copies for every run, alternating runs.
// Target: knobs at least 3x faster per host.
//
// ansible.posix.sysctl is given the easier job: it writes a file under each root
// with `reload: false` and `sysctl_set: false` (no `sysctl -p`: that would write
// this machine's own kernel), while the knobs module also journals the change and
// sets each host's live values (the plain files under ROOT/proc/sys).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mirrorHostRoot } from './mirror-root.js';
import { median } from './timing.js';

const HOSTS = 10;
const ROUNDS = 3;
const PROFILE = 'load-balancer';
const TARGET = 3;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): { ms: number; stdout: string } {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, ...(cwd ? { cwd } : {}), maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  return { ms, stdout: r.stdout };
}

export async function benchAnsible(): Promise<void> {
  if (spawnSync('ansible-playbook', ['--version']).status !== 0) {
    process.stdout.write('  skipped: ansible-playbook is not installed (scripts/install-test-deps.sh)\n');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'knobs-bench-ansible-'));
  const cleanup = [dir];
  try {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: path.join(dir, 'home'),
      ANSIBLE_CONFIG: path.join(dir, 'none.cfg'),
      ANSIBLE_COLLECTIONS_PATH: path.join(dir, 'collections') + ':/usr/share/ansible/collections:/usr/lib/python3/dist-packages',
      ANSIBLE_LOCAL_TEMP: path.join(dir, 'tmp'),
      ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
      ANSIBLE_RETRY_FILES_ENABLED: 'False',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_FORKS: '5',
      ANSIBLE_DEPRECATION_WARNINGS: 'False',
    };
    fs.mkdirSync(env.HOME!);
    const repo = path.resolve(import.meta.dirname, '../..');
    run(process.execPath, [path.join(repo, 'scripts/dist-ansible.mjs'), '--output', path.join(dir, 'release')], env);
    const tarball = fs.readdirSync(path.join(dir, 'release')).find((f) => f.endsWith('.tar.gz'))!;
    run('ansible-galaxy', ['collection', 'install', '--offline', path.join(dir, 'release', tarball), '-p', path.join(dir, 'collections')], env);
    const exe = path.join(dir, 'knobs');
    fs.writeFileSync(exe, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(repo, 'dist/knobs.cjs'))} "$@"\n`, { mode: 0o755 });

    const template = mirrorHostRoot();
    cleanup.push(template);
    // An untuned host: a vendor file and the live values miss the profile's targets,
    // so every key is a line to write (a target the host meets at boot is not written).
    const untuned: Record<string, string> = {
      'net.core.somaxconn': '128',
      'net.ipv4.tcp_syncookies': '0',
      'net.ipv4.tcp_tw_reuse': '0',
      'net.ipv4.tcp_timestamps': '0',
      'net.ipv4.ip_local_port_range': '32768 60999',
    };
    fs.writeFileSync(path.join(template, 'etc/sysctl.d/50-vendor.conf'), Object.entries(untuned).map(([k, v]) => `${k} = ${v}\n`).join(''));
    for (const [k, v] of Object.entries(untuned)) fs.writeFileSync(path.join(template, 'proc/sys', k.replace(/\./g, '/')), `${v.replace(/ /g, '\t')}\n`);
    // The keys and values knobs writes for the profile on this host: posix.sysctl gets the same list.
    const plan = JSON.parse(
      spawnSync(process.execPath, [path.join(repo, 'dist/knobs.cjs'), '--root', template, 'plan', '--profile', PROFILE, '--json'], { encoding: 'utf8' }).stdout,
    ) as { changes: { kind: string; key: string; to: string }[]; files: { after: string | null }[] };
    // The keys knobs writes lines for (runtime-only changes would be unfair to posix.sysctl, which writes a file).
    const keys = plan.changes.filter((c) => c.kind === 'sysctl' && plan.files.some((f) => f.after?.includes(`${c.key} = ${c.to}`)));
    if (!keys.length) throw new Error('the plan changes no sysctl on the mirror root');

    const inventory = path.join(dir, 'inventory.ini');
    const roots = Array.from({ length: HOSTS }, (_, i) => path.join(dir, `host${i}`));
    fs.writeFileSync(inventory, `[fleet]\n${roots.map((r, i) => `host${i} ansible_connection=local knobs_root=${r}`).join('\n')}\n`);
    const knobsPlay = path.join(dir, 'knobs.yml');
    fs.writeFileSync(
      knobsPlay,
      [
        '- hosts: fleet',
        '  gather_facts: false',
        '  tasks:',
        `    - name: ${PROFILE} with the knobs module`,
        '      knobs.tuning.knobs:',
        `        profiles: [${PROFILE}]`,
        `        only: [${keys.map((k) => JSON.stringify(k.key)).join(', ')}]`,
        '        root: "{{ knobs_root }}"',
        `        binary: ${exe}`,
        '',
      ].join('\n'),
    );
    const posixPlay = path.join(dir, 'posix.yml');
    fs.writeFileSync(
      posixPlay,
      [
        '- hosts: fleet',
        '  gather_facts: false',
        '  tasks:',
        ...keys.flatMap((k) => [
          `    - name: ${k.key}`,
          '      ansible.posix.sysctl:',
          `        name: ${k.key}`,
          `        value: ${JSON.stringify(k.to)}`,
          '        sysctl_file: "{{ knobs_root }}/etc/sysctl.d/90-tuning.conf"',
          '        reload: false',
          '        sysctl_set: false',
        ]),
        '',
      ].join('\n'),
    );
    const fresh = () => {
      for (const r of roots) {
        fs.rmSync(r, { recursive: true, force: true });
        fs.cpSync(template, r, { recursive: true });
      }
    };
    const samples: Record<'knobs' | 'posix', number[]> = { knobs: [], posix: [] };
    const second: Record<'knobs' | 'posix', number[]> = { knobs: [], posix: [] };
    for (let round = 0; round <= ROUNDS; round++) {
      const order: ('knobs' | 'posix')[] = round % 2 ? ['posix', 'knobs'] : ['knobs', 'posix'];
      for (const which of order) {
        fresh();
        const play = which === 'knobs' ? knobsPlay : posixPlay;
        const first = run('ansible-playbook', ['-i', inventory, play], env, dir).ms;
        // Both did the work: every key is in each host's file.
        for (const r of roots) {
          const file = path.join(r, 'etc/sysctl.d', which === 'knobs' ? fs.readdirSync(path.join(r, 'etc/sysctl.d')).find((f) => f.endsWith('-knobs.conf'))! : '90-tuning.conf');
          const text = fs.readFileSync(file, 'utf8');
          for (const k of keys) if (!text.includes(`${k.key} = ${k.to}`) && !text.includes(`${k.key}=${k.to}`)) throw new Error(`${which}: ${k.key} = ${k.to} missing in ${file}`);
        }
        const again = run('ansible-playbook', ['-i', inventory, play], env, dir).ms;
        if (round === 0) continue; // warm-up
        samples[which].push(first);
        second[which].push(again);
      }
    }
    const perHost = (xs: number[]) => median(xs) / HOSTS;
    process.stdout.write(`  ${HOSTS} local hosts (--root mirrors of this host), profile ${PROFILE}: ${keys.length} sysctl keys; forks 5; median of ${ROUNDS} runs\n`);
    for (const [label, s] of [['first run (changes)', samples], ['second run (nothing to change)', second]] as const) {
      const k = perHost(s.knobs);
      const p = perHost(s.posix);
      process.stdout.write(
        `  ${label.padEnd(32)} knobs module ${k.toFixed(0).padStart(5)} ms/host   ansible.posix.sysctl ×${keys.length} ${p.toFixed(0).padStart(5)} ms/host   ${(p / k).toFixed(1)}x ${p / k >= TARGET ? `(target ≥ ${TARGET}x: met)` : `(target ≥ ${TARGET}x: NOT met)`}\n`,
      );
    }
  } finally {
    for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
  }
}
