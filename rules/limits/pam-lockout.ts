// Lines and files that make pam_limits refuse the session: the real lock-outs.
import { defineRule } from '../../src/core/define-rule.js';
import { RLIM_INFINITY } from '../../src/core/c-numbers.js';
import { pamKernelValue, pamValue } from '../../src/core/limits-conf.js';
import { pamBehaviour } from '../../src/core/pam-module.js';
import { LOCKOUT_SOFT_NOFILE } from '../../src/core/pam-resolve.js';
import { toInt } from '../../src/core/values.js';
import type { LimitLine } from '../../src/core/types.js';

export default defineRule({
  id: 'limits/pam-lockout',
  keys: [],
  severity: 'critical',
  summary: 'A limits.conf line or file that makes pam_limits refuse every login (ssh, login, su, sudo)',
  explanation:
    'pam_limits runs when a session opens ("session required pam_limits.so" in common-session, system-auth, ' +
    'su). Some configurations make it refuse the session outright, so nobody in the domain can log in — found ' +
    'when the last root shell is closed. Each case below was read in pam_limits.c and reproduced with the real ' +
    '`su` of Debian 12: (1) `maxlogins 0` or `maxsyslogins 0` (any value strtol reads as 0: `0`, `00`, `0x5`): ' +
    '"There were too many logins", Permission denied, for every user but root; (2) a missing ' +
    '/etc/security/limits.conf, or a limits.d/*.conf that is a link to nothing: fopen() fails and pam_limits ' +
    'returns PAM_SERVICE_ERR, "Error in service module", for everyone including root — up to Linux-PAM 1.5.2 ' +
    '(Debian 12, RHEL 7/8/9, Ubuntu ≤ 22.04); 1.5.3 and later accept a missing file; a symlink loop fails in every ' +
    'version; (3) a soft nofile of 3 or less (also a hard one, which lowers soft with it): the session cannot open ' +
    'a file beyond stdin/stdout/stderr and `su` fails with "System error" (a shell would be useless anyway); ' +
    '(4) Debian\'s `chroot` item naming a directory that does not exist. A FIFO where a limits file should be ' +
    'blocks pam_limits\' fopen(): logins hang.',
  tradeoffs:
    'None: these lines do not limit anything, they lock people out. To forbid logins on purpose use ' +
    'pam_access or `DenyUsers`, which say so; to limit sessions, a maxlogins of 1 or more.',
  history: [
    'linux-pam pam_limits.c setup_limits(): `else if (pl->login_limit == 0) retval |= LOGIN_ERR;` (v1.1.8 .. v1.7.0); uid 0 is skipped.',
    'pam_limits.c parse_config_file(): fopen failure → PAM_SERVICE_ERR; 14ea1011 (v1.5.3) returns success for ENOENT.',
    'Debian 1.5.2-6+deb12u1 patch 008_modules_pam_limits_chroot: chdir/chroot failure → LIMIT_ERR.',
    'Measured with su (util-linux 2.38, Debian 12) in a mount namespace: soft nofile 3 fails the session, 4 opens it (test/oracle/pam-limits.test.ts).',
  ],
  references: ['man 5 limits.conf', 'man 8 pam_limits', 'https://github.com/linux-pam/linux-pam/blob/v1.5.2/modules/pam_limits/pam_limits.c'],
  messages: {
    fileUnopenable: '{file}: {what}: {outcome}',
    maxloginsZero:
      '{file}:{line}: {domain} {type} {item} {value} is read as 0: pam_limits refuses every session of {who} ("There were too many logins"; su: Permission denied). Root is not affected (uid 0 skips the login count).',
    nofileTooLow:
      '{file}:{line}: {domain} {type} nofile {value} leaves a soft nofile of {soft}: {who} cannot open a session ("su: cannot open session: System error"), a login needs more than stdin/stdout/stderr',
    chrootMissing:
      '{file}:{line}: {domain} chroot {dir}: the directory does not exist, chroot() fails and Debian\'s pam_limits refuses every session of {who}',
  },
  check({ facts, report }) {
    const cfg = facts.limits.pamConfig;
    const b = pamBehaviour(cfg?.module);
    const nrOpen = toInt(facts.sysctl['fs.nr_open']?.live) ?? 1048576;
    const who = (domain: string) =>
      domain === '*'
        ? `every user no more specific line covers${b.rootByNameOnly === true ? ' (root is exempt: Debian\'s wildcard lines skip uid 0)' : ''}`
        : domain.startsWith('@')
          ? `members of ${domain.slice(1)}${b.rootByNameOnly === true ? ' (not root)' : ''} no user line covers`
          : domain.startsWith('%')
            ? `members of ${domain.slice(1) || 'every group'}`
            : `${domain}`;

    // ---- files (only where some PAM service loads pam_limits) ------------------------
    const used = cfg?.services === undefined || (cfg.services !== null && cfg.services.length > 0);
    for (const f of used ? cfg?.files ?? [] : []) {
      if (f.state === 'read' || f.state === 'directory') continue;
      const isConf = f.path.endsWith('/limits.conf');
      let outcome: string;
      let severity: 'critical' | 'warning' | null = 'critical';
      if (f.state === 'missing') {
        if (b.missingFileFatal === false) severity = null;
        outcome =
          b.missingFileFatal === true
            ? `pam_limits (${b.summary}) cannot open it and fails every session with PAM_SERVICE_ERR ("su: cannot open session: Error in service module"): logins, ssh, su and sudo fail for every user, root included`
            : `Linux-PAM up to 1.5.2 (Debian 12, RHEL 7/8/9, Ubuntu 22.04) fails every session with PAM_SERVICE_ERR ("Error in service module"), root included; 1.5.3 and later accept it — knobs could not tell the version (${b.summary})`;
        if (b.missingFileFatal === null) severity = 'critical';
      } else if (f.state === 'special') {
        outcome = 'it is not a regular file (a FIFO, socket or device): pam_limits\' fopen() blocks or fails, so every login hangs or fails';
      } else {
        outcome = `pam_limits cannot open it (${f.state === 'loop' ? 'ELOOP' : f.error ?? 'unreadable'}) and fails every session with PAM_SERVICE_ERR ("Error in service module"), root included`;
      }
      if (severity === null) continue;
      const what =
        f.state === 'missing'
          ? isConf
            ? 'does not exist'
            : `is a link to nothing (${f.target ?? '?'})`
          : f.state === 'loop'
            ? 'is a symlink loop'
            : f.state === 'special'
              ? 'is a FIFO, socket or device'
              : 'cannot be read';
      report('fileUnopenable', { file: f.path, what, outcome }, { severity });
    }

    // ---- lines, per domain (the last line of a domain wins among equals) ------------
    const login = new Map<string, LimitLine>();
    const soft = new Map<string, LimitLine>();
    const hard = new Map<string, LimitLine>();
    const chroot = new Map<string, LimitLine>();
    const nofileOrder: string[] = [];
    for (const l of facts.limits.pam) {
      if (l.item === 'maxlogins' || l.item === 'maxsyslogins') {
        // '%' with maxsyslogins is ignored by pam_limits ("'%' domain valid for maxlogins type only").
        if (!(l.domain.startsWith('%') && l.item === 'maxsyslogins')) login.set(l.domain, l);
      } else if (l.item === 'nofile') {
        if (l.domain.startsWith('%')) continue;
        if (!nofileOrder.includes(l.domain)) nofileOrder.push(l.domain);
        if (l.type === 'soft' || l.type === '-') soft.set(l.domain, l);
        if (l.type === 'hard' || l.type === '-') hard.set(l.domain, l);
      } else if (l.item === 'chroot' && b.chrootItem !== false && !l.domain.startsWith('%')) {
        chroot.set(l.domain, l);
      }
    }
    for (const [domain, l] of login) {
      const v = pamValue(l.item, l.value);
      if (v.kind !== 'number' || v.n !== 0n) continue;
      report('maxloginsZero', { file: l.file, line: l.line, domain, type: l.type, item: l.item, value: l.value, who: who(domain) });
    }
    const kv = (l: LimitLine | undefined) => {
      if (!l) return undefined;
      const v = pamKernelValue('nofile', l.value, nrOpen, b.unlimitedNofileIsNrOpen !== false);
      return v === undefined ? undefined : v === RLIM_INFINITY ? Infinity : Number(v);
    };
    for (const domain of nofileOrder) {
      const s = soft.get(domain);
      const h = hard.get(domain);
      const sv = kv(s);
      const hv = kv(h);
      // A hard value above fs.nr_open is EPERM: nothing is set (limits/nofile-above-nr-open covers it).
      if (hv !== undefined && hv > nrOpen) continue;
      const eff = Math.min(sv ?? 1024, hv ?? Infinity);
      if (eff > LOCKOUT_SOFT_NOFILE) continue;
      const culprit = sv !== undefined && sv <= LOCKOUT_SOFT_NOFILE ? s! : h!;
      report('nofileTooLow', { file: culprit.file, line: culprit.line, domain, type: culprit.type, value: culprit.value, soft: eff, who: who(domain) });
    }
    for (const [domain, l] of chroot) {
      if (cfg?.chrootDirs?.[l.value] !== false) continue;
      report('chrootMissing', { file: l.file, line: l.line, domain, dir: l.value, who: who(domain) }, b.chrootItem === null ? { severity: 'warning' } : {});
    }
  },
});
