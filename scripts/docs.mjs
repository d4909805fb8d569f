// Writes the documents made from the commander program (src/cli/reference/):
//   node scripts/docs.mjs            dist/man/knobs.1 (run by `npm run build`)
//   node scripts/docs.mjs --readme   also the README's generated tables (`npm run docs`)
// The man page's date is the last commit's (or SOURCE_DATE_EPOCH's), so a rebuild
// of the same commit writes the same bytes.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createProgram } from '../dist/src/cli/program.js';
import { renderMan } from '../dist/src/cli/reference/man.js';
import { describeProgram } from '../dist/src/cli/reference/model.js';
import { replaceReadmeSections } from '../dist/src/cli/reference/readme.js';

const quiet = { out() {}, err() {}, isTTY: false, stdinTTY: false, color: false, env: {} };
const doc = describeProgram(createProgram(quiet, () => {}));

function buildDate() {
  if (process.env.SOURCE_DATE_EPOCH) return new Date(Number(process.env.SOURCE_DATE_EPOCH) * 1000).toISOString().slice(0, 10);
  const git = spawnSync('git', ['log', '-1', '--format=%cs'], { encoding: 'utf8' });
  return git.status === 0 && /^\d{4}-\d\d-\d\d$/.test(git.stdout.trim()) ? git.stdout.trim() : new Date().toISOString().slice(0, 10);
}

fs.mkdirSync('dist/man', { recursive: true });
fs.writeFileSync('dist/man/knobs.1', renderMan(doc, buildDate()));

if (process.argv.includes('--readme')) {
  const before = fs.readFileSync('README.md', 'utf8');
  const after = replaceReadmeSections(before, doc);
  if (after !== before) fs.writeFileSync('README.md', after);
  process.stdout.write(after === before ? 'README.md: up to date\n' : 'README.md: tables rewritten\n');
}
