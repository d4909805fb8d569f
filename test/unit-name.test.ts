// Unit names as systemd validates them (src/core/unit-name.ts), checked against this
// machine's systemctl where it is installed: a name knobs accepts is one systemctl
// looks up, a name knobs refuses is one systemctl refuses (or mangles into another).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkedUnitName, unitNameProblem } from '../src/core/unit-name.js';
import { tempDir } from './helpers/temp.js';

const VALID = ['nginx.service', 'x@.service', 'x@y.service', 'x@y@z.service', 'a:b\\x2d.service', 'dev-sda.device', 'a.b.c.socket', 'a_b-c.timer'];
const INVALID = ['', 'a b.service', '@x.service', 'a/b.service', 'a\nb.service', '../../x.service', 'x.bogus', '.service', 'nginx', 'ä.service', 'a'.repeat(250) + '.service'];

describe('unitNameProblem (unit_name_is_valid, UNIT_NAME_ANY)', () => {
  it.each(VALID)('accepts %j', (n) => expect(unitNameProblem(n)).toBeNull());
  it.each(INVALID)('refuses %j', (n) => expect(unitNameProblem(n)).not.toBeNull());
  it('adds .service to a bare name, as systemctl does, then validates', () => {
    expect(checkedUnitName('nginx')).toBe('nginx.service');
    expect(checkedUnitName('api@1')).toBe('api@1.service');
    expect(() => checkedUnitName('nginx\nExecStartPre=/bin/sh')).toThrow(/contains "\\n"/);
    expect(() => checkedUnitName('../../x')).toThrow(/contains "\/"/);
  });
});

const systemctl = spawnSync('systemctl', ['--version']).status === 0;
describe.skipIf(!systemctl)(`systemctl agrees${systemctl ? '' : ' — skipped: systemctl is not installed'}`, () => {
  const root = tempDir('knobs-systemctl-');
  const verdict = (n: string) => {
    const r = spawnSync('systemctl', [`--root=${root}`, 'is-enabled', '--', n], { encoding: 'utf8' });
    return /Invalid unit name|Failed to mangle|Invalid argument/.test(r.stderr) ? 'invalid' : 'valid';
  };
  it.each(VALID)('systemctl looks %j up', (n) => expect(verdict(n)).toBe('valid'));
  it.each(['a b.service', '@x.service', 'a\nb.service', 'a/b.service'])('systemctl refuses %j too', (n) => expect(verdict(n)).toBe('invalid'));
});
