// Fuzzing every parser knobs has, and `--facts`, through the functions (most cases)
// and through the CLI (a sample): no stack, no exit code outside 0/1/2, no hang.
// Expected failures are UserError (one line); anything else thrown is a bug.
// ≥ 1,000 cases per run (KNOBS_FUZZ_RUNS scales the function cases; CI uses the default).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { checkJournal } from '../src/apply/journal-schema.js';
import { checkFacts } from '../src/core/facts-schema.js';
import { evaluate } from '../src/core/engine.js';
import { parseLimitsConf } from '../src/core/limits-conf.js';
import { globMatch } from '../src/core/only.js';
import { makePlan } from '../src/core/plan-judge.js';
import { parseProcLimits } from '../src/core/proc-limits.js';
import { parseSysctlConf } from '../src/core/sysctl-conf.js';
import { parseUnitFile } from '../src/core/systemd-unit.js';
import type { HostFacts } from '../src/core/types.js';
import { unitNameProblem } from '../src/core/unit-name.js';
import { UserError } from '../src/errors.js';
import { HostFs } from '../src/host/host-fs.js';
import { parseProfile } from '../src/profiles/parse.js';
import { ProfileSet } from '../src/profiles/load.js';
import { parseTunedProfile, tunedToKnobsProfile } from '../src/profiles/tuned.js';
import { BIN } from './helpers/cli.js';
import { fakeRoot } from './helpers/fake-root.js';
import { tempDir } from './helpers/temp.js';

const RUNS = Number(process.env.KNOBS_FUZZ_RUNS ?? 150);
const CLI_RUNS = Number(process.env.KNOBS_FUZZ_CLI_RUNS ?? 12);

/** Text that looks like config: lines of keys, `=`, values, comments, sections, junk. */
const line = fc.oneof(
  fc.constantFrom('', '#', ';', '[main]', '[sysctl]', '[limits]', '[__proto__]', '[Service]', '[Manager]', 'summary = x', 'include = a', '-net.core.somaxconn'),
  fc.tuple(
    fc.oneof(fc.constantFrom('net.core.somaxconn', 'net/ipv4/tcp_fin_timeout', 'net.ipv4.conf.*.rp_filter', '*', '@adm', 'nofile', '__proto__', 'LimitNOFILE', 'net/../../etc/shadow', '*:soft:nofile'), fc.string({ maxLength: 12 })),
    fc.constantFrom(' = ', '=', ' ', '\t', ' soft nofile ', ' hard nproc ', ' - '),
    fc.oneof(fc.constantFrom('1', '0', '>4096', '<30', '1|2', 'unlimited', 'infinity', '-1', '65536:1048576', '4096 87380 6291456', '99999999999999999999'), fc.string({ maxLength: 12 })),
  ).map(([k, sep, v]) => `${k}${sep}${v}`),
  fc.string({ maxLength: 40 }),
);
const configText = fc.array(line, { maxLength: 25 }).chain((lines) => fc.constantFrom('\n', '\r\n').map((nl) => lines.join(nl)));

/** Only UserError may escape a parser that rejects input. */
function expectUserErrorOrNothing(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof UserError)) throw err;
    expect(err.message).not.toMatch(/\n/);
  }
}

describe('parsers never throw anything but a one-line UserError', () => {
  it('sysctl.d / sysctl.conf', () => fc.assert(fc.property(configText, (t) => void parseSysctlConf(t)), { numRuns: RUNS }));
  it('limits.conf', () => fc.assert(fc.property(configText, (t) => void parseLimitsConf(t, '/etc/security/limits.conf')), { numRuns: RUNS }));
  it('systemd unit files and drop-ins', () => fc.assert(fc.property(configText, (t) => void parseUnitFile(t)), { numRuns: RUNS }));
  it('/proc/<pid>/limits', () => fc.assert(fc.property(configText, (t) => void parseProcLimits(t)), { numRuns: RUNS }));
  it('profiles', () => fc.assert(fc.property(configText, (t) => expectUserErrorOrNothing(() => parseProfile('fuzz', '/etc/knobs/profiles/fuzz.ini', t))), { numRuns: RUNS }));
  it('tuned profiles and their conversion', () =>
    fc.assert(fc.property(configText, (t) => void tunedToKnobsProfile('fuzz', 'tuned.conf', parseTunedProfile(t))), { numRuns: RUNS }));
  it('unit names', () => fc.assert(fc.property(fc.string({ maxLength: 300 }), (n) => void unitNameProblem(n)), { numRuns: RUNS }));
  it('--only globs agree with a plain model and never backtrack exponentially', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '*', '?');
    fc.assert(
      fc.property(fc.string({ unit: alphabet, maxLength: 12 }), fc.string({ unit: fc.constantFrom('a', 'b', '.'), maxLength: 12 }), (g, k) => {
        const model = new RegExp(`^${[...g].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c === '.' ? '\\.' : c)).join('')}$`);
        expect(globMatch(g, k)).toBe(model.test(k));
      }),
      { numRuns: RUNS },
    );
  });
  it('journals: refused with a JSON path, never a crash', () =>
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (doc) => void checkJournal(doc, '20260101T000000Z-abcd', new Set([0]))), { numRuns: RUNS }));
});

