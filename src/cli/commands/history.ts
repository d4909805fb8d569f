import { history } from '../../apply/history.js';
import type { GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { printJson, type Io } from '../io.js';

export async function runHistory(opts: GlobalOptions, io: Io): Promise<number> {
  const transactions = history(opts.root ?? '/');
  if (opts.json) {
    printJson(io, { transactions });
    return EXIT.ok;
  }
  if (!transactions.length) {
    io.out('No transactions recorded.\n');
    return EXIT.ok;
  }
  for (const t of transactions) {
    io.out(`${t.id}  ${t.state.padEnd(12)} ${t.time}  ${t.user}  profiles: ${t.profiles.join(',') || '-'}\n`);
    io.out(`    files: ${t.files.join(', ') || '-'}\n    keys: ${t.keys.join(', ') || '-'}\n`);
    if (t.error) io.out(`    error: ${t.error}\n`);
  }
  return EXIT.ok;
}
