// RuleTester in the spirit of ESLint's: a rule's behaviour as a table of valid,
// invalid and not-applicable hosts. It is strict about the tests themselves:
// every invalid case must produce findings, every messageId must be exercised,
// names must be unique, inputs are frozen, and no {placeholder} may survive.

import { describe, expect, it } from 'vitest';
import type { Rule } from '../../src/core/define-rule.js';
import { evaluate, notApplicableReason } from '../../src/core/engine.js';
import { EMPTY_PROFILE } from '../../src/core/combine.js';
import type { Change, Finding, HostFacts, ResolvedProfile, Severity } from '../../src/core/types.js';
import { HostFs } from '../../src/host/host-fs.js';
import { ProfileSet } from '../../src/profiles/load.js';

export interface ExpectedFinding {
  messageId: string;
  severity?: Severity;
  key?: string | null;
  current?: string | null;
  recommended?: string | null;
  change?: Change | null;
  /** Substrings the rendered message must contain. */
  includes?: string[];
  /** Text the message must not hold. */
  excludes?: string[];
}

interface Case {
  name: string;
  host: HostFacts;
  /** Shipped profiles to combine, e.g. ['web-node', 'nat-facing']. */
  profiles?: string[];
}

export interface RuleCases {
  valid: Case[];
  invalid: (Case & { findings: ExpectedFinding[] })[];
  notApplicable: Case[];
}

const shipped = ProfileSet.load(new HostFs('/nonexistent-root-for-tests'));

export function profileFor(names: string[] | undefined): ResolvedProfile {
  return names?.length ? shipped.resolve(names) : EMPTY_PROFILE;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function run(rule: Rule, c: Case): { findings: Finding[]; na: string | null } {
  const host = deepFreeze(structuredClone(c.host));
  const profile = deepFreeze(profileFor(c.profiles));
  const na = notApplicableReason(rule, host);
  return { findings: evaluate(host, profile, [rule]).findings, na };
}

export const ruleTester = {
  run(rule: Rule, cases: RuleCases): void {
    describe(rule.id, () => {
      const names = [...cases.valid, ...cases.invalid, ...cases.notApplicable].map((c) => c.name);
      it('has uniquely named cases and exercises every message', () => {
        expect(new Set(names).size).toBe(names.length);
        expect(cases.invalid.length).toBeGreaterThan(0);
        expect(cases.notApplicable.length + cases.valid.length).toBeGreaterThan(0);
        const used = new Set(cases.invalid.flatMap((c) => c.findings.map((f) => f.messageId)));
        expect([...used].sort()).toEqual(Object.keys(rule.messages).sort());
      });
      for (const c of cases.valid) {
        it(`valid: ${c.name}`, () => {
          const { findings, na } = run(rule, c);
          expect(na, 'a valid case must be applicable').toBeNull();
          expect(findings).toEqual([]);
        });
      }
      for (const c of cases.invalid) {
        it(`invalid: ${c.name}`, () => {
          expect(c.findings.length, 'an invalid case must expect findings').toBeGreaterThan(0);
          const { findings, na } = run(rule, c);
          expect(na).toBeNull();
          expect(findings.map((f) => f.messageId)).toEqual(c.findings.map((f) => f.messageId));
          findings.forEach((f, i) => {
            const want = c.findings[i]!;
            expect(f.message).not.toMatch(/\{\w+\}/);
            if (want.severity) expect(f.severity).toBe(want.severity);
            if (want.key !== undefined) expect(f.key).toBe(want.key);
            if (want.current !== undefined) expect(f.current).toBe(want.current);
            if (want.recommended !== undefined) expect(f.recommended).toBe(want.recommended);
            if (want.change !== undefined) expect(f.change ?? null).toEqual(want.change);
            for (const s of want.includes ?? []) expect(f.message).toContain(s);
            for (const s of want.excludes ?? []) expect(f.message).not.toContain(s);
          });
        });
      }
      for (const c of cases.notApplicable) {
        it(`not applicable: ${c.name}`, () => {
          const { findings, na } = run(rule, c);
          expect(na, 'expected the rule not to apply').not.toBeNull();
          expect(findings).toEqual([]);
        });
      }
    });
  },
};
