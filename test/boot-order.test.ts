// Precedence of sysctl config files on fake --root trees, for both loaders.
// The same rules are checked against the real binaries in test/oracle/.

import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostFs, HostReadError } from '../src/host/host-fs.js';
import { configuredKeys, expandSysctlGlob, readSysctlConfig } from '../src/host/sysctl-files.js';
import { UserError } from '../src/errors.js';
import { parseSysctlLines } from '../src/core/sysctl-conf.js';
import type { Loader } from '../src/core/types.js';
import { corpusPath } from './helpers/corpus.js';
import { tempDir } from './helpers/temp.js';

const corpusDir = corpusPath('sysctl');
const corpus = (name: string) => readFileSync(path.join(corpusDir, name), 'utf8');

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

interface Tree {
  /** host path → file text, or { link } for a symlink. */
  files?: Record<string, string | { link: string }>;
  loader?: Loader;
  /** Interfaces under proc/sys/net/ipv4/conf (each gets rp_filter, forwarding). */
  ifaces?: string[];
  /** Create proc/sys files for the keys the files name (default true). */
  keysExist?: boolean;
}

function tree(t: Tree): HostFs {
  const root = tempDir('knobs-boot-');
  roots.push(root);
  const put = (host: string, body: string | { link: string }) => {
    const abs = path.join(root, host);
    mkdirSync(path.dirname(abs), { recursive: true });
    if (typeof body === 'string') writeFileSync(abs, body);
    else symlinkSync(body.link, abs);
  };
  if (t.loader === 'systemd') mkdirSync(path.join(root, 'run/systemd/system'), { recursive: true });
  for (const iface of t.ifaces ?? []) {
    put(`/proc/sys/net/ipv4/conf/${iface}/rp_filter`, '0\n');
    put(`/proc/sys/net/ipv4/conf/${iface}/forwarding`, '0\n');
  }
  for (const [p, body] of Object.entries(t.files ?? {})) put(p, body);
  // The kernel has every key the files name (a key it lacks is never set: see 'unknown keys').
  if (t.keysExist !== false) {
    for (const body of Object.values(t.files ?? {})) {
      if (typeof body !== 'string') continue;
      for (const l of parseSysctlLines(body, 'systemd').lines) {
        if (l.glob || !/^[\w./-]+$/.test(l.path) || l.path.split('/').includes('..')) continue;
        if (!existsSync(path.join(root, 'proc/sys', l.path))) put(`/proc/sys/${l.path}`, '0\n');
      }
    }
  }
  return new HostFs(root);
}

function boot(fs: HostFs) {
  const r = readSysctlConfig(fs);
  const value = (key: string) => r.boot.get(key)?.boot.value ?? null;
  const from = (key: string) => {
    const b = r.boot.get(key)?.boot;
    return b ? `${b.file}:${b.line}` : null;
  };
  const file = (p: string) => r.config.files.find((f) => f.path === p);
  return { ...r, value, from, file };
}

const IFACES = ['all', 'default', 'lo', 'eth0'];

