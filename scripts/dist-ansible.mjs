// `npm run dist`'s Ansible step: builds the collection in ansible/ into
// dist/release/knobs-tuning-<version>.tar.gz with ansible-galaxy. The collection's
// version and the knobs version its role pins are package.json's (checked here,
// so a release never ships a role that installs another knobs).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const version = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version;
const galaxy = fs.readFileSync(path.join(root, 'ansible/galaxy.yml'), 'utf8');
const defaults = fs.readFileSync(path.join(root, 'ansible/roles/knobs/defaults/main.yml'), 'utf8');
const fail = (msg) => {
  process.stderr.write(`dist-ansible: ${msg}\n`);
  process.exit(1);
};
if (!new RegExp(`^version: ${version.replace(/\./g, '\\.')}$`, 'm').test(galaxy)) fail(`ansible/galaxy.yml: version is not ${version} (package.json)`);
if (!new RegExp(`^knobs_version: "${version.replace(/\./g, '\\.')}"$`, 'm').test(defaults)) fail(`ansible/roles/knobs/defaults/main.yml: knobs_version is not ${version}`);

// --output DIR: somewhere else (the tests build into a temporary directory).
const at = process.argv.indexOf('--output');
const out = at > 0 && process.argv[at + 1] ? path.resolve(process.argv[at + 1]) : path.join(root, 'dist/release');
fs.mkdirSync(out, { recursive: true });
const r = spawnSync('ansible-galaxy', ['collection', 'build', path.join(root, 'ansible'), '--output-path', out, '--force'], { encoding: 'utf8' });
if (r.error) fail(`ansible-galaxy: ${r.error.code === 'ENOENT' ? 'not found (Debian: apt-get install ansible-core; see scripts/install-test-deps.sh)' : r.error.message}`);
if (r.status !== 0) fail(`ansible-galaxy collection build failed:\n${r.stdout}${r.stderr}`);
const tarball = path.join(out, `knobs-tuning-${version}.tar.gz`);
if (!fs.existsSync(tarball)) fail(`${tarball} was not written`);
process.stdout.write(`dist-ansible: ${tarball}\n`);
