// `knobs apply`: the non-interactive path for provisioning scripts, and the last
// step of the wizard. Refuses without --yes when stdin is not a terminal.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { preflight } from '../../apply/preflight.js';
import { executeApply } from '../../apply/transaction.js';
import { findInterrupted, journalStamp } from '../../apply/history.js';
import type { ApplyResult } from '../../apply/types.js';
import { UserError } from '../../errors.js';
import type { Plan } from '../../core/planner.js';
import { EXIT } from '../exit-codes.js';
import { colorsFor } from '../format/colors.js';
import { wrap, wrapCommand } from '../format/wrap.js';
import { printJson, widthOf, type Io } from '../io.js';
import { splitList } from '../../profiles/load.js';
import { buildPlan, hasChanges, planJson, refusedError, renderNotices, renderPlan, type PlanOptions } from './plan.js';
import { runFollowUps } from './follow-ups.js';

export interface ApplyCliOptions extends PlanOptions {
  yes?: boolean;
  persistOnly?: boolean;
  runtimeOnly?: boolean;
  restart?: boolean;
}

export function currentUser(env: NodeJS.ProcessEnv): string {
  const sudo = env.SUDO_USER;
  let name = 'unknown';
  try {
    name = os.userInfo().username;
  } catch {
    /* no passwd entry (containers) */
  }
  return sudo && sudo !== name ? `${name} (sudo from ${sudo})` : name;
}

function resultJson(plan: Plan, result: ApplyResult) {
  return {
    ...planJson(plan, 'transaction' in result ? result.transaction : null),
    status: result.status,
    ...(result.status === 'applied' ? { sideEffectsObserved: result.sideEffects } : {}),
    ...(result.status === 'failed' ? { error: result.error } : {}),
    ...(result.status === 'inconsistent' ? { error: result.error, journal: result.journal, manualSteps: result.manualSteps } : {}),
  };
}

/**
 * --restart is checked before anything changes: it needs units to restart and a
 * running systemd on this root, or the apply would "succeed" without the restart.
 */
function checkRestart(root: string, service: string | undefined): void {
  if (!splitList(service).length) throw new UserError('--restart needs --service UNIT (the units whose drop-ins change)');
  if (path.resolve(root) !== '/' || !fs.existsSync('/run/systemd/system')) {
    throw new UserError(
      `--restart: systemd is not running ${path.resolve(root) !== '/' ? `for --root ${root}` : 'on this host'}, so nothing could be restarted`,
      'apply without --restart, then restart the service the way this host does',
    );
  }
}

export async function runApply(opts: ApplyCliOptions, io: Io): Promise<number> {
  if (opts.persistOnly && opts.runtimeOnly) throw new UserError('--persist-only and --runtime-only exclude each other');
  const root = opts.root ?? '/';
  const interrupted = findInterrupted(root);
  if (interrupted) throw new UserError(interrupted.message, `journal: ${interrupted.journal}`);
  const stamp = journalStamp(root);

  if (opts.restart) checkRestart(root, opts.service);

  const { plan } = buildPlan(opts);
  const c = colorsFor(io);
  const width = widthOf(io);
  if (plan.refusals.length) {
    if (opts.json) printJson(io, { ...planJson(plan, null), status: 'refused' });
    else io.out(renderPlan(plan, c, width));
    throw refusedError(plan);
  }
  if (!hasChanges(plan)) {
    if (opts.json) printJson(io, { ...planJson(plan, null), status: 'noop' });
    else {
      for (const l of renderNotices(plan, c, width)) io.out(`${l}\n`);
      io.out(c.green('Nothing to change: the host already matches the plan.\n'));
    }
    return EXIT.ok;
  }
  const scope = { persist: !opts.runtimeOnly, runtime: !opts.persistOnly };
  const problems = preflight(root, scope, { keys: plan.runtime.map((r) => r.key), files: plan.files.map((f) => f.path) });
  if (problems.length) throw new UserError(problems.map((p) => p.message).join('; '), problems.map((p) => p.hint).join('; '));

  if (!opts.yes) {
    if (!io.stdinTTY) {
      throw new UserError('refusing to apply without --yes: stdin is not a terminal', 'review with `knobs plan`, then run `knobs apply … --yes`');
    }
    io.out(renderPlan(plan, c, width));
    const { confirm } = await import('../prompts.js');
    if (!(await confirm('Apply these changes?'))) {
      io.err('Nothing applied.\n');
      return EXIT.error;
    }
  } else if (!opts.json) {
    // Not shown the plan: the warnings must still be seen (test-login, boot-precedence…).
    for (const w of plan.warnings) io.out(c.yellow(wrap(`warning [${w.id}]: ${w.message}`, width, '  ', '')) + '\n');
  }
  return applyPlan(plan, { root, scope, json: Boolean(opts.json), restart: Boolean(opts.restart), replan: () => (journalStamp(root) === stamp ? plan : buildPlan(opts).plan), reviewed: !opts.yes }, io);
}

