// The extraction behind src/core/kernel-data, on a miniature tree in test/fixtures
// (the real trees are too large for a test; scripts/kernel-facts runs on them by hand).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExtraction } from '../scripts/kernel-facts/extract-tree.mjs';
import { DirTree } from '../scripts/kernel-facts/source.mjs';
import { evaluate } from '../scripts/kernel-facts/evaluate.mjs';

const MINI = path.resolve(import.meta.dirname, 'fixtures/kernel-src/mini');

describe('scripts/kernel-facts on a miniature tree', () => {
  const { keys, unresolved } = runExtraction(new DirTree(MINI), () => {});
  const fact = (k: string) => keys.get(k) as Record<string, unknown> | undefined;

  it('finds every key and follows the wrapper, .child nesting and both registrations', () => {
    expect([...keys.keys()].sort()).toEqual([
      'fs.file-max',
      'kernel.threads-max',
      'net.ipv4.ip_local_port_range',
      'net.ipv4.tcp_fin_timeout',
      'net.ipv4.tcp_max_orphans',
      'net.ipv4.tcp_max_syn_backlog',
      'net.ipv4.tcp_syn_retries',
      'net.ipv4.tcp_syncookies',
      'net.ipv4.tcp_timestamps',
      'net.ipv4.tcp_tw_reuse',
    ]);
    expect(unresolved).toEqual([]);
  });

  it('scope: tables registered for &init_net only and the sysctl base are machine-wide, the pernet table per namespace', () => {
    expect(fact('net.ipv4.tcp_timestamps')).toMatchObject({ scope: 'global', table: 'ipv4_table' });
    expect(fact('net.ipv4.tcp_tw_reuse')).toMatchObject({ scope: 'netns', table: 'ipv4_net_table' });
    expect(fact('kernel.threads-max')).toMatchObject({ scope: 'global' });
  });

  it('bounds: static constants, SYSCTL_* through sysctl_vals[], LONG_MAX as an exact integer, a custom handler\'s own table', () => {
    expect(fact('net.ipv4.tcp_syn_retries')).toMatchObject({ min: '1', max: '127' });
    expect(fact('kernel.threads-max')).toMatchObject({ min: '0' });
    expect(fact('fs.file-max')).toMatchObject({ handler: 'proc_doulongvec_minmax', min: '0', max: '9223372036854775807' });
    expect(fact('net.ipv4.ip_local_port_range')).toMatchObject({ handler: 'ipv4_local_port_range', handlerBase: 'proc_dointvec_minmax', min: '1', max: '65535' });
  });

  it('defaults: init-code constants (jiffies shown in seconds), per-field arrays, static initialisers; computed ones are not constants', () => {
    expect(fact('net.ipv4.tcp_tw_reuse')).toMatchObject({ default: '2' }); // a proc handler's store is not a default
    expect(fact('net.ipv4.tcp_fin_timeout')).toMatchObject({ default: '60' });
    expect(fact('net.ipv4.tcp_syn_retries')).toMatchObject({ default: '6' });
    expect(fact('net.ipv4.ip_local_port_range')).toMatchObject({ default: '32768 60999' });
    expect(fact('net.ipv4.tcp_timestamps')).toMatchObject({ default: '1' });
    expect(fact('net.ipv4.tcp_max_syn_backlog')).toMatchObject({ defaultExpr: 'max(128, cnt / 256)' });
    expect(fact('net.ipv4.tcp_max_orphans')!.default).toBeUndefined();
    expect(fact('kernel.threads-max')!.default).toBeUndefined();
  });

  it('notes the #if around an entry', () => {
    expect(fact('net.ipv4.tcp_syncookies')!.conditions).toEqual(['defined(CONFIG_SYN_COOKIES)']);
  });
});

describe('C constant expressions', () => {
  const none = () => undefined;
  it('evaluates in BigInt with casts, shifts, helpers and unsigned all-ones', () => {
    expect(evaluate('(unsigned long)LONG_MAX', none)).toBe(9223372036854775807n);
    expect(evaluate('60999u << 16 | 32768u', none)).toBe(3997663232n);
    expect(evaluate('min((size_t)INT_MAX, ~(size_t)0/sizeof(void *)) & -BITS_PER_LONG', none)).toBe(2147483584n);
    expect(evaluate('max(128, 4096 / 256)', none)).toBe(128n);
    expect(evaluate('(((gid_t)~0U) >> 1)', none)).toBe(2147483647n);
  });
  it('resolves names through the resolver and gives up on anything not constant', () => {
    expect(evaluate('TCP_FIN_TIMEOUT / HZ', (n: string) => ({ TCP_FIN_TIMEOUT: '(60*HZ)' })[n])).toBe(60n);
    expect(evaluate('cnt / 2', none)).toBeUndefined();
    expect(evaluate('sizeof(struct sk_buff)', none)).toBeUndefined();
  });
});
