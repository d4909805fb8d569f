// A real oracle for the pam_limits resolver: the machine's own pam_limits (via `su`)
// inside a private mount namespace, where a tmpfs hides /etc/security/limits.d and a
// bind mount replaces /etc/security/limits.conf. The real /etc is never written: the
// script refuses to copy anything unless the tmpfs is mounted.
//
// What su does on Debian 12 (found with strace while writing this test):
// - su resets its soft RLIMIT_NOFILE to 1024 before PAM runs (loading libnss_systemd).
// - pam_limits (Debian patch 027) starts from /proc/1/limits, not from the caller.
// - Debian patch 032 makes EPERM from setrlimit non-fatal: without CAP_SYS_RESOURCE a
//   hard nofile above the inherited one is silently NOT applied (soft and hard both).
// So knobs' prediction (what pam_limits asks for) is turned into what the shell gets by
// modelling that last setrlimit.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { HostFs } from '../../src/host/host-fs.js';
import { readIdentity, readPamConfig } from '../../src/host/limits.js';
import { resolvePamLimits } from '../../src/core/pam-resolve.js';
import { parseProcLimits } from '../../src/core/proc-limits.js';
import { tempDir } from '../helpers/temp.js';
import { requires } from '../helpers/requires.js';

const SCRIPT = `set -eu
src="$1"; user="$2"
mount -t tmpfs tmpfs /etc/security/limits.d
mountpoint -q /etc/security/limits.d || exit 97
cp -a "$src/limits.d/." /etc/security/limits.d/
mount --bind "$src/limits.conf" /etc/security/limits.conf
exec su -s /bin/sh "$user" -c 'ulimit -Sn; ulimit -Hn'
`;

const NEEDS = requires('root', 'su with pam_limits', 'unshare -m');

interface Case {
  name: string;
  conf: string;
  d?: Record<string, string>;
  user?: string;
}

const CASES: Case[] = [
  { name: 'user beats * (user last)', conf: '* - nofile 3000\nnobody - nofile 2000\n' },
  { name: 'user beats * (user first)', conf: 'nobody - nofile 2000\n* - nofile 3000\n' },
  { name: '@group beats *', conf: '* - nofile 3000\n@nogroup - nofile 2500\n' },
  { name: 'user beats @group', conf: 'nobody hard nofile 4000\n@nogroup hard nofile 5000\n* soft nofile 100\n' },
  { name: 'equal specificity: later line wins', conf: '* hard nofile 6000\n* hard nofile 7000\n' },
  { name: 'across files', conf: '* - nofile 3000\n', d: { '10-a.conf': '* - nofile 3500\n', '20-b.conf': '* soft nofile 1500\n' } },
  { name: 'C-locale order of limits.d (B.conf before a.conf)', conf: '', d: { 'a.conf': '* hard nofile 5000\n', 'B.conf': '* hard nofile 6000\n' } },
  { name: 'non-.conf names are not read', conf: '', d: { README: '* hard nofile 100\n', 'x.conf': '* hard nofile 7000\n', 'y.conf.bak': '* hard nofile 200\n' } },
  { name: '`-` line outranked on soft leaves hard alone', conf: 'nobody soft nofile 500\n* hard nofile 900\n* - nofile 800\n' },
  { name: 'soft above hard is clamped', conf: 'nobody soft nofile 9000\nnobody hard nofile 4000\n' },
  { name: 'hard above the inherited hard: EPERM, nothing applied', conf: 'nobody - nofile 30000\n' },
  { name: 'unlimited = nr_open, above the inherited hard: EPERM', conf: 'nobody - nofile unlimited\n' },
  { name: 'no nofile line: pam asks for PID 1 hard', conf: 'nobody hard nproc 5000\n' },
  { name: 'uid range min: counts as a user line', conf: '65534: hard nofile 6500\n@nogroup hard nofile 7500\n' },
  { name: ':uid is an exact uid', conf: ':65534 hard nofile 6600\n' },
  { name: ':uid of someone else does not match', conf: ':65533 hard nofile 6600\n* hard nofile 7000\n' },
  // The docs' "min omitted" reads like "up to max"; the code (and pam) match exactly max.
  { name: ':uid above the user is NOT "up to uid"', conf: ':65535 hard nofile 6600\n* hard nofile 7000\n' },
  { name: '@gid range on the primary gid', conf: '@65534:65534 hard nofile 6700\n* hard nofile 7000\n' },
  { name: '@gid: open range', conf: '@60000: - nofile 6800\n' },
  { name: '%group does not set nofile', conf: '%nogroup hard nofile 100\n* hard nofile 7000\n' },
  { name: 'type and item are case-insensitive', conf: 'nobody HARD NoFile 5500\n' },
  { name: 'malformed line skipped, next applies', conf: 'nobody hard nofile\nnobody hard nofile 5600\n' },
  { name: '`nobody -` exempts from everything', conf: 'nobody -\nnobody hard nofile 900\n' },
  { name: 'root: * and @root lines do not apply (Debian)', conf: 'root hard nofile 5000\n* hard nofile 900\n* soft nofile 100\n@root soft nofile 50\n', user: 'root' },
];

