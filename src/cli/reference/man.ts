// knobs(1), in roff (man(7) macros), from the commander program (model.ts) and
// the manual's fixed sections (manual.ts). Written by the build to dist/man/knobs.1.

import { commandUsage, type OptionDoc, type ProgramDoc } from './model.js';
import { DESCRIPTION, ENVIRONMENT, EXIT_STATUS, FILES, SEE_ALSO, type Entry } from './manual.js';

/**
 * Text to roff: backslashes and dashes escaped (`\-` is the minus that copies and
 * searches as `-`), a leading dot or quote neutralised, non-ASCII as `\[uXXXX]`
 * (groff reads ASCII without preconv), and `code` spans in bold.
 */
export function roff(text: string): string {
  const escaped = text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[^\x00-\x7f]/gu, (c) => `\\[u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`)
    .replace(/`([^`]+)`/g, '\\fB$1\\fR');
  return escaped.replace(/^([.'])/gm, '\\&$1');
}

function optionHead(o: OptionDoc): string {
  const long = `\\fB${roff(o.long)}\\fR`;
  const head = o.short ? `\\fB${roff(o.short)}\\fR, ${long}` : long;
  if (o.value === null) return head;
  const value = o.choices ? o.choices.map((c) => `\\fB${roff(c)}\\fR`).join('|') : `\\fI${roff(o.value)}\\fR`;
  return `${head} ${o.valueOptional ? `[${value}]` : value}`;
}

function optionText(o: OptionDoc): string {
  const extra = [o.mandatory ? 'required' : null, o.default !== null ? `default: ${o.default}` : null].filter(Boolean);
  return roff(o.description + (extra.length ? ` (${extra.join('; ')})` : ''));
}

function entries(list: Entry[], bold = true): string[] {
  return list.flatMap((e) => ['.TP', bold ? `.B ${roff(e.name)}` : roff(e.name), roff(e.text)]);
}

/** `date`: YYYY-MM-DD shown in the footer (the build passes the commit's date, so the page is reproducible). */
export function renderMan(doc: ProgramDoc, date: string): string {
  const name = doc.name;
  const out: string[] = [
    `.\\" Generated from the knobs command-line program by the build (src/cli/reference/man.ts): do not edit.`,
    `.TH ${name.toUpperCase()} 1 "${date}" "${name} ${doc.version}" "User Commands"`,
    // ragged right, no hyphenation: the text is commands and options to copy
    '.ad l',
    '.nh',
    '.SH NAME',
    `${name} \\- ${roff(doc.description)}`,
    '.SH SYNOPSIS',
  ];
  for (const c of doc.commands) out.push('.br', roff(commandUsage(name, c)));
  out.push('.SH DESCRIPTION');
  DESCRIPTION.forEach((p, i) => out.push(...(i ? ['.PP'] : []), roff(p)));
  out.push('.SH OPTIONS', roff('Options of `knobs` itself; `--root` and `--help` are also accepted after the command.'));
  for (const o of doc.options) out.push('.TP', optionHead(o), optionText(o));
  out.push('.SH COMMANDS');
  for (const c of doc.commands) {
    out.push('.SS ' + `"${roff(`${name} ${c.name}`)}"`, roff(commandUsage(name, c)), '.PP', roff(c.description));
    for (const a of c.arguments)
      out.push('.TP', `\\fI${roff(a.name)}\\fR${a.choices ? ` (${roff(a.choices.join(', '))})` : ''}`, roff(a.description + (a.required ? '' : ' (optional)')));
    for (const o of c.options) out.push('.TP', optionHead(o), optionText(o));
    if (c.exit) out.push('.PP', `Exit status: ${roff(c.exit)}.`);
    if (c.example) out.push('.PP', 'Example:', '.RS', '.nf', roff(c.example), '.fi', '.RE');
  }
  out.push('.SH "EXIT STATUS"', ...entries(EXIT_STATUS));
  out.push('.SH ENVIRONMENT', ...entries(ENVIRONMENT));
  out.push('.SH FILES', roff('Every path lies under `--root` when it is given.'), ...entries(FILES));
  out.push('.SH EXAMPLES', '.nf');
  for (const c of doc.commands) if (c.example) out.push(roff(c.example));
  out.push('.fi');
  const pages = SEE_ALSO.map((s) => /^(.*)\((\d)\)$/.exec(s)!).map(([, page, section]) => `\\fB${roff(page!)}\\fR(${section})`);
  out.push('.SH "SEE ALSO"', pages.join(',\n'));
  return out.join('\n') + '\n';
}
