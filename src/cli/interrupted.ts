// An interactive session that stops before its end: Ctrl+C (exit 130) or the end of
// its input (Ctrl+D on an empty line where a line is read; exit 1). It extends
// ExitError so that a command that does not catch it still exits with its code.

import { ExitError } from '../errors.js';

export class Interrupted extends ExitError {
  constructor(readonly reason: 'interrupt' | 'end-of-input') {
    super(reason === 'interrupt' ? 130 : 1);
    this.name = 'Interrupted';
  }
}

/**
 * Ctrl+C while no prompt reads the keyboard (reading the host, planning, a pager)
 * arrives as SIGINT: noted here instead of killing the process, so the session can
 * say what it did (nothing) at its next step.
 */
export interface InterruptWatch {
  readonly received: boolean;
  /** Throws Interrupted when Ctrl+C came since the watch started. */
  check(): void;
  dispose(): void;
}

export function watchInterrupts(): InterruptWatch {
  let received = false;
  const on = () => {
    received = true;
  };
  process.on('SIGINT', on);
  return {
    get received() {
      return received;
    },
    check() {
      if (received) throw new Interrupted('interrupt');
    },
    dispose() {
      process.off('SIGINT', on);
    },
  };
}