describe('file selection', () => {
  for (const loader of ['systemd', 'procps'] as const) {
    it(`${loader}: same name in an earlier directory hides the later ones`, () => {
      const b = boot(
        tree({
          loader,
          files: {
            '/usr/lib/sysctl.d/10-a.conf': 'net.ipv4.tcp_fin_timeout = 33\n',
            '/run/sysctl.d/10-a.conf': 'net.ipv4.tcp_fin_timeout = 22\n',
            '/etc/sysctl.d/10-a.conf': 'net.ipv4.tcp_fin_timeout = 11\n',
            '/usr/local/lib/sysctl.d/20-b.conf': 'net.ipv4.tcp_syn_retries = 4\n',
            '/usr/lib/sysctl.d/20-b.conf': 'net.ipv4.tcp_syn_retries = 5\n',
          },
        }),
      );
      expect(b.config.loader).toBe(loader);
      expect(b.from('net.ipv4.tcp_fin_timeout')).toBe('/etc/sysctl.d/10-a.conf:1');
      expect(b.value('net.ipv4.tcp_fin_timeout')).toBe('11');
      // Hidden files are not read at all, so they shadow nothing either.
      expect(b.boot.get('net.ipv4.tcp_fin_timeout')?.shadowed).toEqual([]);
      expect(b.value('net.ipv4.tcp_syn_retries')).toBe('4');
      expect(b.file('/run/sysctl.d/10-a.conf')).toMatchObject({ shadowedBy: '/etc/sysctl.d/10-a.conf', readBy: [] });
      expect(b.file('/usr/lib/sysctl.d/10-a.conf')).toMatchObject({ shadowedBy: '/etc/sysctl.d/10-a.conf', readBy: [] });
      expect(b.file('/etc/sysctl.d/10-a.conf')?.readBy).toEqual(['systemd', 'procps']);
      // The loader's reading order comes first in `files`.
      expect(b.config.files.slice(0, 2).map((f) => f.path)).toEqual(['/etc/sysctl.d/10-a.conf', '/usr/local/lib/sysctl.d/20-b.conf']);
    });

    it(`${loader}: a link to /dev/null masks the vendor file`, () => {
      const b = boot(
        tree({
          loader,
          files: {
            '/usr/lib/sysctl.d/50-coredump.conf': corpus('debian-systemd-coredump__50-coredump.conf'),
            '/etc/sysctl.d/50-coredump.conf': { link: '/dev/null' },
          },
        }),
      );
      expect(b.boot.has('kernel.core_pattern')).toBe(false);
      expect(b.file('/etc/sysctl.d/50-coredump.conf')).toMatchObject({ linkTarget: '/dev/null', masked: true, readBy: [], entries: [] });
      expect(b.file('/usr/lib/sysctl.d/50-coredump.conf')?.shadowedBy).toBe('/etc/sysctl.d/50-coredump.conf');
      expect(b.config.disagreements).toEqual([]);
    });

    it(`${loader}: files are read in byte order of the name across directories; the last assignment wins`, () => {
      const b = boot(
        tree({
          loader,
          files: {
            '/etc/sysctl.d/10-admin.conf': 'net.core.somaxconn = 1000\nnet.ipv4.tcp_keepalive_time=60\n',
            '/usr/lib/sysctl.d/90-vendor.conf': 'net.core.somaxconn = 2000\n',
            '/run/sysctl.d/50-runtime.conf': 'net.core.somaxconn = 1500\nnet.ipv4.tcp_keepalive_time = 70\nnet.ipv4.tcp_keepalive_time = 80\n',
            // `Z` (0x5a) sorts before `a` (0x61): C order, not locale order.
            '/etc/sysctl.d/Zeta.conf': 'net.ipv4.tcp_syn_retries = 2\n',
            '/etc/sysctl.d/alpha.conf': 'net.ipv4.tcp_syn_retries = 3\n',
            '/etc/sysctl.d/README.sysctl': corpus('debian-procps__README.sysctl'),
          },
        }),
      );
      expect(b.from('net.core.somaxconn')).toBe('/usr/lib/sysctl.d/90-vendor.conf:1');
      expect(b.boot.get('net.core.somaxconn')?.shadowed.map((s) => `${s.file}:${s.value}`)).toEqual([
        '/etc/sysctl.d/10-admin.conf:1000',
        '/run/sysctl.d/50-runtime.conf:1500',
      ]);
      expect(b.from('net.ipv4.tcp_keepalive_time')).toBe('/run/sysctl.d/50-runtime.conf:3');
      expect(b.value('net.ipv4.tcp_syn_retries')).toBe('3');
      expect(b.config.files.map((f) => f.path)).not.toContain('/etc/sysctl.d/README.sysctl');
    });
  }

  it('`/`-spelled and dotted keys are one key', () => {
    const b = boot(
      tree({
        files: {
          '/etc/sysctl.d/10-a.conf': 'net/ipv4/tcp_fin_timeout = 5\nnet/ipv4/conf/eth0.200/forwarding=1\n',
          '/etc/sysctl.d/20-b.conf': 'net.ipv4.tcp_fin_timeout = 6\n',
        },
      }),
    );
    expect(b.from('net.ipv4.tcp_fin_timeout')).toBe('/etc/sysctl.d/20-b.conf:1');
    expect(b.boot.get('net.ipv4.tcp_fin_timeout')?.shadowed.map((s) => s.value)).toEqual(['5']);
    expect(b.value('net.ipv4.conf.eth0/200.forwarding')).toBe('1');
  });

  it('a dangling link hides the same name in later directories, and is reported', () => {
    const b = boot(
      tree({
        files: {
          '/etc/sysctl.d/40-x.conf': { link: '/nonexistent.conf' },
          '/usr/lib/sysctl.d/40-x.conf': 'net.core.somaxconn = 999\n',
        },
      }),
    );
    expect(b.boot.has('net.core.somaxconn')).toBe(false);
    expect(b.file('/etc/sysctl.d/40-x.conf')?.problems?.[0]?.message).toMatch(/does not exist/);
    expect(b.file('/usr/lib/sysctl.d/40-x.conf')?.shadowedBy).toBe('/etc/sysctl.d/40-x.conf');
  });

  it('systemd skips dot-files, procps reads them', () => {
    const fs = tree({ loader: 'systemd', files: { '/etc/sysctl.d/.hidden.conf': 'net.ipv4.tcp_fin_timeout = 9\n' } });
    const b = boot(fs);
    expect(b.boot.has('net.ipv4.tcp_fin_timeout')).toBe(false);
    expect(b.file('/etc/sysctl.d/.hidden.conf')?.readBy).toEqual(['procps']);
    expect(b.config.disagreements).toEqual([
      { key: 'net.ipv4.tcp_fin_timeout', systemd: null, procps: { value: '9', file: '/etc/sysctl.d/.hidden.conf', line: 1 } },
    ]);
  });
});

