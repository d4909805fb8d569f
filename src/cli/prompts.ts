// The only module that imports @inquirer/prompts (≈80 ms to load): commands that
// never prompt never pay for it. Ctrl+C in a prompt exits 130 without a stack.

import { ExitError } from '../errors.js';

async function guard<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    if ((err as Error)?.name === 'ExitPromptError') throw new ExitError(130);
    throw err;
  }
}

export async function confirm(message: string, dflt = false): Promise<boolean> {
  const { confirm: ask } = await import('@inquirer/prompts');
  return guard(ask({ message, default: dflt }));
}

export async function select<T extends string>(message: string, choices: { value: T; name: string; description?: string }[]): Promise<T> {
  const { select: ask } = await import('@inquirer/prompts');
  return guard(ask({ message, choices }));
}

export async function checkbox<T extends string>(message: string, choices: { value: T; name: string; checked?: boolean }[]): Promise<T[]> {
  const { checkbox: ask } = await import('@inquirer/prompts');
  return guard(ask({ message, choices }));
}
