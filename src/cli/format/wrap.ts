// Text for a terminal: wrapped at its width (80 when unknown, as over a plain SSH
// session), never inside a word. A word longer than the line (a URL, a path) gets a
// line of its own rather than being cut, so it can still be copied.

/** Visible length: ANSI colour sequences take no columns; each code point takes one. */
export function visibleLength(s: string): number {
  // eslint-disable-next-line no-control-regex
  return [...s.replace(/\x1b\[[0-9;]*m/g, '')].length;
}

/**
 * Wraps `text` (whitespace runs are folded) to `width` columns. Every line starts
 * with `indent`; the first with `first` when given (a bullet, a label).
 */
export function wrap(text: string, width: number, indent = '', first = indent): string {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = first;
  let bare = true;
  for (const w of words) {
    if (!bare && visibleLength(line) + 1 + visibleLength(w) > width) {
      lines.push(line);
      line = indent + w;
    } else {
      line = bare ? line + w : `${line} ${w}`;
    }
    bare = false;
  }
  if (!bare || lines.length === 0) lines.push(line);
  return lines.join('\n');
}

/** The width to wrap at: the terminal's, else $COLUMNS, else 80; never below 40. */
export function terminalWidth(columns: number | undefined, env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env.COLUMNS);
  const w = columns && columns > 0 ? columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
  return Math.max(40, w);
}

/**
 * Wraps each line of a rendered block that is wider than `width`, keeping its
 * indentation; a `- ` bullet's continuation lines hang under its text.
 */
export function wrapBlock(text: string, width: number): string {
  return text
    .split('\n')
    .map((line) => {
      if (visibleLength(line) <= width) return line;
      const m = /^(\s*)((?:[-*•] )?)/.exec(line)!;
      const lead = m[1]! + m[2]!;
      return wrap(line.slice(lead.length), width, ' '.repeat(visibleLength(lead)), lead);
    })
    .join('\n');
}

/**
 * A shell command to copy from the screen: wrapped between its words with `\`
 * continuations (the shell reads them back as one line), continuation lines
 * indented under `indent`. Words are already shell-quoted; none is cut.
 */
export function wrapCommand(command: string, width: number, indent = '  '): string {
  const words = command.split(' ');
  const lines: string[] = [];
  let line = indent + words[0];
  for (const w of words.slice(1)) {
    if (visibleLength(line) + 1 + w.length + 2 > width) {
      lines.push(`${line} \\`);
      line = `${indent}  ${w}`;
    } else line += ` ${w}`;
  }
  lines.push(line);
  return lines.join('\n');
}