describe('globs', () => {
  it('expandSysctlGlob walks only what the pattern needs and keeps dotted interface names', () => {
    const fs = tree({ ifaces: ['all', 'default', 'lo', 'eth0', 'eth0.200'] });
    expect(expandSysctlGlob(fs, 'net.ipv4.conf.*.rp_filter')).toEqual([
      'net.ipv4.conf.all.rp_filter',
      'net.ipv4.conf.default.rp_filter',
      'net.ipv4.conf.eth0.rp_filter',
      'net.ipv4.conf.eth0/200.rp_filter',
      'net.ipv4.conf.lo.rp_filter',
    ]);
    expect(expandSysctlGlob(fs, 'net.ipv4.conf.eth0/200.*')).toEqual([
      'net.ipv4.conf.eth0/200.forwarding',
      'net.ipv4.conf.eth0/200.rp_filter',
    ]);
    expect(expandSysctlGlob(fs, 'net.ipv?.conf.[!ae]*.forwarding')).toEqual(['net.ipv4.conf.default.forwarding', 'net.ipv4.conf.lo.forwarding']);
    // A glob landing on directories names no key; missing prefixes match nothing.
    expect(expandSysctlGlob(fs, 'net.ipv4.conf.*')).toEqual([]);
    expect(expandSysctlGlob(fs, 'net.ipv6.conf.*.forwarding')).toEqual([]);
  });

  for (const loader of ['systemd', 'procps'] as const) {
    it(`${loader}: systemd 50-default — a glob sets every interface but the \`-key\` one`, () => {
      const fs = tree({ loader, ifaces: IFACES, files: { '/usr/lib/sysctl.d/50-default.conf': corpus('systemd-upstream__50-default.conf') } });
      const b = boot(fs);
      expect(b.value('net.ipv4.conf.lo.rp_filter')).toBe('2');
      expect(b.boot.get('net.ipv4.conf.lo.rp_filter')?.boot).toEqual({
        value: '2',
        file: '/usr/lib/sysctl.d/50-default.conf',
        line: 26,
        glob: true,
      });
      expect(b.from('net.ipv4.conf.default.rp_filter')).toBe('/usr/lib/sysctl.d/50-default.conf:25');
      // Explicit line 25 beats the glob on line 26 although the glob comes later.
      expect(b.boot.get('net.ipv4.conf.default.rp_filter')?.shadowed).toEqual([
        { value: '2', file: '/usr/lib/sysctl.d/50-default.conf', line: 26, glob: true },
      ]);
      expect(b.boot.has('net.ipv4.conf.all.rp_filter')).toBe(false);
      expect(b.boot.get('net.core.default_qdisc')?.boot.ignoreFailure).toBe(true);
      expect(configuredKeys(b.config)).toContain('net.ipv4.conf.all.rp_filter');
      expect(configuredKeys(b.config)).not.toContain('net.ipv4.conf.*.rp_filter');
      expect(configuredKeys(b.config, (p) => expandSysctlGlob(fs, p))).toContain('net.ipv4.conf.lo.rp_filter');
    });

    it(`${loader}: an explicit key anywhere beats a glob, even in an earlier file`, () => {
      const b = boot(
        tree({
          loader,
          ifaces: IFACES,
          files: {
            '/etc/sysctl.d/10-eth0.conf': 'net.ipv4.conf.eth0.rp_filter = 0\n',
            '/usr/lib/sysctl.d/90-strict.conf': 'net.ipv4.conf.*.rp_filter = 1\n',
          },
        }),
      );
      expect(b.value('net.ipv4.conf.lo.rp_filter')).toBe('1');
      expect(b.value('net.ipv4.conf.all.rp_filter')).toBe('1');
      if (loader === 'procps') {
        expect(b.from('net.ipv4.conf.eth0.rp_filter')).toBe('/etc/sysctl.d/10-eth0.conf:1');
        expect(b.boot.get('net.ipv4.conf.eth0.rp_filter')?.shadowed.map((s) => s.glob)).toEqual([true]);
      } else {
        // eth0 already holds 0, so systemd skips the write (SUPPRESS_REDUNDANT_VIRTUAL): eth0 is never
        // marked written, and the glob's write to default is copied to it. The explicit line loses.
        expect(b.boot.get('net.ipv4.conf.eth0.rp_filter')?.boot).toMatchObject({ value: '1', file: '/usr/lib/sysctl.d/90-strict.conf', via: 'net.ipv4.conf.default.rp_filter' });
      }
    });
  }

  for (const loader of ['systemd', 'procps'] as const) {
    it(`${loader}: an interface nobody writes takes every write to conf.default (devinet_copy_dflt_conf), even with \`-key\``, () => {
      const b = boot(
        tree({
          loader,
          ifaces: IFACES,
          files: { '/etc/sysctl.d/10-rp.conf': 'net.ipv4.conf.*.rp_filter = 2\n-net.ipv4.conf.lo.rp_filter\n' },
        }),
      );
      expect(b.boot.get('net.ipv4.conf.lo.rp_filter')?.boot).toEqual({ value: '2', file: '/etc/sysctl.d/10-rp.conf', line: 1, glob: true, via: 'net.ipv4.conf.default.rp_filter' });
      expect(b.value('net.ipv4.conf.eth0.rp_filter')).toBe('2');
    });

    it(`${loader}: ip_forward is conf.all.forwarding, and changing it sets every interface's forwarding`, () => {
      const b = boot(tree({ loader, ifaces: IFACES, files: { '/etc/sysctl.d/10-fw.conf': 'net.ipv4.conf.lo.forwarding = 0\nnet.ipv4.ip_forward = 1\n' } }));
      expect(b.value('net.ipv4.ip_forward')).toBe('1');
      expect(b.boot.get('net.ipv4.conf.all.forwarding')?.boot).toMatchObject({ value: '1', via: 'net.ipv4.ip_forward' });
      expect(b.boot.get('net.ipv4.conf.lo.forwarding')?.boot).toMatchObject({ value: '1', via: 'net.ipv4.ip_forward' });
      expect(b.boot.get('net.ipv4.conf.default.forwarding')?.boot).toMatchObject({ value: '1', via: 'net.ipv4.ip_forward' });
      expect(b.value('net.ipv4.conf.all.accept_redirects')).toBe('0');
    });
  }

  it('`-key` after `key = v` in one file (flatcar): systemd drops the key, procps still writes it', () => {
    const files = { '/usr/lib/sysctl.d/60-baselayout.conf': corpus('flatcar-baselayout__60-baselayout.conf') };
    const s = boot(tree({ loader: 'systemd', ifaces: IFACES, files }));
    const p = boot(tree({ loader: 'procps', ifaces: IFACES, files }));
    expect(s.boot.has('net.ipv4.conf.all.rp_filter')).toBe(false);
    expect(p.from('net.ipv4.conf.all.rp_filter')).toBe('/usr/lib/sysctl.d/60-baselayout.conf:11');
    expect(s.value('net.ipv4.conf.lo.rp_filter')).toBe('0');
    expect(p.value('net.ipv4.conf.lo.rp_filter')).toBe('0');
    expect(s.config.disagreements.map((d) => [d.key, d.systemd?.value ?? null, d.procps?.value ?? null])).toEqual([
      ['net.ipv4.conf.all.rp_filter', null, '0'],
    ]);
    expect(p.config.disagreements).toEqual(s.config.disagreements);
  });

  it('systemd + flatcar vendor files: later file re-sets the glob and re-cancels `all`', () => {
    const files = {
      '/usr/lib/sysctl.d/50-default.conf': corpus('systemd-upstream__50-default.conf'),
      '/usr/lib/sysctl.d/60-baselayout.conf': corpus('flatcar-baselayout__60-baselayout.conf'),
    };
    const s = boot(tree({ loader: 'systemd', ifaces: IFACES, files }));
    expect(s.value('net.ipv4.conf.default.rp_filter')).toBe('0');
    expect(s.from('net.ipv4.conf.lo.rp_filter')).toBe('/usr/lib/sysctl.d/60-baselayout.conf:13');
    expect(s.boot.get('net.ipv4.conf.lo.rp_filter')?.shadowed.map((x) => `${x.file}:${x.line}`)).toEqual([
      '/usr/lib/sysctl.d/50-default.conf:26',
    ]);
    expect(s.boot.has('net.ipv4.conf.all.rp_filter')).toBe(false);
    // fs.protected_regular: 50-default says 1, 60-baselayout 0.
    expect(s.value('fs.protected_regular')).toBe('0');
  });

  it('two globs over one key: systemd keeps a re-stated glob in its first place, procps goes by line order', () => {
    const files = {
      '/etc/sysctl.d/10-all.conf': 'net.ipv4.conf.*.rp_filter = 2\n',
      '/etc/sysctl.d/20-eth.conf': 'net.ipv4.conf.e*.rp_filter = 1\n',
      '/etc/sysctl.d/30-all.conf': 'net.ipv4.conf.*.rp_filter = 2\n',
    };
    const s = boot(tree({ loader: 'systemd', ifaces: IFACES, files }));
    const p = boot(tree({ loader: 'procps', ifaces: IFACES, files }));
    expect(s.value('net.ipv4.conf.eth0.rp_filter')).toBe('1');
    expect(p.value('net.ipv4.conf.eth0.rp_filter')).toBe('2');
    expect(p.from('net.ipv4.conf.eth0.rp_filter')).toBe('/etc/sysctl.d/30-all.conf:1');
    expect(s.config.disagreements.map((d) => d.key)).toEqual(['net.ipv4.conf.eth0.rp_filter']);
  });

  it('systemd: a glob restated with a different value moves behind the other glob', () => {
    const files = {
      '/etc/sysctl.d/10-all.conf': 'net.ipv4.conf.*.rp_filter = 2\n',
      '/etc/sysctl.d/20-eth.conf': 'net.ipv4.conf.e*.rp_filter = 1\n',
      '/etc/sysctl.d/30-all.conf': 'net.ipv4.conf.*.rp_filter = 0\n',
    };
    const s = boot(tree({ loader: 'systemd', ifaces: IFACES, files }));
    expect(s.from('net.ipv4.conf.eth0.rp_filter')).toBe('/etc/sysctl.d/30-all.conf:1');
    expect(s.boot.get('net.ipv4.conf.eth0.rp_filter')?.shadowed.map((x) => x.value)).toEqual(['2', '1']);
    expect(s.config.disagreements).toEqual([]);
  });

  it('`-pattern` exclusions fence off nothing in either loader (procps 4.0.2 compares exactly)', () => {
    const files = { '/etc/sysctl.d/10-a.conf': 'net.ipv4.conf.*.rp_filter = 1\n-net.ipv4.conf.e*\n' };
    for (const loader of ['systemd', 'procps'] as const) {
      const b = boot(tree({ loader, ifaces: IFACES, files }));
      expect(b.value('net.ipv4.conf.eth0.rp_filter')).toBe('1');
      expect(b.value('net.ipv4.conf.lo.rp_filter')).toBe('1');
    }
  });
});

