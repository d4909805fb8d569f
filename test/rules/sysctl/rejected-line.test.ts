import { describe, expect, it } from 'vitest';
import rule from '../../../rules/sysctl/rejected-line.js';
import { evaluate } from '../../../src/core/engine.js';
import { EMPTY_PROFILE } from '../../../src/core/combine.js';
import type { RejectedLine, SysctlConfFile } from '../../../src/core/types.js';
import { collectFacts } from '../../../src/host/collect.js';
import { HostFs } from '../../../src/host/host-fs.js';
import { fakeRoot } from '../../helpers/fake-root.js';
import { confFile, host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const FILE = '/etc/sysctl.d/90-tune.conf';
const FIN = 'net.ipv4.tcp_fin_timeout';
const rejected = (r: Partial<RejectedLine> & Pick<RejectedLine, 'key' | 'value' | 'kind' | 'reason'>): RejectedLine => ({ file: FILE, line: 3, path: r.key.split('.').join('/'), ...r });
const file = (problems: SysctlConfFile['problems'], over: Partial<SysctlConfFile> = {}): SysctlConfFile => ({ ...confFile(FILE, { [FIN]: '30' }), ...(problems ? { problems } : {}), ...over });

ruleTester.run(rule, {
  valid: [
    { name: 'no config lines (6.1)', host: host('6.1') },
    { name: 'every line accepted as written (6.12)', host: host('6.12', { configFiles: [file(undefined)], boot: { [FIN]: { value: '30', file: FILE } } }) },
    {
      name: 'a trailing comment after the number is what it looks like (6.12)',
      host: host('6.12', { boot: { [FIN]: { value: '43', file: FILE, text: '43 # the default is 60' } } }),
    },
    {
      name: 'tcp_tw_reuse and ip_local_port_range lines are explained by their own rules (6.12)',
      host: host('6.12', { rejected: [rejected({ key: 'net.ipv4.tcp_tw_reuse', value: '3', kind: 'value', reason: '3 is outside 0..2' })] }),
    },
    {
      name: 'problems of a file the loader does not read are not reported (6.12)',
      host: host('6.12', { configFiles: [file([{ line: 2, message: 'not an assignment, ignored: x' }], { readBy: ['procps'] })] }),
    },
  ],
  invalid: [
    {
      name: 'issue #12: 605# x is refused, the earlier line stays (6.12)',
      host: host('6.12', {
        sysctl: { [FIN]: '30' },
        boot: { [FIN]: { value: '30', file: '/etc/sysctl.d/10-a.conf', line: 1 } },
        rejected: [rejected({ key: FIN, value: '605# x', kind: 'value', reason: '"#" right after the number 605' })],
      }),
      findings: [{ messageId: 'rejectedValue', key: FIN, current: '605# x', includes: [`${FILE}:3`, '"#" right after the number 605', 'leaves net.ipv4.tcp_fin_timeout at 30 from /etc/sysctl.d/10-a.conf:1'] }],
    },
    {
      name: 'a refused value with nothing before it keeps the kernel value; "-" lines are only info (6.12)',
      host: host('6.12', {
        sysctl: { [FIN]: '60' },
        rejected: [rejected({ key: FIN, value: '"42"', kind: 'value', reason: 'quote', ignoreFailure: true })],
      }),
      findings: [{ messageId: 'rejectedValue', severity: 'info', includes: ['the value the kernel already has (60 now)', 'starts with "-"'] }],
    },
    {
      name: 'a vector that fails after its first field (6.12)',
      host: host('6.12', {
        boot: { 'net.ipv4.tcp_rmem': { value: '8192 131072 6291456', file: FILE, line: 3, text: '8192 x', partial: true } },
        rejected: [rejected({ key: 'net.ipv4.tcp_rmem', value: '8192 x', kind: 'value', reason: '"x" where a digit must be' })],
      }),
      findings: [{ messageId: 'partlyStored', includes: ['becomes 8192 131072 6291456'] }],
    },
    {
      name: 'read-only, a directory, a path out of /proc/sys (6.12)',
      host: host('6.12', {
        rejected: [
          rejected({ key: 'net.ipv4.conf.lo.mc_forwarding', value: '1', kind: 'read-only', reason: 'the key is read-only' }),
          rejected({ key: 'net.ipv4.conf', value: '1', kind: 'directory', reason: 'the key names a directory', line: 4 }),
          rejected({ key: 'net/ipv4/../ipv4/tcp_fin_timeout', value: '9', kind: 'path', reason: 'systemd-sysctl refuses a path with ".."', line: 5 }),
        ],
      }),
      findings: [
        { messageId: 'notWritable', includes: ['names a directory'] },
        { messageId: 'notWritable', severity: 'warning', includes: ['read-only'] },
        { messageId: 'notWritable', includes: ['".."', 'systemd-sysctl cannot write it'] },
      ],
    },
    {
      name: 'a key this kernel lacks, and a glob matching nothing, are info (6.12)',
      host: host('6.12', {
        rejected: [
          rejected({ key: 'net.bridge.bridge-nf-call-iptables', value: '1', kind: 'unknown-key', reason: 'no such key on this kernel' }),
          rejected({ key: 'net.ipv4.conf.eth*.rp_filter', value: '1', kind: 'unknown-key', reason: 'no such key on this kernel', glob: true, line: 4 }),
        ],
      }),
      findings: [
        { messageId: 'unknownKey', severity: 'info', includes: ['no such key on this kernel', 'does nothing at boot'] },
        { messageId: 'unknownKey', includes: ['the glob matches no key'] },
      ],
    },
    {
      name: 'many keys this kernel lacks in one file make one finding (6.12)',
      host: host('6.12', {
        rejected: Array.from({ length: 7 }, (_, i) => rejected({ key: `net.ipv4.conf.vlan${i}.rp_filter`, value: '0', kind: 'unknown-key', reason: 'no such key on this kernel', line: i + 1 })),
      }),
      findings: [{ messageId: 'unknownKeys', severity: 'info', key: null, includes: [`${FILE}: 7 lines`, '1: net.ipv4.conf.vlan0.rp_filter', '5: net.ipv4.conf.vlan4.rp_filter, ...'] }],
    },
    {
      name: 'loader syntax problems and file problems (6.12)',
      host: host('6.12', {
        configFiles: [file([{ line: 2, message: 'not an assignment, ignored: oops' }, { line: 0, message: 'symlink target /x.conf does not exist' }])],
      }),
      findings: [
        { messageId: 'syntax', severity: 'warning', key: null, includes: [`${FILE}:2`, 'not an assignment', 'systemd-sysctl skips the line'] },
        { messageId: 'fileProblem', severity: 'info', includes: ['does not exist'] },
      ],
    },
    {
      name: 'octal, hex and ignored trailing data (6.12)',
      host: host('6.12', {
        boot: {
          [FIN]: { value: '8', file: FILE, line: 1, text: '010' },
          'net.core.somaxconn': { value: '31', file: FILE, line: 2, text: '0x1f' },
          'net.ipv4.tcp_keepalive_time': { value: '600', file: FILE, line: 3, text: '600 900' },
        },
      }),
      findings: [
        { messageId: 'storedDifferently', key: 'net.core.somaxconn', severity: 'info', includes: ['0x is hexadecimal'] },
        { messageId: 'storedDifferently', key: FIN, includes: ['"010" is read by the kernel as 8', 'octal'] },
        { messageId: 'storedDifferently', key: 'net.ipv4.tcp_keepalive_time', includes: ['ignores "900"'] },
      ],
    },
  ],
  notApplicable: [],
});

describe('sysctl/rejected-line on facts read from a --root tree', () => {
  it('the issue #12 examples become findings naming file:line:key, and the boot value is the last accepted one', () => {
    const root = fakeRoot({
      kernel: '6.12',
      files: {
        '/etc/sysctl.d/10-a.conf': 'net.ipv4.tcp_fin_timeout = 30\n',
        '/etc/sysctl.d/20-b.conf': 'net.ipv4.tcp_fin_timeout = 605# x\nnet.core.somaxconn = "42"\nnet.ipv4.tcp_keepalive_time = 43 # comment\noops\n',
      },
    });
    const facts = collectFacts(new HostFs(root), { sockets: false });
    expect(facts.sysctl[FIN]!.boot).toMatchObject({ value: '30', file: '/etc/sysctl.d/10-a.conf', line: 1 });
    expect(facts.sysctl['net.ipv4.tcp_keepalive_time']!.boot).toMatchObject({ value: '43', text: '43 # comment' });
    const msgs = evaluate(facts, EMPTY_PROFILE, [rule]).findings.map((f) => f.message);
    expect(msgs).toEqual([
      expect.stringMatching(/^\/etc\/sysctl\.d\/20-b\.conf:4: invalid syntax/),
      expect.stringMatching(/^\/etc\/sysctl\.d\/20-b\.conf:2: net\.core\.somaxconn = "\\"42\\"" is refused/),
      expect.stringMatching(/^\/etc\/sysctl\.d\/20-b\.conf:1: net\.ipv4\.tcp_fin_timeout = "605# x" is refused by the kernel .* leaves net\.ipv4\.tcp_fin_timeout at 30 from \/etc\/sysctl\.d\/10-a\.conf:1$/),
    ]);
  });
});
