// `knobs explain <key>` states the scope the key has on this host's kernel: many keys
// were one value for the whole machine before they became per network namespace.
import { describe, expect, it } from 'vitest';
import { knobs } from '../helpers/cli.js';
import { fakeRoot } from '../helpers/fake-root.js';

describe('knobs explain: scope on this kernel', () => {
  it('a 3.10 host (RHEL 7) is told tcp_fin_timeout is machine-wide there, and from which release it is per namespace', () => {
    const r = knobs(['explain', 'net.ipv4.tcp_fin_timeout', '--root', fakeRoot({ kernel: '3.10' })]);
    expect(r.code).toBe(0);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('Scope on 3.10.0-1160.el7.x86_64: whole machine (per network namespace from Linux 4.6)');
    expect(text).not.toMatch(/Scope on [^:]*: per network namespace/);
    const doc = knobs(['explain', 'net.ipv4.tcp_fin_timeout', '--root', fakeRoot({ kernel: '3.10' }), '--json']).json();
    expect(doc).toMatchObject({ scope: 'global', netnsSince: '4.6.0' });
  });

  it('a 6.1 host is told it is per namespace, since 4.6', () => {
    const r = knobs(['explain', 'net.ipv4.tcp_fin_timeout', '--root', fakeRoot({ kernel: '6.1' })]);
    expect(r.stdout.replace(/\s+/g, ' ')).toContain('Scope on 6.1.0-18-amd64: per network namespace (since Linux 4.6)');
    expect(knobs(['explain', 'net.ipv4.tcp_fin_timeout', '--root', fakeRoot({ kernel: '6.1' }), '--json']).json().scope).toBe('netns');
  });

  it('a key that was always machine-wide says so without a release', () => {
    const r = knobs(['explain', 'net.ipv4.tcp_max_orphans', '--root', fakeRoot({ kernel: '4.15' })]);
    expect(r.stdout).toMatch(/Scope on 4\.15\.0-213-generic: whole machine\n/);
  });
});
