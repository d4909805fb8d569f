import { rollback } from '../../apply/rollback.js';
import { RefusedError, UserError } from '../../errors.js';
import { preflight } from '../../apply/preflight.js';
import type { GlobalOptions } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor } from '../format/colors.js';
import { printJson, type Io } from '../io.js';
import { currentUser } from './apply.js';

export async function runRollback(opts: GlobalOptions & { args: string[]; yes?: boolean; force?: boolean }, io: Io): Promise<number> {
  const root = opts.root ?? '/';
  const id = opts.args[0];
  // The same one line as apply's, before the lock file is touched.
  const notRoot = preflight(root, { persist: false, runtime: false }).find((p) => p.id === 'not-root');
  if (notRoot) throw new UserError(notRoot.message.replace(/^needs root to write/, 'needs root to restore'), notRoot.hint.replace('knobs …', 'knobs rollback'));
  if (!opts.yes && !io.stdinTTY) {
    throw new UserError('refusing to roll back without --yes: stdin is not a terminal', 'see `knobs history`, then `knobs rollback [ID] --yes`');
  }
  if (!opts.yes) {
    const { confirm } = await import('../prompts.js');
    if (!(await confirm(`Roll back ${id ?? 'the latest transaction'}?`))) return EXIT.error;
  }
  const result = await rollback({ root, ...(id ? { id } : {}), force: Boolean(opts.force), user: currentUser(io.env) });
  const c = colorsFor(io);
  if (opts.json) {
    const refusals = result.status === 'refused' ? [{ id: 'changed-since', message: result.message }] : undefined;
    printJson(io, { ...(result as unknown as object), ...(refusals ? { refusals } : {}) });
  }
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
      throw new RefusedError(result.message, 'nothing was changed; `knobs rollback --force` discards those changes');
    case 'inconsistent':
      io.err(`knobs: rollback of ${result.transaction} failed: ${result.error}. Journal: ${result.journal}\nManual steps:\n`);
      for (const s of result.manualSteps) io.err(`  ${s}\n`);
      return EXIT.inconsistent;
  }
}
