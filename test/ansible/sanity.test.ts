// The collection against Ansible's own checks, as far as they run here. ansible-test
// sanity runs every test that needs nothing from PyPI; the ones it would run in a
// virtualenv fed from PyPI (validate-modules, yamllint, pep8) run as the same
// scripts with Debian's packages instead (python3-voluptuous, yamllint,
// python3-pycodestyle). Then ansible-doc shows each module's DOCUMENTATION,
// EXAMPLES and RETURN and the role's argument specs, and Debian's ansible-lint
// passes the collection at its production profile.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';
import { requires } from '../helpers/requires.js';
import { tempDir } from '../helpers/temp.js';

const R = requires('ansible');
const SLOW = 300_000;
/** Debian's Python, which has Ansible and the packages below (not whatever `python3` is first on PATH). */
const PYTHON = '/usr/bin/python3';
/** ansible-test sanity tests that install their requirements from PyPI into a virtualenv. */
const NEEDS_PYPI = ['ansible-doc', 'import', 'pep8', 'pylint', 'runtime-metadata', 'validate-modules', 'yamllint'];

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: SLOW, maxBuffer: 64 * 1024 * 1024, ...opts });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
}

describe.skipIf(R.skip)(R.title('the collection passes Ansible\'s checks'), () => {
  let dir: string;
  let collection: string;
  let env: NodeJS.ProcessEnv;
  let sanityRoot: string;

  beforeAll(() => {
    dir = tempDir('knobs-ansible-sanity-');
    collection = path.join(dir, 'ansible_collections/knobs/tuning');
    fs.cpSync(path.join(REPO, 'ansible'), collection, { recursive: true });
    fs.mkdirSync(path.join(dir, 'home'));
    env = {
      PATH: `/usr/bin:/bin:${process.env.PATH}`,
      HOME: path.join(dir, 'home'),
      LANG: 'C.UTF-8',
      ANSIBLE_COLLECTIONS_PATH: dir,
      ANSIBLE_CONFIG: path.join(dir, 'none.cfg'),
      ANSIBLE_LOCAL_TEMP: path.join(dir, 'tmp'),
    };
    const at = run(PYTHON, ['-c', 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))']);
    sanityRoot = path.join(at.stdout.trim(), '_util/controller/sanity');
  });

  it('ansible-test sanity: every test that needs nothing from PyPI passes', () => {
    const list = run('ansible-test', ['sanity', '--list-tests'], { cwd: collection, env }).stdout.split('\n').filter((t) => /^[a-z0-9-]+$/.test(t));
    const tests = list.filter((t) => !NEEDS_PYPI.includes(t));
    expect(tests.length).toBeGreaterThan(20);
    const r = run('ansible-test', ['sanity', '--local', '--python', '3.11', '--color', 'no', ...tests.flatMap((t) => ['--test', t])], { cwd: collection, env });
    expect(r.code, r.out).toBe(0);
    expect(r.out).not.toMatch(/^ERROR/m);
  }, SLOW);

  it('validate-modules: DOCUMENTATION agrees with the argument spec; only the ignores on file remain', () => {
    const r = run(
      PYTHON,
      [path.join(sanityRoot, 'validate-modules/validate.py'), '--format', 'json', '--arg-spec', '--collection', 'ansible_collections/knobs/tuning', '--collection-version', '0.1.0', 'plugins/modules/knobs.py', 'plugins/modules/knobs_facts.py'],
      { cwd: collection, env },
    );
    expect([0, 3], r.out).toContain(r.code);
    const report = JSON.parse(r.stdout) as Record<string, { errors: { code: string; msg: string }[] }>;
    const ignored = new Set(
      fs.readFileSync(path.join(collection, 'tests/sanity/ignore-2.14.txt'), 'utf8').split('\n').filter(Boolean).map((l) => l.split(' # ')[0]!.trim()),
    );
    for (const [file, { errors }] of Object.entries(report)) {
      for (const e of errors) expect(ignored.has(`${file} validate-modules:${e.code}`), `${file}: ${e.code}: ${e.msg}`).toBe(true);
    }
    expect(Object.keys(report).sort()).toEqual(['plugins/modules/knobs.py', 'plugins/modules/knobs_facts.py']);
  }, SLOW);

  it('yamllint (ansible-test\'s wrapper, which also reads the YAML inside the modules) and pycodestyle find nothing', () => {
    const yaml = [
      'galaxy.yml',
      'meta/runtime.yml',
      ...fs.readdirSync(path.join(collection, 'roles/knobs'), { recursive: true }).map(String).filter((f) => f.endsWith('.yml')).map((f) => `roles/knobs/${f}`),
      'plugins/modules/knobs.py',
      'plugins/modules/knobs_facts.py',
    ];
    const y = run(PYTHON, [path.join(sanityRoot, 'yamllint/yamllinter.py')], { cwd: collection, env, input: yaml.join('\n') });
    expect(y.code, y.out).toBe(0);
    expect(JSON.parse(y.stdout || '{"messages":[]}').messages, y.out).toEqual([]);
    const ignore = fs.readFileSync(path.join(sanityRoot, 'pep8/current-ignore.txt'), 'utf8').split('\n').filter(Boolean);
    const p = run(PYTHON, ['-m', 'pycodestyle', '--max-line-length', '160', '--config', '/dev/null', '--ignore', ignore.join(','), 'plugins'], { cwd: collection, env });
    expect(p.code, p.out).toBe(0);
  }, SLOW);

  it('ansible-doc shows both modules (options, examples, return values) and the role\'s argument specs', () => {
    for (const name of ['knobs.tuning.knobs', 'knobs.tuning.knobs_facts']) {
      const r = run('ansible-doc', ['--json', name], { env });
      expect(r.code, r.out).toBe(0);
      const d = JSON.parse(r.stdout)[name];
      expect(d.doc.short_description.length).toBeGreaterThan(10);
      expect(d.examples).toMatch(new RegExp(`${name.replace(/\./g, '\\.')}:`));
      expect(Object.keys(d.return).length).toBeGreaterThan(0);
      expect(d.doc.options.root.type).toBe('path');
    }
    const knobsDoc = JSON.parse(run('ansible-doc', ['--json', 'knobs.tuning.knobs'], { env }).stdout)['knobs.tuning.knobs'];
    expect(knobsDoc.doc.options.state.choices).toEqual(['audited', 'applied', 'absent', 'rolled_back']);
    expect(Object.keys(knobsDoc.return)).toEqual(expect.arrayContaining(['transaction', 'rolled_back', 'findings', 'diff']));
    const text = run('ansible-doc', ['knobs.tuning.knobs'], { env });
    expect(text.out).toMatch(/EXAMPLES:/);
    expect(text.out).toMatch(/RETURN VALUES:/);
    const role = run('ansible-doc', ['-t', 'role', '--json', 'knobs.tuning.knobs'], { env });
    expect(role.code, role.out).toBe(0);
    const spec = JSON.parse(role.stdout)['knobs.tuning.knobs'].entry_points.main;
    const defaults = fs.readFileSync(path.join(collection, 'roles/knobs/defaults/main.yml'), 'utf8');
    // Every default the role has is a documented argument, and the other way round.
    const vars = [...defaults.matchAll(/^(knobs_\w+):/gm)].map((m) => m[1]!).sort();
    expect(Object.keys(spec.options).sort()).toEqual(vars);
  }, SLOW);

  it('ansible-lint (Debian\'s) passes the collection at the production profile', () => {
    const r = run('ansible-lint', ['--offline', '--nocolor'], { cwd: collection, env });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/Passed with production profile: 0 failure\(s\), 0 warning\(s\)/);
  }, SLOW);

  it('the dist step builds the tarball; the collection and the knobs its role pins have package.json\'s version', () => {
    const version = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version as string;
    const out = path.join(dir, 'release');
    const r = run(process.execPath, [path.join(REPO, 'scripts/dist-ansible.mjs'), '--output', out]);
    expect(r.code, r.out).toBe(0);
    expect(fs.existsSync(path.join(out, `knobs-tuning-${version}.tar.gz`))).toBe(true);
    const list = run('tar', ['tzf', path.join(out, `knobs-tuning-${version}.tar.gz`)]).stdout.split('\n');
    expect(list).toEqual(expect.arrayContaining(['MANIFEST.json', 'plugins/modules/knobs.py', 'plugins/modules/knobs_facts.py', 'roles/knobs/meta/argument_specs.yml']));
    const manifest = JSON.parse(run('tar', ['xzOf', path.join(out, `knobs-tuning-${version}.tar.gz`), 'MANIFEST.json']).stdout);
    expect(manifest.collection_info).toMatchObject({ namespace: 'knobs', name: 'tuning', version });
  }, SLOW);
});
