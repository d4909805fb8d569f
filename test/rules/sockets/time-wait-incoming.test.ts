import rule from '../../../rules/sockets/time-wait-incoming.js';
import { censusHost, censusOf, many, type Sock } from '../../helpers/census.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const served = (port: number, n: number): Sock[] => [
  { state: 'LISTEN', local: `0.0.0.0:${port}`, inode: port },
  ...many(n, (i): Sock => ({ state: 'TIME_WAIT', local: `10.0.0.1:${port}`, remote: `10.0.2.${i % 200}:${30000 + i}` })),
];

ruleTester.run(rule, {
  valid: [
    { name: 'no TIME_WAIT', host: censusHost('6.1', censusOf(served(80, 0))) },
    { name: 'TIME_WAIT only as the client', host: censusHost('5.4', censusOf([{ state: 'TIME_WAIT', local: '10.0.0.1:40000', remote: '10.0.0.5:80' }])) },
  ],
  invalid: [
    {
      name: 'a web server that closes first, on three ports',
      host: censusHost('6.12', censusOf([...served(80, 5), ...served(443, 7), ...served(8080, 1), ...served(9000, 1)])),
      findings: [{ messageId: 'incomingTimeWait', severity: 'info', key: null, current: '14', includes: ['14 TIME_WAIT socket(s) on listening ports (443, 80, 8080): we were the server', 'tcp_tw_reuse has no effect on them'] }],
    },
  ],
  notApplicable: [{ name: 'audit: no census', host: host('4.4', { states: { TIME_WAIT: 4000 } }) }],
});
