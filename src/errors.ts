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
