import rule, { CRITICAL_AT, WARN_AT } from '../../../rules/sockets/close-wait.js';
import { censusHost, censusOf, many } from '../../helpers/census.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

/** `n` CLOSE_WAIT sockets of a server on :8080, the first `owned` held by pid 100 (nginx). */
function leak(n: number, owned = n) {
  return censusOf(
    many(n, (i) => ({ state: 'CLOSE_WAIT', local: '10.0.0.1:8080', remote: `10.0.0.9:${20000 + i}`, inode: 5000 + i })),
    { owners: Object.fromEntries(Array.from({ length: owned }, (_, i) => [5000 + i, [100]])), processes: { 100: 'nginx' } },
  );
}

ruleTester.run(rule, {
  valid: [
    { name: 'none', host: host('6.1') },
    { name: 'none in the census either', host: censusHost('6.12', censusOf([{ state: 'ESTABLISHED', local: '10.0.0.1:8080', remote: '10.0.0.9:1' }])) },
    { name: 'socket table unreadable', host: host('6.12', { states: { CLOSE_WAIT: 5000 }, sockets: { available: false } }) },
  ],
  invalid: [
    {
      name: 'a few, from the counts alone (audit)',
      host: host('5.4', { states: { CLOSE_WAIT: WARN_AT - 1 } }),
      findings: [{ messageId: 'closeWaitFew', severity: 'info', key: null, current: String(WARN_AT - 1), includes: ['has not called close()', 'no sysctl fixes that', '`knobs sockets` names the process'] }],
    },
    {
      name: 'a few, with the census naming the holder',
      host: censusHost('6.1', leak(3)),
      findings: [{ messageId: 'closeWaitFew', severity: 'info', includes: ['3 socket(s) in CLOSE_WAIT held by nginx (pid 100, 3)'] }],
    },
    {
      name: 'at the warning threshold',
      host: host('6.1', { states: { CLOSE_WAIT: WARN_AT } }),
      findings: [{ messageId: 'closeWaitPileUp', severity: 'warning', key: null, current: String(WARN_AT), change: null, includes: ['not calling close()', 'no sysctl fixes it', 'knobs sockets', 'SO_KEEPALIVE'] }],
    },
    { name: 'just under critical', host: host('4.4', { states: { CLOSE_WAIT: CRITICAL_AT - 1 } }), findings: [{ messageId: 'closeWaitPileUp', severity: 'warning' }] },
    { name: 'at the critical threshold', host: host('3.10', { states: { CLOSE_WAIT: CRITICAL_AT } }), findings: [{ messageId: 'closeWaitPileUp', severity: 'critical', includes: [`threshold ${CRITICAL_AT}`, '1,000 sockets'] }] },
    {
      name: 'a leak held by one process, some sockets unowned',
      host: censusHost('6.12', leak(150, 140)),
      findings: [{ messageId: 'closeWaitPileUp', severity: 'warning', current: '150', includes: ['150 sockets are in CLOSE_WAIT (threshold 100) held by nginx (pid 100, 140):'] }],
    },
  ],
  notApplicable: [],
});