function capSysResource(): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)/m.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? (BigInt('0x' + m[1]) & (1n << 24n)) !== 0n : false;
}

describe.skipIf(NEEDS.skip)(NEEDS.title('pam_limits oracle (su inside unshare -m)'), () => {
  const tmp = tempDir('knobs-pam-oracle-');
  const script = path.join(tmp, 'run.sh');
  fs.writeFileSync(script, SCRIPT);
  const self = parseProcLimits(fs.readFileSync('/proc/self/limits', 'utf8'));
  const pid1 = parseProcLimits(fs.readFileSync('/proc/1/limits', 'utf8'));
  const nrOpen = Number(fs.readFileSync('/proc/sys/fs/nr_open', 'utf8').trim());
  const callerHard = self.nofile!.hard;
  const canRaise = capSysResource();

  CASES.forEach((c, i) => {
    it(c.name, () => {
      const user = c.user ?? 'nobody';
      // The files, once for the real pam_limits and once as a --root tree for knobs.
      const src = path.join(tmp, `case${i}`);
      const root = path.join(tmp, `root${i}`);
      for (const base of [src, path.join(root, 'etc/security')]) {
        fs.mkdirSync(path.join(base, 'limits.d'), { recursive: true });
        fs.writeFileSync(path.join(base, 'limits.conf'), c.conf);
        for (const [n, t] of Object.entries(c.d ?? {})) fs.writeFileSync(path.join(base, 'limits.d', n), t);
      }
      fs.copyFileSync('/etc/passwd', path.join(root, 'etc/passwd'));
      fs.copyFileSync('/etc/group', path.join(root, 'etc/group'));

      const run = spawnSync('unshare', ['-m', '--propagation', 'private', 'bash', script, src, user], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
      const [gotSoft, gotHard] = run.stdout.trim().split('\n').map(Number);
      if (process.env.KNOBS_ORACLE_DEBUG) console.log(c.name, run.stdout.trim().replace("\n", "/"));

      const hfs = new HostFs(root);
      const cfg = readPamConfig(hfs);
      const who = readIdentity(hfs, user)!;
      // Debian: start from PID 1's limits; su has already put its own soft nofile at 1024.
      const base = { ...pid1, nofile: { soft: 1024, hard: pid1.nofile!.hard } };
      const r = resolvePamLimits(cfg.lines, who, { nrOpen, base, exempt: cfg.exempt });
      const want = r.limits.nofile!;
      let soft = want.soft.value;
      let hard = want.hard.value;
      // setrlimit: raising the hard limit needs CAP_SYS_RESOURCE, and never above nr_open.
      const fails = hard === null || hard > nrOpen || (!canRaise && callerHard !== null && hard > callerHard);
      if (r.exemptBy || fails) {
        soft = Math.min(1024, callerHard ?? 1024);
        hard = callerHard;
      }
      expect([gotSoft, gotHard], `pam_limits gave ${gotSoft}/${gotHard}; knobs asks ${want.soft.value} (${want.soft.source}) / ${want.hard.value} (${want.hard.source})`).toEqual([soft, hard]);
    });
  });
});
