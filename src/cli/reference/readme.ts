// The README's generated tables: commands (from the commander program) and exit
// codes (manual.ts). `npm run docs` writes them between their markers;
// test/reference.test.ts checks the README holds exactly what this renders.

import { commandUsage, type ProgramDoc } from './model.js';
import { EXIT_STATUS } from './manual.js';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function commandTable(doc: ProgramDoc): string {
  const rows = doc.commands.map((c) => `| \`${cell(commandUsage(doc.name, c))}\` | ${cell(c.description)} | ${cell(c.exit ?? '')} |`);
  return ['| command | does | exit |', '|---|---|---|', ...rows].join('\n');
}

export function exitTable(): string {
  return ['| code | meaning |', '|---|---|', ...EXIT_STATUS.map((e) => `| ${e.name} | ${cell(e.text)} |`)].join('\n');
}

/** The README's generated sections: `<!-- generated:NAME ... -->` up to `<!-- /generated:NAME -->`. */
export const README_SECTIONS = { commands: commandTable, 'exit-codes': () => exitTable() } as const;

export function readmeSection(readme: string, name: string): string | null {
  const m = new RegExp(`<!-- generated:${name}[^>]*-->\\n([\\s\\S]*?)\\n<!-- /generated:${name} -->`).exec(readme);
  return m ? m[1]! : null;
}

export function replaceReadmeSections(readme: string, doc: ProgramDoc): string {
  let out = readme;
  for (const [name, render] of Object.entries(README_SECTIONS)) {
    if (readmeSection(out, name) === null) throw new Error(`README.md has no <!-- generated:${name} --> … <!-- /generated:${name} --> section`);
    out = out.replace(
      new RegExp(`(<!-- generated:${name}[^>]*-->\\n)[\\s\\S]*?(\\n<!-- /generated:${name} -->)`),
      (_m, open: string, close: string) => `${open}${render(doc)}${close}`,
    );
  }
  return out;
}
