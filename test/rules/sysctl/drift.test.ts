import rule from '../../../rules/sysctl/drift.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const SOMAX = 'net.core.somaxconn';
const RMEM = 'net.ipv4.tcp_rmem';
const boot = (key: string, value: string, file = '/etc/sysctl.d/90-net.conf', line = 4) => ({ [key]: { value, file, line } });

ruleTester.run(rule, {
  valid: [
    { name: 'no boot values (6.1)', host: host('6.1') },
    { name: 'live equals boot after folding whitespace (5.4)', host: host('5.4', { sysctl: { [RMEM]: '4096 87380 6291456' }, boot: boot(RMEM, '4096\t87380   6291456') }) },
    { name: 'integers compare by value (4.4)', host: host('4.4', { sysctl: { [SOMAX]: '1024' }, boot: boot(SOMAX, '01024') }) },
    { name: 'port lists ignore spaces after commas (6.12)', host: host('6.12', { sysctl: { 'net.ipv4.ip_local_reserved_ports': '8080,9000-9010' }, boot: boot('net.ipv4.ip_local_reserved_ports', '8080, 9000-9010') }) },
    { name: 'a boot line for a key this kernel lacks is not drift (6.1)', host: host('6.1', { boot: boot('net.ipv4.tcp_tw_recycle', '1') }) },
    // The kernel rejects these lines (EINVAL): the boot leaves the previous value, so they say nothing about the next boot.
    { name: 'a boot value the kernel rejects is not compared: tcp_tw_reuse = 3 (6.1)', host: host('6.1', { sysctl: { 'net.ipv4.tcp_tw_reuse': '2' }, boot: boot('net.ipv4.tcp_tw_reuse', '3') }) },
    {
      name: 'a port range below ip_unprivileged_port_start is rejected, not a boot value (6.12)',
      host: host('6.12', { boot: boot('net.ipv4.ip_local_port_range', '80 65535') }),
    },
  ],
  invalid: [
    {
      name: 'somaxconn poked at runtime (4.15): revert or persist, no change',
      host: host('4.15', { sysctl: { [SOMAX]: '4096' }, boot: boot(SOMAX, '1024', '/etc/sysctl.d/90-net.conf', 4) }),
      findings: [
        {
          messageId: 'liveDiffersFromBoot',
          key: SOMAX,
          current: '4096',
          recommended: '1024',
          change: null,
          includes: ['/etc/sysctl.d/90-net.conf:4', 'lost at the next reboot', '`knobs plan --drift persist`', '`knobs plan --drift restore`'],
        },
      ],
    },
    {
      name: 'web-node wants the live value (6.1): persist it',
      host: host('6.1', { sysctl: { [SOMAX]: '8192' }, boot: boot(SOMAX, '1024') }),
      profiles: ['web-node'],
      findings: [{ messageId: 'liveDiffersFromBoot', recommended: '8192', change: { kind: 'sysctl', key: SOMAX, value: '8192' }, includes: ['profile web-node'] }],
    },
    {
      name: 'two drifted keys, sorted by key (3.10)',
      host: host('3.10', { sysctl: { 'net.ipv4.tcp_fin_timeout': '10', 'fs.file-max': '9000000' }, boot: { ...boot('net.ipv4.tcp_fin_timeout', '30'), ...boot('fs.file-max', '1000000', '/etc/sysctl.conf', 1) } }),
      findings: [{ messageId: 'liveDiffersFromBoot', key: 'fs.file-max' }, { messageId: 'liveDiffersFromBoot', key: 'net.ipv4.tcp_fin_timeout' }],
    },
  ],
  notApplicable: [],
});
