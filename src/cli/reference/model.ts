// The commander program (src/cli/program.ts) as data: every command, option and
// argument with its text. `--help`, the man page (man.ts), the README's command
// table (readme.ts) and the shell completion scripts (completion.ts) are all made
// from it, so they cannot disagree, and a command or option added to program.ts
// appears in all of them without a second list to update.

import type { Argument, Command, Option } from 'commander';
import { EXAMPLES, EXIT_CODES } from '../program.js';

export interface OptionDoc {
  /** As declared: `--fail-on <severity>`. */
  flags: string;
  short: string | null;
  /** `--fail-on` */
  long: string;
  /** `severity` for `<severity>` or `[severity]`; null for a switch. */
  value: string | null;
  /** The value may be left out (`--watch [seconds]`). */
  valueOptional: boolean;
  description: string;
  /** A requiredOption. */
  mandatory: boolean;
  choices: string[] | null;
  default: string | null;
}

export interface ArgumentDoc {
  name: string;
  required: boolean;
  variadic: boolean;
  description: string;
  choices: string[] | null;
}

export interface CommandDoc {
  name: string;
  description: string;
  options: OptionDoc[];
  arguments: ArgumentDoc[];
  example: string | null;
  /** What each exit code means for this command (EXIT_CODES in program.ts). */
  exit: string | null;
}

export interface ProgramDoc {
  name: string;
  version: string;
  description: string;
  /** Options of `knobs` itself (--root, --version, --help). */
  options: OptionDoc[];
  commands: CommandDoc[];
}

/** Every command gets -h/--help from commander; it is not in `options`. */
const HELP: OptionDoc = {
  flags: '-h, --help',
  short: '-h',
  long: '--help',
  value: null,
  valueOptional: false,
  description: 'display help for the command',
  mandatory: false,
  choices: null,
  default: null,
};

function optionDoc(o: Option): OptionDoc {
  const value = /[<[]([^>\]]+)[>\]]/.exec(o.flags);
  const dflt = o.defaultValue;
  return {
    flags: o.flags,
    short: o.short ?? null,
    long: o.long ?? o.flags,
    value: value ? value[1]! : null,
    valueOptional: o.optional,
    description: o.description,
    mandatory: o.mandatory,
    choices: o.argChoices ? [...o.argChoices] : null,
    default: dflt === undefined || typeof dflt === 'boolean' ? null : String(dflt),
  };
}

function argumentDoc(a: Argument): ArgumentDoc {
  return {
    name: a.name(),
    required: a.required,
    variadic: a.variadic,
    description: a.description,
    choices: a.argChoices ? [...a.argChoices] : null,
  };
}

export function describeProgram(program: Command): ProgramDoc {
  return {
    name: program.name(),
    version: program.version() ?? '',
    description: program.description(),
    options: [...program.options.filter((o) => !o.hidden).map(optionDoc), HELP],
    commands: program.commands.map((c) => ({
      name: c.name(),
      description: c.description(),
      options: [...c.options.filter((o) => !o.hidden).map(optionDoc), HELP],
      arguments: c.registeredArguments.map(argumentDoc),
      example: EXAMPLES[c.name()] ?? null,
      exit: EXIT_CODES[c.name()] ?? null,
    })),
  };
}

/** `--fail-on critical|warning|info`, `--profile <names>`, `--watch [seconds]`. */
export function optionUsage(o: OptionDoc): string {
  if (o.value === null) return o.long;
  const v = o.choices ? o.choices.join('|') : o.valueOptional ? `[${o.value}]` : `<${o.value}>`;
  return `${o.long} ${v}`;
}

export function argumentUsage(a: ArgumentDoc): string {
  const v = a.choices ? a.choices.join('|') : a.name;
  const name = a.variadic ? `${v}...` : v;
  return a.required ? `<${name}>` : `[${name}]`;
}

/** `knobs plan --profile <names> [--only <globs>] … [--json]`: mandatory options bare, the rest in brackets; --help left out. */
export function commandUsage(program: string, c: CommandDoc): string {
  const opts = c.options.filter((o) => o.long !== '--help').map((o) => (o.mandatory ? optionUsage(o) : `[${optionUsage(o)}]`));
  return [program, c.name, ...c.arguments.map(argumentUsage), ...opts].join(' ');
}
