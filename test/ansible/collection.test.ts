// The Ansible collection with the real engine: Debian's ansible-playbook runs the
// knobs role (built into a tarball and installed as a user would) against six hosts
// with different kernels and states — five --root trees over connection local and
// one reached over real SSH (a throwaway sshd on 127.0.0.1). Check + diff changes
// nothing; apply changes exactly what the diff showed; the second run changes
// nothing; rolled_back restores every byte; a host whose plan is refused fails
// alone.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyToProcPath } from '../../src/core/sysctl-conf.js';
import { ansibleSandbox, playbook, taskResults, type AnsibleSandbox, type TaskResult } from '../helpers/ansible.js';
import { knobs } from '../helpers/cli.js';
import { fakeRoot, treeChecksum } from '../helpers/fake-root.js';
import { requires } from '../helpers/requires.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';
import { treeListing } from '../helpers/tree-listing.js';

const R = requires('root', 'ansible', 'sshd', 'unshare -m');
const APPLY = 'Apply knobs profiles and settings';
const PLAYBOOK_TIMEOUT = 600_000;

interface TestHost {
  name: string;
  root: string;
  profiles: string[];
  ssh?: boolean;
}

function listingMap(root: string): Map<string, string> {
  return new Map(treeListing(root).map((l) => [l.split(' ').find((_, i, a) => (a[0] === 'd' || a[0] === 'f' ? i === 2 : i === 1))!, l]));
}

/** Paths (relative to the root) whose entry differs between two listings. */
function changedPaths(before: Map<string, string>, after: Map<string, string>): string[] {
  const out = new Set<string>();
  for (const [p, l] of after) if (before.get(p) !== l) out.add(p);
  for (const p of before.keys()) if (!after.has(p)) out.add(p);
  return [...out].sort();
}

