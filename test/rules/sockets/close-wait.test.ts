import rule, { CRITICAL_AT, WARN_AT } from '../../../rules/sockets/close-wait.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

ruleTester.run(rule, {
  valid: [
    { name: 'none', host: host('6.1') },
    { name: 'just under the warning threshold', host: host('5.4', { states: { CLOSE_WAIT: WARN_AT - 1 } }) },
    { name: 'socket table unreadable', host: host('6.12', { states: { CLOSE_WAIT: 5000 }, sockets: { available: false } }) },
  ],
  invalid: [
    {
      name: 'at the warning threshold',
      host: host('6.1', { states: { CLOSE_WAIT: WARN_AT } }),
      findings: [{ messageId: 'closeWaitPileUp', severity: 'warning', key: null, current: String(WARN_AT), change: null, includes: ['not calling close()', 'no sysctl fixes it', 'knobs sockets'] }],
    },
    { name: 'just under critical', host: host('4.4', { states: { CLOSE_WAIT: CRITICAL_AT - 1 } }), findings: [{ messageId: 'closeWaitPileUp', severity: 'warning' }] },
    { name: 'at the critical threshold', host: host('3.10', { states: { CLOSE_WAIT: CRITICAL_AT } }), findings: [{ messageId: 'closeWaitPileUp', severity: 'critical', includes: [`threshold ${CRITICAL_AT}`] }] },
  ],
  notApplicable: [],
});
