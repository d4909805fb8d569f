// --help, the man page, the README's command table and the completion scripts are
// all made from the commander program (src/cli/reference/): here they are checked
// against the program itself, so a command or option added to src/cli/program.ts
// that one of them missed fails, and so does a document edited by hand.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { rules } from '../rules/index.js';
import { knownKeys } from '../src/core/catalog.js';
import type { Io } from '../src/cli/io.js';
import { EXAMPLES, EXIT_CODES, VERSION, createProgram } from '../src/cli/program.js';
import { renderBash, renderZsh } from '../src/cli/reference/completion.js';
import { renderMan } from '../src/cli/reference/man.js';
import { ENVIRONMENT, EXIT_STATUS } from '../src/cli/reference/manual.js';
import { commandUsage, describeProgram, optionUsage } from '../src/cli/reference/model.js';
import { README_SECTIONS, readmeSection } from '../src/cli/reference/readme.js';
import { completionWords } from '../src/cli/reference/words.js';
import { EXIT } from '../src/cli/exit-codes.js';
import { BIN, REPO } from './helpers/cli.js';
import { requires } from './helpers/requires.js';
import { tempDir } from './helpers/temp.js';

const quiet: Io = { out: () => {}, err: () => {}, isTTY: false, stdinTTY: false, color: false, env: {} };
const program = () => createProgram(quiet, () => {});
const doc = describeProgram(program());
const words = completionWords();

/** The man page as `man` shows it, roughly: escapes undone, so options read as typed. */
const unroff = (t: string) =>
  t
    .replace(/\\f[BIRP]/g, '')
    .replace(/\\-/g, '-')
    .replace(/\\&/g, '')
    .replace(/\\e/g, '\\');
/** Text as the man page shows it: `code` spans are bold there, without the backticks. */
const plain = (t: string) => t.replace(/`/g, '');

describe('the commander program as data', () => {
  it('has every command and every option of the program, in order', () => {
    const p = program();
    expect(doc.commands.map((c) => c.name)).toEqual(p.commands.map((c) => c.name()));
    for (const c of p.commands as Command[]) {
      const d = doc.commands.find((x) => x.name === c.name())!;
      expect(d.options.map((o) => o.long)).toEqual([...c.options.map((o) => o.long), '--help']);
      expect(d.arguments.map((a) => a.name)).toEqual(c.registeredArguments.map((a) => a.name()));
    }
    expect(doc.options.map((o) => o.long)).toEqual(['--version', '--root', '--help']);
  });

  it('every command has an example and its exit codes, which --help shows', () => {
    for (const c of program().commands as Command[]) {
      expect(EXAMPLES[c.name()], `EXAMPLES.${c.name()} in src/cli/program.ts`).toBeTruthy();
      expect(EXIT_CODES[c.name()], `EXIT_CODES.${c.name()} in src/cli/program.ts`).toBeTruthy();
      let help = '';
      c.configureOutput({ writeOut: (s) => void (help += s) });
      c.outputHelp();
      expect(help).toContain(`Exit: ${EXIT_CODES[c.name()]}\n`);
      expect(help).toContain(EXAMPLES[c.name()]);
      for (const o of c.options) expect(help).toContain(o.flags);
    }
  });

  it('the version is the package version', () => {
    expect(VERSION).toBe(JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);
    expect(doc.version).toBe(VERSION);
  });
});

describe('man page', () => {
  const built = fs.readFileSync(path.join(REPO, 'dist/man/knobs.1'), 'utf8');
  const text = unroff(built);

  it('the build wrote it from the current program', () => {
    const date = /^\.TH KNOBS 1 "([^"]+)"/m.exec(built)![1]!;
    expect(built).toBe(renderMan(doc, date));
  });

  it('has every command with its usage, description, options, exit codes and example', () => {
    for (const c of doc.commands) {
      expect(text).toContain(`.SS "knobs ${c.name}"`);
      expect(text).toContain(commandUsage('knobs', c));
      expect(text).toContain(plain(c.description));
      for (const o of c.options) {
        expect(text).toContain(o.long);
        expect(text).toContain(plain(o.description));
      }
      expect(text).toContain(`Exit status: ${plain(c.exit!)}.`);
      expect(text).toContain(c.example!);
    }
    for (const o of doc.options) expect(text).toContain(plain(o.description));
  });

  it('has every exit code, environment variable and file section', () => {
    for (const e of EXIT_STATUS) expect(text).toMatch(new RegExp(`^\\.B ${e.name}$`, 'm'));
    expect(EXIT_STATUS.map((e) => Number(e.name))).toEqual([...Object.values(EXIT), 130]);
    for (const e of ENVIRONMENT) expect(text).toContain(e.name);
    for (const s of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'COMMANDS', '"EXIT STATUS"', 'ENVIRONMENT', 'FILES', 'EXAMPLES', '"SEE ALSO"'])
      expect(built).toMatch(new RegExp(`^\\.SH ${s}$`, 'm'));
  });

  it('lists every environment variable the sources read', () => {
    const read = new Set<string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.ts')) for (const m of fs.readFileSync(p, 'utf8').matchAll(/\benv(?:\.|\[['"])([A-Z][A-Z0-9_]+)/g)) read.add(m[1]!);
      }
    };
    walk(path.join(REPO, 'src'));
    expect(read.size).toBeGreaterThan(3);
    const listed = ENVIRONMENT.flatMap((e) => e.name.split(/,\s*/));
    for (const v of read) expect(listed, `${v} is read by src/ but not in ENVIRONMENT (src/cli/reference/manual.ts)`).toContain(v);
  });

  it('roff escapes what would break it: leading dots, backslashes, non-ASCII', async () => {
    const { roff } = await import('../src/cli/reference/man.js');
    expect(roff('.hidden')).toBe('\\&.hidden');
    expect(roff("'quote")).toBe("\\&'quote");
    expect(roff('a\\b')).toBe('a\\eb');
    expect(roff('a → b')).toBe('a \\[u2192] b');
    expect(roff('`knobs plan`')).toBe('\\fBknobs plan\\fR');
  });

  const GROFF = requires('groff');
  it.skipIf(GROFF.skip)(GROFF.title('groff formats it without a warning'), () => {
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-z', path.join(REPO, 'dist/man/knobs.1')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('README', () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  it.each(Object.keys(README_SECTIONS))('its %s table is what `npm run docs` writes', (name) => {
    const render = README_SECTIONS[name as keyof typeof README_SECTIONS];
    expect(readmeSection(readme, name), `run npm run docs to rewrite README.md's ${name} table`).toBe(render(doc));
  });
  it('the command table has every command and option', () => {
    const table = readmeSection(readme, 'commands')!;
    for (const c of doc.commands) {
      expect(table).toContain(`\`knobs ${c.name}`);
      for (const o of c.options.filter((x) => x.long !== '--help')) expect(table).toContain(optionUsage(o).replace(/\|/g, '\\|'));
    }
  });
});

