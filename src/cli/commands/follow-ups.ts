// After a drop-in change: `systemctl daemon-reload` only when the root is / and
// systemd is running; a restart only with --restart; always say what is left.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Plan } from '../../core/planner.js';
import { isValidUnitName } from '../../core/unit-name.js';
import { wrap } from '../format/wrap.js';
import { widthOf, type Io } from '../io.js';

/** Returns what failed (daemon-reload, restarts), one phrase each; empty when all went well. */
export function runFollowUps(root: string, plan: Plan, io: Io, opts: { restart: boolean; json: boolean }): string[] {
  const failed: string[] = [];
  // Wrapped at the terminal's width (a command in backquotes stays whole).
  const say = (t: string) => {
    const text = wrap(t.replace(/\n$/, ''), widthOf(io), '  ') + '\n';
    return opts.json ? io.err(text) : io.out(text);
  };
  const units = plan.changes.filter((c) => c.kind === 'systemd').map((c) => c.unit!);
  const systemdRunning = path.resolve(root) === '/' && fs.existsSync('/run/systemd/system');
  if (units.length && systemdRunning) {
    const r = spawnSync('systemctl', ['daemon-reload'], { encoding: 'utf8' });
    say(r.status === 0 ? 'Ran systemctl daemon-reload.\n' : `systemctl daemon-reload failed: ${(r.stderr || r.error?.message || '').trim()}\n`);
    if (r.status !== 0) failed.push(`systemctl daemon-reload failed: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`);
    if (opts.restart) {
      for (const u of units) {
        // Validated when --service was read; checked again here because this is where it becomes an argument.
        if (!isValidUnitName(u)) {
          say(`not restarting ${JSON.stringify(u)}: not a valid unit name\n`);
          failed.push(`${JSON.stringify(u)} is not a valid unit name, so it was not restarted`);
          continue;
        }
        // `--`: a unit name is never taken for an option.
        const rr = spawnSync('systemctl', ['restart', '--', u], { encoding: 'utf8' });
        say(rr.status === 0 ? `Restarted ${u}.\n` : `systemctl restart ${u} failed: ${(rr.stderr || '').trim()}\n`);
        if (rr.status !== 0) failed.push(`systemctl restart ${u} failed: ${(rr.stderr || rr.error?.message || `exit ${rr.status}`).trim()}`);
      }
    }
  } else if (units.length && opts.restart) {
    failed.push('systemd is not running here, so nothing was restarted');
  }
  for (const f of plan.followUps) {
    if (systemdRunning && f.includes('daemon-reload') && opts.restart) continue;
    say(`then: ${systemdRunning ? f.replace('run `systemctl daemon-reload`, then ', '') : f}\n`);
  }
  return failed;
}
