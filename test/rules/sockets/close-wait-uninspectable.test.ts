import rule from '../../../rules/sockets/close-wait-uninspectable.js';
import { censusHost, censusOf } from '../../helpers/census.js';
import { host } from '../../helpers/host.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const cw = (inode: number) => ({ state: 'CLOSE_WAIT' as const, local: '10.0.0.1:8080', remote: `10.0.0.9:${inode}`, inode });
const refused = { pid: 300, comm: 'java', error: 'EACCES', why: 'refused to this user: run knobs as root to name its sockets' };

ruleTester.run(rule, {
  valid: [
    { name: 'every CLOSE_WAIT socket has an owner', host: censusHost('6.1', censusOf([cw(1), cw(2)], { owners: { 1: [100], 2: [100] }, uninspectable: [refused] })) },
    { name: 'unowned, but every process could be inspected (a socket closed meanwhile)', host: censusHost('5.4', censusOf([cw(1)])) },
  ],
  invalid: [
    {
      name: 'unowned while a process was refused',
      host: censusHost('6.12', censusOf([cw(1), cw(2), cw(3)], { owners: { 1: [100] }, uninspectable: [refused, { ...refused, pid: 301 }] })),
      findings: [{ messageId: 'unowned', severity: 'info', key: null, current: '2', includes: ['2 CLOSE_WAIT socket(s) have no known owner: 2 process(es) could not be inspected (refused to this user: run knobs as root'] }],
    },
  ],
  notApplicable: [{ name: 'audit: no census', host: host('6.1', { states: { CLOSE_WAIT: 500 } }) }],
});
