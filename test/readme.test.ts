// The README is part of the interface: its rule table must match the registry,
// and its first commands must be the ones CI runs.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { REPO } from './helpers/cli.js';
import { EXAMPLES } from '../src/cli/program.js';

const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');

describe('README', () => {
  it('lists every rule with its severity and summary, and nothing else', () => {
    const table = readme.split('<!-- rules-table')[1]!.split('\n\n')[0]!;
    const rows = [...table.matchAll(/^\| `([^`]+)` \| (\w+) \| (.+) \|$/gm)].map((m) => [m[1], m[2], m[3]]);
    expect(rows).toEqual(rules.map((r) => [r.id, r.severity, r.summary]));
  });

  it('starts with the set-up command and npm test, which .ci/run runs', () => {
    const firstBlock = readme.split('```sh')[1]!.split('```')[0]!;
    expect(firstBlock).toMatch(/npm ci && npx knobs audit/);
    expect(firstBlock).toMatch(/^npm test/m);
    const ci = fs.readFileSync(path.join(REPO, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^npm ci/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  it('documents every command and exit code', () => {
    for (const cmd of Object.keys(EXAMPLES)) expect(readme).toContain(`knobs ${cmd}`);
    for (const code of ['| 0 |', '| 1 |', '| 2 |', '| 3 |']) expect(readme).toContain(code);
  });
});
