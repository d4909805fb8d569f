// The rule registry, the files on disk, the tests and the shipped profiles agree with each other.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { keyInfo } from '../src/core/catalog.js';
import { SEVERITIES } from '../src/core/types.js';
import { HostFs } from '../src/host/host-fs.js';
import { ProfileSet } from '../src/profiles/load.js';

const ROOT = path.resolve(import.meta.dirname, '..');

function walk(dir: string, suffix: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(full, suffix));
    else if (e.name.endsWith(suffix)) out.push(full);
  }
  return out;
}

const ruleFiles = walk(path.join(ROOT, 'rules'), '.ts')
  .map((f) => path.relative(path.join(ROOT, 'rules'), f).replace(/\\/g, '/').replace(/\.ts$/, ''))
  .filter((id) => id !== 'index')
  .sort();
const testFiles = walk(path.join(ROOT, 'test/rules'), '.test.ts')
  .map((f) => path.relative(path.join(ROOT, 'test/rules'), f).replace(/\\/g, '/').replace(/\.test\.ts$/, ''))
  .sort();
const ids = rules.map((r) => r.id);

describe('rule registry', () => {
  it('rules/index.ts lists exactly the files under rules/', () => {
    expect([...ids].sort()).toEqual(ruleFiles);
  });
  it('is sorted by id without duplicates', () => {
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids).size).toBe(ids.length);
  });
  it('every rule has a test file mirroring its path, and every test file a rule', () => {
    expect(testFiles).toEqual(ruleFiles);
  });
  it('rules import only core: no node:, process or console', () => {
    for (const id of ruleFiles) {
      const text = fs.readFileSync(path.join(ROOT, 'rules', `${id}.ts`), 'utf8');
      expect(text, id).not.toMatch(/from 'node:|\bprocess\.|\bconsole\./);
      const imports = [...text.matchAll(/^import [^;]* from '([^']+)';$/gm)].map((m) => m[1]!);
      expect(imports.length, id).toBeGreaterThan(0);
      for (const m of imports) expect(m.startsWith('../../src/core/'), `${id} imports ${m}`).toBe(true);
    }
  });
});

describe.each(rules.map((r) => [r.id, r] as const))('rule %s', (id, rule) => {
  it('has the id of its path', () => {
    expect(fs.existsSync(path.join(ROOT, 'rules', `${id}.ts`))).toBe(true);
  });
  it('documents itself: summary, explanation, tradeoffs, references', () => {
    expect(rule.summary.trim().length).toBeGreaterThan(10);
    expect(rule.explanation.trim().length).toBeGreaterThan(40);
    expect(rule.tradeoffs.trim().length).toBeGreaterThan(10);
    expect(rule.references.length).toBeGreaterThan(0);
    for (const r of rule.references) expect(r.trim()).not.toBe('');
    expect(Array.isArray(rule.history)).toBe(true);
    if (rule.myth !== undefined) expect(rule.myth.trim()).not.toBe('');
  });
  it('has camelCase messageIds with non-empty templates', () => {
    const messages = Object.entries(rule.messages);
    expect(messages.length).toBeGreaterThan(0);
    for (const [mid, text] of messages) {
      expect(mid).toMatch(/^[a-z][a-zA-Z0-9]*$/);
      expect(text.trim()).not.toBe('');
    }
  });
  it('has a valid severity', () => {
    expect(SEVERITIES).toContain(rule.severity);
  });
  it('names only keys the catalogue knows (so `knobs explain <key>` finds it)', () => {
    for (const k of [...rule.keys, ...(rule.requires ?? []), ...(rule.requiresAbsent ?? [])]) expect(keyInfo(k), k).toBeDefined();
  });
});

describe('shipped profiles', () => {
  const set = ProfileSet.load(new HostFs('/nonexistent-root-for-tests'));
  const shipped = [...set.sources.values()].filter((s) => s.origin === 'shipped').map((s) => s.name);
  it('are the four roles at least', () => {
    expect(shipped).toEqual(expect.arrayContaining(['db-client', 'load-balancer', 'nat-facing', 'web-node']));
  });
  describe.each(shipped)('%s', (name) => {
    const profile = set.get(name);
    it('has a summary', () => {
      expect(profile.summary.trim()).not.toBe('');
    });
    it('names only catalogue keys, each with a rationale comment', () => {
      expect(profile.sysctl.length).toBeGreaterThan(0);
      for (const t of profile.sysctl) {
        expect(keyInfo(t.key), t.key).toBeDefined();
        expect(t.rationale.trim(), `${name} ${t.key} needs a rationale comment`).not.toBe('');
      }
    });
    it('gives every limits line a rationale comment', () => {
      for (const l of profile.limits) {
        expect(l.rationale.trim(), `${name} ${l.domain}:${l.type}:${l.item}`).not.toBe('');
      }
    });
  });
});

describe('the repository tests itself', () => {
  const sources = [...walk(path.join(ROOT, 'test'), '.ts'), ...walk(path.join(ROOT, 'bench'), '.ts'), ...walk(path.join(ROOT, 'scripts'), '.mjs')];
  it('no test, benchmark or script names a path outside the repository (fixtures live in test/fixtures)', () => {
    const outside = /\.\.\/shared|\/work\//;
    const hits = sources.filter((f) => f !== import.meta.filename && outside.test(fs.readFileSync(f, 'utf8')));
    expect(hits.map((f) => path.relative(ROOT, f))).toEqual([]);
  });
  it('every corpus file listed in SOURCES.md is in test/fixtures/corpus, and every file there is listed', () => {
    const dir = path.join(ROOT, 'test/fixtures/corpus');
    const listed = [...fs.readFileSync(path.join(dir, 'SOURCES.md'), 'utf8').matchAll(/^\| `([a-z]+\/[^`]+)` \|/gm)].map((m) => m[1]);
    const present = walk(dir, '').map((f) => path.relative(dir, f)).filter((f) => f !== 'SOURCES.md');
    expect([...listed].sort()).toEqual(present.sort());
  });
  it('temporary directories go through helpers/temp.ts, which the run removes', () => {
    const direct = sources.filter((f) => f.includes('/test/') && !f.endsWith('helpers/temp.ts') && !f.endsWith('global-setup.ts') && /mkdtempSync\(path\.join\(os\.tmpdir\(\)/.test(fs.readFileSync(f, 'utf8')));
    expect(direct.map((f) => path.relative(ROOT, f))).toEqual([]);
  });
});
