// `knobs explain <rule-id>` prints exactly the rule's metadata, for every rule.
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';
import { rules } from '../../rules/index.js';
import { fakeRoot } from '../helpers/fake-root.js';

async function explain(id: string, json = false): Promise<{ code: number; out: string }> {
  let out = '';
  const io: Io = { out: (t) => void (out += t), err: () => {}, isTTY: false, stdinTTY: false, color: false, env: {} };
  const code = await main(['node', 'knobs', 'explain', id, '--root', root, ...(json ? ['--json'] : [])], io);
  return { code, out };
}
const root = fakeRoot({ kernel: '6.12' });
const flat = (s: string) => s.replace(/\s+/g, ' ').trim();

describe('explain renders every rule', () => {
  for (const rule of rules) {
    it(rule.id, async () => {
      const text = await explain(rule.id);
      expect(text.code).toBe(0);
      const out = flat(text.out);
      for (const part of [rule.summary, rule.explanation, rule.tradeoffs, ...(rule.myth ? [rule.myth] : []), ...rule.history, ...rule.references]) {
        expect(out).toContain(flat(part));
      }
      const doc = JSON.parse((await explain(rule.id, true)).out);
      expect(doc.rule).toMatchObject({
        id: rule.id,
        severity: rule.severity,
        summary: rule.summary,
        explanation: rule.explanation,
        tradeoffs: rule.tradeoffs,
        history: [...rule.history],
        references: [...rule.references],
        myth: rule.myth ?? null,
      });
    });
  }
});
