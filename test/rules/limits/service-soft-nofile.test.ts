import rule from '../../../rules/limits/service-soft-nofile.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const proc = (soft: number, listenPorts: number[], unit: string | null = 'nginx.service') => ({
  pid: 77, comm: 'nginx', unit, nofile: { soft, hard: 524288 }, open: 12, listenPorts,
});

ruleTester.run(rule, {
  valid: [
    { name: 'no server role chosen', host: host('6.1', { processes: [proc(1024, [80])] }) },
    { name: 'db-client is not a server role', host: host('6.1', { processes: [proc(1024, [80])] }), profiles: ['db-client'] },
    { name: 'web-node listener already raised', host: host('6.1', { processes: [proc(65536, [80])] }), profiles: ['web-node'] },
    { name: 'a 1024 process that does not listen', host: host('5.4', { processes: [proc(1024, [])] }), profiles: ['load-balancer'] },
  ],
  invalid: [
    {
      name: 'web-node listener at 1024 under systemd gets the drop-in command',
      host: host('6.1', { processes: [proc(1024, [80, 443])] }),
      profiles: ['web-node'],
      findings: [{ messageId: 'defaultSoft', current: '1024', includes: ['port(s) 80, 443', '--service nginx.service', 'limits.conf does not apply'] }],
    },
    {
      name: 'load-balancer listener outside systemd',
      host: host('4.4', { processes: [proc(1024, [8080], null)] }),
      profiles: ['load-balancer', 'nat-facing'],
      findings: [{ messageId: 'defaultSoft', includes: ['a load-balancer runs out', 'not limits.conf'] }],
    },
  ],
  notApplicable: [],
});
