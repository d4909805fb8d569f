// Which command an argv runs, read before commander parses it: the launcher picks
// the command's bundle by it and main() declares only that command.

/** The command word in `knobs [--root DIR] [options] <command> ...` (argv without node and script). */
export function commandOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args[i + 1];
    if (a === '--root') i++;
    else if (!a.startsWith('-')) return a;
  }
  return undefined;
}