// ---- --facts ------------------------------------------------------------------------

let snapshot: HostFacts | null = null;
function goodFacts(): HostFacts {
  if (snapshot) return structuredClone(snapshot);
  const r = spawnSync(process.execPath, [BIN, 'facts', '--json', '--root', fakeRoot({ kernel: '6.1', files: { '/etc/sysctl.d/10-a.conf': 'net.core.somaxconn = 1024\n' } })], { encoding: 'utf8' });
  const { schemaVersion: _v, ...facts } = JSON.parse(r.stdout);
  snapshot = facts as HostFacts;
  return structuredClone(snapshot);
}

/** Paths into the snapshot, to replace one value with anything JSON can hold. */
function pathsOf(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (v && typeof v === 'object' && at.length < 5) {
    const entries = Array.isArray(v) ? v.slice(0, 3).map((x, i) => [i, x] as const) : Object.entries(v).slice(0, 12);
    for (const [k, x] of entries) pathsOf(x, [...at, k], out);
  }
  return out;
}

function setAt(doc: any, at: (string | number)[], value: unknown): any {
  if (at.length === 0) return value;
  let cur = doc;
  for (const k of at.slice(0, -1)) cur = cur[k];
  cur[at.at(-1)!] = value;
  return doc;
}

const mutation = fc.record({
  pick: fc.nat(),
  value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, {}, [], '', 4096, -1, 1e308, '__proto__', 'x'.repeat(100))),
  drop: fc.boolean(),
});

function mutated(m: { pick: number; value: unknown; drop: boolean }): unknown {
  const doc = goodFacts();
  const paths = pathsOf(doc);
  const at = paths[m.pick % paths.length]!;
  if (m.drop && at.length > 0) {
    let cur: any = doc;
    for (const k of at.slice(0, -1)) cur = cur[k];
    if (Array.isArray(cur)) cur.splice(at.at(-1) as number, 1);
    else delete cur[at.at(-1)!];
    return doc;
  }
  return setAt(doc, at, m.value);
}

describe('--facts: schema-checked, then evaluated without a crash', () => {
  const profiles = ProfileSet.load(new HostFs(tempDir('knobs-fuzz-root-')));
  const profile = profiles.resolve(['web-node', 'nat-facing']);
  it('a mutated snapshot is either refused with a JSON path or evaluated and planned cleanly', () => {
    fc.assert(
      fc.property(mutation, (m) => {
        const r = checkFacts(mutated(m));
        if ('problem' in r) {
          expect(r.problem).toMatch(/^\$/);
          return;
        }
        const judge = (f: HostFacts) => evaluate(f, profile, rules, { accept: {} }).findings;
        const findings = judge(r.facts);
        makePlan({ facts: r.facts, profile, findings, ruleIds: rules.map((x) => x.id), only: [], services: [], managed: { sysctl: [], limits: [], dropIns: {} } }, judge);
      }),
      { numRuns: RUNS * 2 },
    );
  });
});

// ---- through the CLI ------------------------------------------------------------------

function cli(args: string[], input = ''): { code: number | null; stderr: string; timedOut: boolean } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', input, timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stderr: r.stderr, timedOut: r.error !== undefined };
}

function expectCleanExit(r: ReturnType<typeof cli>, what: string): void {
  expect(r.timedOut, what).toBe(false);
  expect([0, 1, 2], `${what}\n${r.stderr}`).toContain(r.code);
  expect(r.stderr, what).not.toMatch(/internal error|\n\s+at /);
}

describe('through the CLI (a sample: each case is a process)', () => {
  it('audit and plan with a mutated --facts', () => {
    const dir = tempDir('knobs-fuzz-');
    fc.assert(
      fc.property(mutation, (m) => {
        const file = path.join(dir, 'facts.json');
        fs.writeFileSync(file, JSON.stringify({ schemaVersion: 1, ...(mutated(m) as object) }));
        expectCleanExit(cli(['audit', '--facts', file]), JSON.stringify(m));
        expectCleanExit(cli(['plan', '--profile', 'web-node', '--facts', '-'], fs.readFileSync(file, 'utf8')), JSON.stringify(m));
      }),
      { numRuns: CLI_RUNS },
    );
  }, 300_000);

  it('facts, audit and plan over random sysctl.d, limits.d, profile and knobs.ini files', () => {
    fc.assert(
      fc.property(configText, configText, configText, configText, (sysctl, limits, profile, ini) => {
        const root = fakeRoot({
          kernel: '6.1',
          files: {
            '/etc/sysctl.d/50-fuzz.conf': sysctl,
            '/etc/security/limits.d/50-fuzz.conf': limits,
            '/etc/knobs/profiles/fuzz.ini': `[main]\nsummary = fuzz\n${profile}`,
            '/etc/knobs/knobs.ini': ini,
          },
        });
        const what = JSON.stringify({ sysctl, limits, profile, ini });
        expectCleanExit(cli(['facts', '--json', '--root', root]), what);
        expectCleanExit(cli(['audit', '--root', root, '--profile', 'fuzz']), what);
        expectCleanExit(cli(['plan', '--root', root, '--profile', 'web-node']), what);
      }),
      { numRuns: CLI_RUNS },
    );
  }, 300_000);
});
