import { rollback } from '../../apply/rollback.js';
import { UserError } from '../../errors.js';
import type { GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor } from '../format/colors.js';
import { printJson, type Io } from '../io.js';
import { currentUser } from './apply.js';

export async function runRollback(opts: GlobalOptions & { args: string[]; yes?: boolean; force?: boolean }, io: Io): Promise<number> {
  const root = opts.root ?? '/';
  const id = opts.args[0];
  if (!opts.yes && !io.stdinTTY) {
    throw new UserError('refusing to roll back without --yes: stdin is not a terminal', 'see `knobs history`, then `knobs rollback [ID] --yes`');
  }
  if (!opts.yes) {
    const { confirm } = await import('../prompts.js');
    if (!(await confirm(`Roll back ${id ?? 'the latest transaction'}?`))) return EXIT.error;
  }
  const result = await rollback({ root, ...(id ? { id } : {}), force: Boolean(opts.force), user: currentUser(io.env) });
  const c = colorsFor(io);
  if (opts.json) printJson(io, result as unknown as object);
  switch (result.status) {
    case 'noop':
      if (!opts.json) io.out(`${result.message}\n`);
      return EXIT.ok;
    case 'rolled-back':
      if (!opts.json) {
        io.out(c.green(`Rolled back ${result.transactions.join(', ')}: ${result.files.length} file(s), ${result.sysctls.length} live value(s) restored.\n`));
        for (const s of result.sysctls) io.out(`  ${s.key}: ${s.from ?? '—'} → ${s.to}\n`);
      }
      return EXIT.ok;
    case 'refused':
      if (!opts.json) {
        for (const e of result.edits) io.out(e.diff);
        for (const e of result.liveEdits) io.out(`${e.key}: knobs set ${e.set} (${e.transaction}), now ${e.now}\n`);
      }
      io.err(`knobs: ${result.message}\n`);
      return EXIT.error;
    case 'inconsistent':
      io.err(`knobs: rollback of ${result.transaction} failed: ${result.error}. Journal: ${result.journal}\nManual steps:\n`);
      for (const s of result.manualSteps) io.err(`  ${s}\n`);
      return EXIT.inconsistent;
  }
}
