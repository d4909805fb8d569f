import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { terminalWidth, visibleLength, wrap } from '../../src/cli/format/wrap.js';
import { fakeRoot } from '../helpers/fake-root.js';
import { knobs } from '../helpers/cli.js';

describe('wrap', () => {
  it('never breaks inside a word and keeps every line within the width unless one word is longer', () => {
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^[a-z/.:]{1,30}$/), { maxLength: 60 }), fc.integer({ min: 10, max: 120 }), (words, width) => {
        const text = words.join(' ');
        const out = wrap(text, width, '  ');
        const got = out.split('\n').flatMap((l) => l.trim().split(' ').filter(Boolean));
        expect(got).toEqual(words);
        for (const l of out.split('\n')) if (l.trim().includes(' ')) expect(visibleLength(l)).toBeLessThanOrEqual(width);
      }),
    );
  });
  it('ignores colour codes when measuring, and uses a first-line prefix', () => {
    expect(visibleLength('\x1b[1mab\x1b[22m')).toBe(2);
    expect(wrap('aaa bbb ccc', 9, '  ', '- ')).toBe('- aaa bbb\n  ccc');
  });
  it('takes the terminal width, else $COLUMNS, else 80', () => {
    expect(terminalWidth(132, {})).toBe(132);
    expect(terminalWidth(undefined, { COLUMNS: '100' })).toBe(100);
    expect(terminalWidth(undefined, {})).toBe(80);
    expect(terminalWidth(undefined, { COLUMNS: 'x' })).toBe(80);
  });
  it('explain and audit text fit 80 columns when output is not a terminal', () => {
    const root = fakeRoot({ kernel: '4.15', sysctl: { 'net.core.somaxconn': '128' } });
    for (const args of [['explain', 'net/tcp-tw-reuse'], ['explain', 'net.ipv4.tcp_tw_reuse'], ['audit', '--profile', 'web-node', '--verbose'], ['sockets']]) {
      const r = knobs(['--root', root, ...args]);
      const long = r.stdout.split('\n').filter((l) => visibleLength(l) > 80 && /\s\S/.test(l.trim()) && !/https?:\/\//.test(l));
      expect(long, args.join(' ')).toEqual([]);
    }
  });
});
