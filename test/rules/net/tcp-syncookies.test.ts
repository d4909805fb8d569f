import rule from '../../../rules/net/tcp-syncookies.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const KEY = 'net.ipv4.tcp_syncookies';
const off = { sysctl: { [KEY]: '0' } };
const on = { kind: 'sysctl', key: KEY, value: '1' } as const;

ruleTester.run(rule, {
  valid: [
    { name: 'default 1 with web-node on 6.1', host: host('6.1'), profiles: ['web-node'] },
    { name: 'off without a server role (documented: only server roles)', host: host('6.1', off) },
    { name: 'off with db-client (a client role)', host: host('5.4', off), profiles: ['db-client'] },
  ],
  invalid: [
    { name: 'off with web-node on 6.12', host: host('6.12', off), profiles: ['web-node'], findings: [{ messageId: 'offOnServer', current: '0', recommended: '1', change: on, includes: ['web-node'] }] },
    { name: 'off with load-balancer on 4.4', host: host('4.4', off), profiles: ['load-balancer'], findings: [{ messageId: 'offOnServer', change: on, includes: ['load-balancer'] }] },
    { name: 'off with db-client plus web-node on 3.10', host: host('3.10', off), profiles: ['db-client', 'web-node'], findings: [{ messageId: 'offOnServer', includes: ['web-node'] }] },
  ],
  notApplicable: [{ name: 'key absent', host: host('6.1', { sysctl: { [KEY]: null } }), profiles: ['web-node'] }],
});