describe('/etc/sysctl.conf', () => {
  it('Debian link 99-sysctl.conf → ../sysctl.conf: systemd reads it through the link, procps twice; no disagreement', () => {
    const files = {
      '/etc/sysctl.conf': 'net.ipv4.tcp_fin_timeout = 15\n',
      '/etc/sysctl.d/99-sysctl.conf': { link: '../sysctl.conf' },
      '/etc/sysctl.d/zz-late.conf': 'net.ipv4.tcp_fin_timeout = 20\n',
    };
    const s = boot(tree({ loader: 'systemd', files }));
    const p = boot(tree({ loader: 'procps', files }));
    // systemd: zz-late.conf sorts after 99-sysctl.conf and wins.
    expect(s.from('net.ipv4.tcp_fin_timeout')).toBe('/etc/sysctl.d/zz-late.conf:1');
    // procps: sysctl.conf again at the very end.
    expect(p.from('net.ipv4.tcp_fin_timeout')).toBe('/etc/sysctl.conf:1');
    expect(p.boot.get('net.ipv4.tcp_fin_timeout')?.shadowed.map((x) => `${x.file}:${x.value}`)).toEqual([
      '/etc/sysctl.d/99-sysctl.conf:15',
      '/etc/sysctl.d/zz-late.conf:20',
    ]);
    expect(s.config.disagreements.map((d) => [d.key, d.systemd?.value, d.procps?.value])).toEqual([
      ['net.ipv4.tcp_fin_timeout', '20', '15'],
    ]);
    expect(s.file('/etc/sysctl.d/99-sysctl.conf')).toMatchObject({ linkTarget: '../sysctl.conf', readBy: ['systemd', 'procps'] });
    expect(s.file('/etc/sysctl.conf')?.readBy).toEqual(['procps']);
  });

  it('without zz-late the link makes both loaders agree', () => {
    const files = {
      '/etc/sysctl.conf': corpus('debian-procps__sysctl.conf') + 'net.core.somaxconn = 8192\n',
      '/etc/sysctl.d/99-sysctl.conf': { link: '../sysctl.conf' },
    };
    const s = boot(tree({ loader: 'systemd', files }));
    expect(s.from('net.core.somaxconn')).toBe('/etc/sysctl.d/99-sysctl.conf:69');
    expect(s.config.disagreements).toEqual([]);
  });

  it('a plain /etc/sysctl.conf is never read by systemd, read last by procps: a disagreement', () => {
    const files = {
      '/etc/sysctl.conf': 'net.core.somaxconn = 8192\n',
      '/usr/lib/sysctl.d/50-x.conf': 'net.core.somaxconn = 1024\nnet.ipv4.tcp_syn_retries = 3\n',
    };
    const s = boot(tree({ loader: 'systemd', files }));
    const p = boot(tree({ loader: 'procps', files }));
    expect(s.from('net.core.somaxconn')).toBe('/usr/lib/sysctl.d/50-x.conf:1');
    expect(p.from('net.core.somaxconn')).toBe('/etc/sysctl.conf:1');
    const d = [{ key: 'net.core.somaxconn', systemd: { value: '1024', file: '/usr/lib/sysctl.d/50-x.conf', line: 1 }, procps: { value: '8192', file: '/etc/sysctl.conf', line: 1 } }];
    expect(s.config.disagreements).toEqual(d);
    expect(p.config.disagreements).toEqual(d);
    expect(s.file('/etc/sysctl.conf')).toMatchObject({ readBy: ['procps'] });
    // Under systemd the file is still listed, after the files systemd reads.
    expect(s.config.files.map((f) => f.path)).toEqual(['/usr/lib/sysctl.d/50-x.conf', '/etc/sysctl.conf']);
  });

  it('EKS node (67-eks-reserved-ports, 99-amazon, 99-kubernetes-cri, sysctl.conf) over Debian vendor files', () => {
    const files: Tree['files'] = {
      '/etc/sysctl.d/67-eks-reserved-ports.conf': corpus('amazon-eks-ami-al2023__67-eks-reserved-ports.conf'),
      '/etc/sysctl.d/99-amazon.conf': corpus('amazon-eks-ami-al2023__99-amazon.conf'),
      '/etc/sysctl.d/99-kubernetes-cri.conf': corpus('amazon-eks-ami-al2023__99-kubernetes-cri.conf'),
      '/etc/sysctl.conf': corpus('amazon-eks-ami-al2023__sysctl.conf'),
      '/usr/lib/sysctl.d/50-pid-max.conf': corpus('debian-systemd__50-pid-max.conf'),
      '/usr/lib/sysctl.d/99-protect-links.conf': corpus('debian-procps__99-protect-links.conf'),
    };
    const s = boot(tree({ loader: 'systemd', files }));
    const p = boot(tree({ loader: 'procps', files }));
    expect(s.config.files.filter((f) => f.readBy.includes('systemd')).map((f) => f.path)).toEqual([
      '/usr/lib/sysctl.d/50-pid-max.conf',
      '/etc/sysctl.d/67-eks-reserved-ports.conf',
      '/etc/sysctl.d/99-amazon.conf',
      '/etc/sysctl.d/99-kubernetes-cri.conf',
      '/usr/lib/sysctl.d/99-protect-links.conf',
    ]);
    expect(s.value('net.ipv4.ip_local_reserved_ports')).toBe('2703,9808-9809,10249-10250,10256,61678-61679');
    expect(s.from('net.ipv4.ip_forward')).toBe('/etc/sysctl.d/99-kubernetes-cri.conf:3');
    expect(s.from('kernel.pid_max')).toBe('/usr/lib/sysctl.d/50-pid-max.conf:16');
    expect(p.from('kernel.pid_max')).toBe('/etc/sysctl.conf:4');
    expect(p.boot.get('kernel.pid_max')?.shadowed.map((x) => x.file)).toEqual(['/usr/lib/sysctl.d/50-pid-max.conf']);
    // Same pid_max value from both; the other three sysctl.conf keys only procps sets.
    expect(s.config.disagreements.map((d) => d.key)).toEqual([
      'fs.inotify.max_user_instances',
      'fs.inotify.max_user_watches',
      'vm.max_map_count',
    ]);
    expect(s.config.disagreements.every((d) => d.systemd === null && d.procps?.file === '/etc/sysctl.conf')).toBe(true);

    // AL2023 ships the 99-sysctl.conf link (from systemd); with it the loaders agree.
    const linked = boot(tree({ loader: 'systemd', files: { ...files, '/etc/sysctl.d/99-sysctl.conf': { link: '../sysctl.conf' } } }));
    expect(linked.config.disagreements).toEqual([]);
    // 99-protect-links.conf sorts after 99-kubernetes-cri.conf and before 99-sysctl.conf.
    expect(linked.from('vm.max_map_count')).toBe('/etc/sysctl.d/99-sysctl.conf:3');
  });

  it('a /etc/sysctl.conf that is a link to /dev/null or missing is not read', () => {
    expect(boot(tree({ files: { '/etc/sysctl.conf': { link: '/dev/null' } } })).config.files).toEqual([]);
    expect(boot(tree({})).config).toEqual({ loader: 'procps', files: [], disagreements: [], rejected: [] });
  });
});

