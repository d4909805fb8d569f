import rule from '../../../rules/sysctl/not-persisted.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const SOMAX = 'net.core.somaxconn';
const boot = (key: string, value: string, file = '/etc/sysctl.d/90-net.conf', line = 4) => ({ [key]: { value, file, line } });
const systemdHost = (h: ReturnType<typeof host>) => ({ ...h, sysctlConfig: { ...h.sysctlConfig, loader: 'systemd' as const } });
const procpsHost = (h: ReturnType<typeof host>) => ({ ...h, sysctlConfig: { ...h.sysctlConfig, loader: 'procps' as const } });

ruleTester.run(rule, {
  valid: [
    { name: 'every value at its default (6.1)', host: host('6.1') },
    { name: 'a boot file sets the changed value (5.4)', host: host('5.4', { sysctl: { [SOMAX]: '8192' }, boot: boot(SOMAX, '8192') }) },
    { name: 'a boot file sets another value: sysctl/drift reports it, not this rule (5.4)', host: host('5.4', { sysctl: { [SOMAX]: '8192' }, boot: boot(SOMAX, '1024') }) },
    { name: 'equal to the default as the kernel stores it (4.15)', host: host('4.15', { sysctl: { 'net.ipv4.ip_local_port_range': '32768\t60999' } }) },
    { name: 'a default computed from RAM cannot be compared (6.12)', host: host('6.12', { sysctl: { 'net.ipv4.tcp_max_syn_backlog': '512' } }) },
    { name: 'fs.nr_open raised by systemd (PID 1) at every boot (6.1)', host: systemdHost(host('6.1', { sysctl: { 'fs.nr_open': '1073741816' } })) },
    { name: 'perf_event_paranoid 3: Debian\'s built-in default, not a runtime change (6.1)', host: host('6.1', { sysctl: { 'kernel.perf_event_paranoid': '3' } }) },
  ],
  invalid: [
    {
      name: 'a catalogue key beyond the network ones: vm.swappiness 10 set at runtime (6.1, default 60)',
      host: host('6.1', { sysctl: { 'vm.swappiness': '10' } }),
      findings: [{ messageId: 'notPersisted', key: 'vm.swappiness', current: '10', recommended: '60' }],
    },
    {
      name: 'somaxconn set at runtime on 4.15 (default 128): lost at reboot',
      host: host('4.15', { sysctl: { [SOMAX]: '4096' } }),
      findings: [{ messageId: 'notPersisted', key: SOMAX, current: '4096', recommended: '128', change: null, includes: ['no boot file sets it', 'kernel default 128', '--drift persist', '--drift restore'] }],
    },
    {
      name: 'the default depends on the kernel: 128 is not 6.1\'s 4096',
      host: host('6.1', { sysctl: { [SOMAX]: '128' } }),
      findings: [{ messageId: 'notPersisted', key: SOMAX, recommended: '4096' }],
    },
    {
      name: 'fs.nr_open raised without systemd (procps host, 6.1)',
      host: procpsHost(host('6.1', { sysctl: { 'fs.nr_open': '2097152' } })),
      findings: [{ messageId: 'notPersisted', key: 'fs.nr_open', recommended: '1048576' }],
    },
    {
      name: 'two keys, sorted by key (5.4)',
      host: host('5.4', { sysctl: { 'net.ipv4.tcp_keepalive_time': '600', 'net.ipv4.ip_forward': '1' } }),
      findings: [
        { messageId: 'notPersisted', key: 'net.ipv4.ip_forward', recommended: '0' },
        { messageId: 'notPersisted', key: 'net.ipv4.tcp_keepalive_time', recommended: '7200' },
      ],
    },
  ],
  notApplicable: [],
});