describe.skipIf(R.skip)(R.title('the knobs collection against five --root hosts and one over SSH'), () => {
  let sb: AnsibleSandbox;
  let sshd: TestSshd;
  let hosts: TestHost[];
  let inventory: string;
  let site: string;
  let reportDir: string;
  const installed = new Map<string, string>();
  const installedListing = new Map<string, Map<string, string>>();
  let check: Record<string, TaskResult>;

  beforeAll(async () => {
    sb = ansibleSandbox();
    sshd = await startSshd();
    const tuned = fakeRoot({ kernel: '6.12' });
    // Already tuned by an earlier run of knobs: the play has nothing to change here.
    expect(knobs(['--root', tuned, 'apply', '--profile', 'nat-facing', '--yes']).code).toBe(0);
    const notOurs = '# written by hand\nnet.core.somaxconn = 1024\n';
    hosts = [
      { name: 'lb-old', root: fakeRoot({ kernel: '4.4', sysctl: { 'net.ipv4.tcp_tw_recycle': '1' } }), profiles: ['load-balancer'] },
      { name: 'web-54', root: fakeRoot({ kernel: '5.4', sysctl: { 'net.core.somaxconn': '128' } }), profiles: ['web-node'] },
      {
        name: 'db-61',
        root: fakeRoot({ kernel: '6.1', systemd: true, files: { '/etc/sysctl.d/50-site.conf': 'net.ipv4.tcp_keepalive_time = 600\n' } }),
        profiles: ['db-client'],
      },
      { name: 'nat-tuned', root: tuned, profiles: ['nat-facing'] },
      {
        // Every name knobs could use is taken by a file it did not write: the plan is refused.
        name: 'web-refused',
        root: fakeRoot({
          kernel: '6.1',
          files: { '/etc/sysctl.d/90-knobs.conf': notOurs, '/etc/sysctl.d/99-knobs.conf': notOurs, '/etc/sysctl.d/99-zz-knobs.conf': notOurs },
        }),
        profiles: ['web-node'],
      },
      { name: 'web-ssh', root: fakeRoot({ kernel: '6.12', sysctl: { 'net.ipv4.tcp_timestamps': '0' } }), profiles: ['web-node', 'db-client'], ssh: true },
    ];
    reportDir = path.join(sb.dir, 'reports');
    fs.mkdirSync(reportDir);
    const line = (h: TestHost) => {
      const vars: Record<string, string> = {
        knobs_root: h.root,
        knobs_binary_dest: path.join(h.root, 'usr/local/bin/knobs'),
        knobs_profiles: JSON.stringify(h.profiles),
      };
      if (h.ssh) {
        Object.assign(vars, {
          ansible_connection: 'ssh',
          ansible_host: sshd.host,
          ansible_port: String(sshd.port),
          ansible_user: sshd.user,
          ansible_ssh_private_key_file: sshd.identity,
          ansible_ssh_common_args: `'-F /dev/null -o IdentitiesOnly=yes -o UserKnownHostsFile=${sshd.knownHosts}'`,
        });
      } else vars.ansible_connection = 'local';
      return `${h.name} ${Object.entries(vars).map(([k, v]) => `${k}=${v.startsWith("'") ? v : `'${v}'`}`).join(' ')}`;
    };
    inventory = path.join(sb.dir, 'inventory.ini');
    fs.writeFileSync(inventory, `[fleet]\n${hosts.map(line).join('\n')}\n`);
    site = path.join(sb.dir, 'site.yml');
    fs.writeFileSync(
      site,
      [
        '- hosts: fleet',
        '  gather_facts: false',
        '  vars:',
        `    knobs_binary_src: ${sb.knobsExecutable}`,
        `    knobs_binary_sha256: ${sb.knobsSha256}`,
        `    knobs_report_dir: ${reportDir}`,
        '  roles:',
        '    - role: knobs.tuning.knobs',
        '',
      ].join('\n'),
    );
  }, 120_000);

  afterAll(async () => {
    await sshd?.stop();
  });

  it('installs the pinned executable on every host; another checksum is refused', () => {
    const run = playbook(sb, ['-i', inventory, site, '--tags', 'knobs_install']);
    expect(run.code, run.stdout).toBe(0);
    for (const h of hosts) {
      expect(fs.readFileSync(path.join(h.root, 'usr/local/bin/knobs'))).toEqual(fs.readFileSync(sb.knobsExecutable));
      expect(run.doc.stats[h.name]!.failures).toBe(0);
    }
    const wrong = playbook(sb, ['-i', inventory, site, '--tags', 'knobs_install', '--limit', 'web-54', '-e', `knobs_binary_sha256=${'0'.repeat(64)}`]);
    expect(wrong.code).not.toBe(0);
    expect(taskResults(wrong, 'Refuse an executable that is not the pinned one')['web-54']!.msg).toMatch(/is not knobs_binary_sha256/);
    for (const h of hosts) {
      installed.set(h.name, treeChecksum(h.root));
      installedListing.set(h.name, listingMap(h.root));
    }
  }, PLAYBOOK_TIMEOUT);

  it('--check --diff shows every file before and after and changes nothing', () => {
    const run = playbook(sb, ['-i', inventory, site, '--check', '--diff']);
    check = taskResults(run, APPLY);
    for (const h of hosts) expect(treeChecksum(h.root), h.name).toBe(installed.get(h.name));
    for (const name of ['lb-old', 'web-54', 'db-61', 'web-ssh']) {
      const r = check[name]!;
      expect(r.changed, name).toBe(true);
      expect(r.status).toBe('pending');
      expect(r.diff!.length, name).toBeGreaterThan(0);
      const sysctlFile = r.diff!.find((d) => /sysctl\.d\/\d\d(-zz)?-knobs\.conf/.test(d.after_header ?? ''))!;
      expect(sysctlFile.before).toBe('');
      expect(sysctlFile.after).toMatch(/^# Managed by knobs/m);
    }
    // 0 is the kernel's default: set live, no line (a value the host gets at boot anyway).
    expect(check['lb-old']!.runtime).toContainEqual({ key: 'net.ipv4.tcp_tw_recycle', from: '1', to: '0' });
    expect(check['nat-tuned']!.changed).toBe(false);
    expect(check['nat-tuned']!.diff).toEqual([]);
    expect(check['web-refused']!.failed).toBe(true);
    expect(check['web-refused']!.msg).toMatch(/not written by knobs/);
  }, PLAYBOOK_TIMEOUT);

  let applied: Record<string, TaskResult>;

  it('apply changes exactly what the diff showed; the refused host fails alone and is left as it was', () => {
    const run = playbook(sb, ['-i', inventory, site, '--diff']);
    applied = taskResults(run, APPLY);
    for (const h of hosts) {
      const r = applied[h.name]!;
      if (h.name === 'web-refused') {
        expect(r.failed).toBe(true);
        expect(r.msg).toMatch(/^plan refused \(\d reasons?\): .*not written by knobs/);
        expect(r.changed).toBe(false);
        expect(treeChecksum(h.root)).toBe(installed.get(h.name));
        expect(run.doc.stats[h.name]!.failures).toBe(1);
        continue;
      }
      expect(run.doc.stats[h.name]!.failures, h.name).toBe(0);
      const shown = check[h.name]!;
      expect(r.changed, h.name).toBe(shown.changed);
      expect(r.diff, h.name).toEqual(shown.diff);
      // Files: each one now holds what the diff's after side showed.
      const expected = new Set<string>();
      for (const d of shown.diff ?? []) {
        const file = (d.after_header ?? '').replace(/ \(absent\)$/, '');
        expected.add(file.replace(/^\//, ''));
        const abs = path.join(h.root, file);
        if (/ \(absent\)$/.test(d.after_header ?? '')) expect(fs.existsSync(abs)).toBe(false);
        else expect(fs.readFileSync(abs, 'utf8'), file).toBe(d.after);
      }
      // Live values: exactly the runtime changes the plan listed.
      for (const rt of (shown.runtime as { key: string; to: string }[]) ?? []) {
        expected.add(path.join('proc/sys', keyToProcPath(rt.key)));
        expect(fs.readFileSync(path.join(h.root, 'proc/sys', keyToProcPath(rt.key)), 'utf8').trim().replace(/\s+/g, ' ')).toBe(rt.to);
      }
      const changed = changedPaths(installedListing.get(h.name)!, listingMap(h.root)).filter((p) => !expected.has(p));
      // Directories that hold a changed file change too (mtime is not listed; a new directory is).
      expect(changed.filter((p) => ![...expected].some((e) => e.startsWith(`${p}/`))), h.name).toEqual([]);
      if (r.changed) expect(r.transaction, h.name).toMatch(/\S/);
    }
    expect(applied['nat-tuned']!.changed).toBe(false);
  }, PLAYBOOK_TIMEOUT);

  it('a second run changes nothing', () => {
    const run = playbook(sb, ['-i', inventory, site]);
    for (const h of hosts) {
      if (h.name === 'web-refused') continue;
      expect(run.doc.stats[h.name]!.changed, h.name).toBe(0);
      expect(taskResults(run, APPLY)[h.name]!.status).toBe('noop');
    }
  }, PLAYBOOK_TIMEOUT);

  it('the role saved each host snapshot on the controller, and knobs report reads them', () => {
    const names = fs.readdirSync(reportDir).sort();
    expect(names).toEqual(hosts.filter((h) => h.name !== 'web-refused').map((h) => `${h.name}.json`).sort());
    const r = knobs(['report', reportDir, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = r.json();
    expect(doc.hostCount).toBe(5);
    expect(doc.hosts.find((h: { name: string }) => h.name === 'web-ssh').profiles).toEqual(['web-node', 'db-client']);
  }, PLAYBOOK_TIMEOUT);

  it('rolled_back with the transaction ids restores every byte; again, it changes nothing', () => {
    const ids = hosts.filter((h) => applied[h.name]?.transaction).map((h) => [h.name, applied[h.name]!.transaction as string] as const);
    expect(ids.map(([n]) => n).sort()).toEqual(['db-61', 'lb-old', 'web-54', 'web-ssh']);
    const hostVars = path.join(sb.dir, 'host_vars');
    fs.mkdirSync(hostVars, { recursive: true });
    for (const [name, id] of ids) fs.writeFileSync(path.join(hostVars, `${name}.yml`), `knobs_transaction: "${id}"\n`);
    const limit = ids.map(([n]) => n).join(',');
    const inv = path.join(sb.dir, 'inventory.ini');
    const run = playbook(sb, ['-i', inv, site, '--limit', limit, '-e', 'knobs_state=rolled_back', '--skip-tags', 'knobs_report']);
    expect(run.code, run.stdout).toBe(0);
    for (const [name] of ids) {
      const r = taskResults(run, APPLY)[name]!;
      expect(r.changed, name).toBe(true);
      expect(r.status).toBe('rolled-back');
      expect(treeChecksum(hosts.find((h) => h.name === name)!.root), name).toBe(installed.get(name));
    }
    const again = playbook(sb, ['-i', inv, site, '--limit', limit, '-e', 'knobs_state=rolled_back', '--skip-tags', 'knobs_report']);
    for (const [name] of ids) expect(again.doc.stats[name]!.changed, name).toBe(0);
    fs.rmSync(hostVars, { recursive: true });
  }, PLAYBOOK_TIMEOUT);
});