/** The same files with the same content and the same live values: what the operator approved. */
function samePlan(a: Plan, b: Plan): boolean {
  const key = (p: Plan) => JSON.stringify([p.files.map((f) => [f.path, f.after]), p.runtime.map((r) => [r.key, r.to])]);
  return key(a) === key(b);
}

function requestOf(plan: Plan, user: string, scope: { persist: boolean; runtime: boolean }) {
  return {
    files: plan.files.map((f) => ({ path: f.path, content: f.after, afterSysctls: f.afterSysctls })),
    sysctls: plan.runtime.map((r) => ({ key: r.key, value: r.to })),
    profiles: plan.profiles,
    user,
    scope,
  };
}

/** The exact command that undoes a transaction on this root. */
export function rollbackCommand(root: string, transaction: string): string {
  return `knobs ${path.resolve(root) === '/' ? '' : `--root ${shellWord(root)} `}rollback ${transaction}`;
}

/** A word the shell reads back as is (a path with spaces gets single quotes). */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Execute a computed plan as one transaction and report it; returns the exit code. */
export async function applyPlan(
  shown: Plan,
  opts: {
    root: string;
    scope: { persist: boolean; runtime: boolean };
    json: boolean;
    restart: boolean;
    /** Make the plan again (called under the lock: another knobs may have changed the host since `shown` was made). */
    replan?: () => Plan;
    /** The operator approved `shown` at a prompt: a different plan under the lock is refused, not applied. */
    reviewed?: boolean;
    onResult?: (r: ApplyResult) => void;
  },
  io: Io,
): Promise<number> {
  const c = colorsFor(io);
  const user = currentUser(io.env);
  let plan = shown;
  const replan = opts.replan;
  const result = await executeApply(requestOf(shown, user, opts.scope), {
    root: opts.root,
    ...(replan && {
      replan: () => {
        const fresh = replan();
        if (fresh.refusals.length) throw new UserError(`refused: ${fresh.refusals.map((r) => r.message).join('; ')}`);
        if (opts.reviewed && !samePlan(fresh, shown)) {
          throw new UserError('the host changed after the plan was shown (another knobs apply?); nothing was applied', 'run the apply again to review the new plan');
        }
        plan = fresh;
        return requestOf(fresh, user, opts.scope);
      },
    }),
  });
  opts.onResult?.(result);
  // An applied transaction's document waits for the follow-ups, so it can say what failed there.
  if (opts.json && result.status !== 'applied') printJson(io, resultJson(plan, result));
  switch (result.status) {
    case 'noop':
      if (!opts.json) io.out(c.green('Nothing to change.\n'));
      return EXIT.ok;
    case 'applied': {
      if (!opts.json) {
        io.out(c.green(`Applied transaction ${result.transaction}: ${result.files.length} file(s), ${result.sysctls.length} live value(s).\n`));
        if (result.sideEffects.length) {
          io.out(wrap(`The kernel also changed: ${result.sideEffects.map((e) => `${e.key} ${e.from ?? '—'} → ${e.to}`).join(', ')} (rollback restores them).`, widthOf(io)) + '\n');
        }
        io.out(`Undo with:\n${wrapCommand(rollbackCommand(opts.root, result.transaction), widthOf(io))}\n`);
      }
      const failed = runFollowUps(opts.root, plan, io, { restart: opts.restart, json: opts.json });
      if (opts.json) printJson(io, { ...resultJson(plan, result), ...(failed.length ? { followUpErrors: failed } : {}) });
      if (failed.length) {
        throw new UserError(
          `transaction ${result.transaction} is applied, but ${failed.join('; ')}`,
          `the files and live values are in place; fix the service and restart it, or undo with: ${rollbackCommand(opts.root, result.transaction)}`,
        );
      }
      return EXIT.ok;
    }
    case 'failed':
      io.err(`knobs: apply failed and was rolled back: ${result.error}\n`);
      if (result.warning) io.err(`  note: ${result.warning}\n`);
      return EXIT.error;
    case 'inconsistent':
      io.err(`knobs: apply failed (${result.error}) and the undo failed too. Journal: ${result.journal}\nManual steps:\n`);
      for (const s of result.manualSteps) io.err(`  ${s}\n`);
      return EXIT.inconsistent;
  }
}