/** Runs the bash completion for `line` (the cursor at its end) and returns the candidates. */
function completeBash(script: string, line: string): string[] {
  const file = path.join(tempDir('knobs-completion-'), 'knobs.bash');
  fs.writeFileSync(file, script);
  // The words as bash splits them for completion: at blanks, and around `=` (COMP_WORDBREAKS).
  const split = line.split(' ').flatMap((w) => (w.includes('=') ? [w.slice(0, w.indexOf('=')), '=', w.slice(w.indexOf('=') + 1)] : [w]));
  const words = split.filter((w, i) => w !== '' || i === split.length - 1);
  const driver = `source ${JSON.stringify(file)}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})
COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
_knobs
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', driver], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  return r.stdout.split('\n').filter(Boolean);
}

describe('completion', () => {
  const bash = renderBash(doc, words);
  const zsh = renderZsh(doc, words);

  it('knobs completion prints the same scripts', () => {
    for (const [shell, script] of [['bash', bash], ['zsh', zsh]] as const) {
      const r = spawnSync(process.execPath, [BIN, 'completion', shell], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(script);
    }
    const bad = spawnSync(process.execPath, [BIN, 'completion', 'fish'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/'fish' is invalid for argument 'shell'\. Allowed choices are bash, zsh/);
  });

  it('both scripts name every command, option, shipped profile, rule id and catalogue key', () => {
    for (const script of [bash, zsh]) {
      for (const c of doc.commands) {
        expect(script).toContain(c.name);
        for (const o of c.options) expect(script).toContain(o.long);
      }
      for (const w of [...words.profiles, ...rules.map((r) => r.id), ...knownKeys()]) expect(script).toContain(w);
    }
    expect(words.profiles).toEqual(['db-client', 'load-balancer', 'nat-facing', 'web-node']);
  });

  it('bash -n accepts the bash script', () => {
    const r = spawnSync('bash', ['-n'], { input: bash, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  describe('bash completes', () => {
    const root = tempDir('knobs-completion-root-');
    fs.mkdirSync(path.join(root, 'etc/knobs/profiles'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/knobs/profiles/edge.ini'), '');
    for (const id of ['20260101T000000Z-ab12', '20260102T000000Z-cd34']) {
      fs.mkdirSync(path.join(root, 'var/lib/knobs/journal', id), { recursive: true });
      fs.writeFileSync(path.join(root, 'var/lib/knobs/journal', id, 'journal.json'), '{}');
    }
    fs.mkdirSync(path.join(root, 'var/lib/knobs/journal/20260103T000000Z-debris'), { recursive: true }); // no journal.json: not a transaction
    fs.mkdirSync(path.join(root, 'etc/systemd/system'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/systemd/system/nginx.service'), '');

    it.each([
      ['commands', 'knobs ', doc.commands.map((c) => c.name)],
      ['a command by prefix', 'knobs ro', ['rollback']],
      ['global options', 'knobs --', ['--version', '--root', '--help']],
      ['a command\'s options and --root', 'knobs rollback --', ['--yes', '--force', '--json', '--help', '--root']],
      ['choices', 'knobs audit --fail-on ', ['critical', 'warning', 'info']],
      ['choices after =', 'knobs audit --fail-on=w', ['warning']],
      ['shipped and user profiles under --root', `knobs --root ${root} plan --profile `, [...words.profiles, 'edge']],
      ['the next profile of a list', `knobs --root=${root} apply --profile web-node,e`, ['web-node,edge']],
      ['transactions under --root, complete ones only', `knobs --root ${root} rollback `, ['20260101T000000Z-ab12', '20260102T000000Z-cd34']],
      ['keys and rule ids for explain', 'knobs explain net.ipv4.tcp_tw_re', knownKeys().filter((k) => k.startsWith('net.ipv4.tcp_tw_re'))],
      ['rule ids for explain', 'knobs explain net/tcp-tw-rec', ['net/tcp-tw-recycle', 'net/tcp-tw-recycle-config']],
      ['keys and limit items for --only', 'knobs plan --profile web-node --only limits.nof', ['limits.nofile']],
      ['services under --root', `knobs --root ${root} apply --service ng`, ['nginx']],
      ['shells', 'knobs completion ', ['bash', 'zsh']],
      ['nothing for a number', 'knobs sockets --top ', []],
    ])('%s', (_what, line, expected) => {
      expect(completeBash(bash, line).sort()).toEqual([...expected].sort());
    });
  });

  const ZSH = requires('zsh');
  describe.skipIf(ZSH.skip)(ZSH.title('zsh'), () => {
    it('zsh -n accepts the script, and compinit registers it for knobs', () => {
      const n = spawnSync('zsh', ['-n'], { input: zsh, encoding: 'utf8' });
      expect(n.stderr).toBe('');
      expect(n.status).toBe(0);
      const dir = tempDir('knobs-zsh-');
      fs.writeFileSync(path.join(dir, '_knobs'), zsh);
      const r = spawnSync(
        'zsh',
        ['-f', '-c', `fpath=(${dir} $fpath); autoload -U compinit; compinit -u -d ${dir}/zcompdump; print -r -- $_comps[knobs] $+functions[_knobs]`],
        { encoding: 'utf8' },
      );
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('_knobs 1\n');
    });

    /** What zsh offers for `line` in a real interactive shell (test/helpers/zsh-complete.zsh). */
    const zshDir = tempDir('knobs-zsh-'); // one for all: compinit's dump is written once
    fs.writeFileSync(path.join(zshDir, '_knobs'), zsh);
    function completeZsh(line: string): string[] {
      const dir = zshDir;
      const r = spawnSync('zsh', ['-f', path.join(REPO, 'test/helpers/zsh-complete.zsh'), dir, line], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout.split('\n').filter(Boolean).sort();
    }

    const root = tempDir('knobs-completion-root-');
    fs.mkdirSync(path.join(root, 'etc/knobs/profiles'), { recursive: true });
    fs.writeFileSync(path.join(root, 'etc/knobs/profiles/edge.ini'), '');
    fs.mkdirSync(path.join(root, 'var/lib/knobs/journal/20260101T000000Z-ab12'), { recursive: true });
    fs.writeFileSync(path.join(root, 'var/lib/knobs/journal/20260101T000000Z-ab12/journal.json'), '{}');

    it.each([
      ['a command by prefix', 'knobs ro', ['rollback']],
      ['global options', 'knobs --', ['--help', '--root', '--version']],
      ["a command's options and --root", 'knobs rollback --', ['--force', '--help', '--json', '--root', '--yes']],
      ['choices', 'knobs audit --fail-on ', ['critical', 'info', 'warning']],
      ['shipped and user profiles under --root', `knobs --root ${root} plan --profile `, [...words.profiles, 'edge'].sort()],
      ['the next profile of a list', `knobs --root=${root} plan --profile web-node,`, [...words.profiles.filter((p) => p !== 'web-node'), 'edge'].sort()],
      ['transactions under --root', `knobs --root ${root} rollback `, ['20260101T000000Z-ab12']],
      ['keys and rule ids for explain', 'knobs explain net/tcp-tw-rec', ['net/tcp-tw-recycle', 'net/tcp-tw-recycle-config']],
      ['limit items for --only', 'knobs plan --only limits.nof', ['limits.nofile']],
      ['shells', 'knobs completion ', ['bash', 'zsh']],
    ])('completes %s', (_what, line, expected) => {
      expect(completeZsh(line)).toEqual(expected);
    });
  });
});
