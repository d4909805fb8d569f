import rule from '../../../rules/sockets/orphans-near-limit.js';
import { censusHost, censusOf } from '../../helpers/census.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const at = (orphans: number, max: string | null) => censusOf([], { counters: { 'sockstat.orphan': orphans }, sysctl: { 'net.ipv4.tcp_max_orphans': max } });

ruleTester.run(rule, {
  valid: [
    { name: 'under half', host: censusHost('6.1', at(4095, '8192')) },
    { name: 'limit unreadable', host: censusHost('6.12', at(9000, null)) },
  ],
  invalid: [
    { name: 'at half: slow orphans are already reset', host: censusHost('5.4', at(4096, '8192')), findings: [{ messageId: 'nearLimit', severity: 'warning', key: 'net.ipv4.tcp_max_orphans', current: '8192', includes: ['4,096 orphaned sockets', '50% of tcp_max_orphans 8,192', 'too many orphaned sockets', 'twice or four times'] }] },
    { name: 'at 80%', host: censusHost('3.10', at(6554, '8192')), findings: [{ messageId: 'nearLimit', severity: 'critical' }] },
  ],
  notApplicable: [{ name: 'audit: no census', host: host('6.1', { sockets: { counters: { 'sockstat.orphan': 100000 } } }) }],
});
