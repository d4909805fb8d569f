// Errors the CLI knows how to print. A UserError is an expected failure (bad input,
// refused action): one line, no stack, exit 1 unless stated. Anything else is a bug
// and gets the stack.

export class UserError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A refused plan or apply. The command already printed the plan (with `--json`, one
 * document with `status: "refused"` and `refusals[]`); main prints the one line.
 */
export class RefusedError extends UserError {
  constructor(message: string, hint?: string) {
    super(message, hint);
    this.name = 'RefusedError';
  }
}

/** The command already printed what happened; exit with this code. */
export class ExitError extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'ExitError';
  }
}

/** `file:line: key: what was expected` — the shape every input error takes. */
export function inputError(file: string, line: number | null, key: string | null, what: string, hint?: string): UserError {
  const where = line === null ? file : `${file}:${line}`;
  return new UserError(`${where}: ${key ? `${key}: ` : ''}${what}`, hint);
}
