import rule from '../../../rules/sockets/tw-buckets-near-limit.js';
import { censusHost, censusOf } from '../../helpers/census.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const at = (tw: number, max: string | null) => censusOf([], { counters: { 'sockstat.tw': tw }, sysctl: { 'net.ipv4.tcp_max_tw_buckets': max } });

ruleTester.run(rule, {
  valid: [
    { name: 'just under 80%', host: censusHost('6.1', at(7999, '10000')) },
    { name: 'the limit cannot be read', host: censusHost('6.1', at(7999, null)) },
  ],
  invalid: [
    { name: 'at 80%', host: censusHost('5.4', at(8000, '10000')), findings: [{ messageId: 'nearLimit', severity: 'warning', key: 'net.ipv4.tcp_max_tw_buckets', current: '10000', includes: ['sockstat tw 8,000 is 80% of tcp_max_tw_buckets 10,000', 'Do not lower the limit'] }] },
    { name: 'at 95%', host: censusHost('6.12', at(9500, '10000')), findings: [{ messageId: 'nearLimit', severity: 'critical' }] },
    { name: 'over the limit (3.10: a lowered limit)', host: censusHost('3.10', at(200, '180')), findings: [{ messageId: 'nearLimit', severity: 'critical', includes: ['111.1%'] }] },
  ],
  notApplicable: [{ name: 'audit: no census', host: host('6.1', { sockets: { counters: { 'sockstat.tw': 130000 } } }) }],
});