describe('read errors', () => {
  class DenyingFs extends HostFs {
    override readText(hostPath: string): string | null {
      if (hostPath === '/etc/sysctl.d/10-secret.conf') throw new HostReadError(hostPath, 'EACCES', `${hostPath}: permission denied`);
      return super.readText(hostPath);
    }
  }

  it('EACCES on a config file is a UserError naming the file', () => {
    const fs = tree({ files: { '/etc/sysctl.d/10-secret.conf': 'a.b = 1\n' } });
    const denying = new DenyingFs(fs.root);
    expect(() => readSysctlConfig(denying)).toThrow(UserError);
    expect(() => readSysctlConfig(denying)).toThrow(/^\/etc\/sysctl\.d\/10-secret\.conf: .*permission denied/);
  });

  it('a directory named *.conf is a problem, not an error', () => {
    const fs = tree({ files: { '/etc/sysctl.d/dir.conf/x': 'a.b = 1\n', '/etc/sysctl.d/20-ok.conf': 'net.core.somaxconn = 5\n' } });
    const b = boot(fs);
    expect(b.file('/etc/sysctl.d/dir.conf')?.problems?.[0]?.message).toMatch(/EISDIR/);
    expect(b.value('net.core.somaxconn')).toBe('5');
  });

  it('unparseable lines travel with their file', () => {
    const b = boot(tree({ files: { '/etc/sysctl.d/10-a.conf': 'oops\nnet.core.somaxconn = 5\n' } }));
    expect(b.file('/etc/sysctl.d/10-a.conf')?.problems).toEqual([{ line: 1, message: expect.stringMatching(/invalid syntax/) }]);
    const s = boot(tree({ loader: 'systemd', files: { '/etc/sysctl.d/10-a.conf': 'oops\nnet.core.somaxconn = 5\n' } }));
    expect(s.file('/etc/sysctl.d/10-a.conf')?.problems).toEqual([{ line: 1, message: expect.stringMatching(/not an assignment/) }]);
  });
});
