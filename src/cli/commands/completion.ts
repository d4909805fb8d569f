// knobs completion bash|zsh: prints the completion script for the whole program
// (every command, not only the one being run).

import { EXIT } from '../exit-codes.js';
import type { Io } from '../io.js';
import { createProgram } from '../program.js';
import { renderBash, renderZsh } from '../reference/completion.js';
import { describeProgram } from '../reference/model.js';
import { completionWords } from '../reference/words.js';

export async function runCompletion(opts: { args: string[] }, io: Io): Promise<number> {
  const doc = describeProgram(createProgram(io, () => {}));
  const render = opts.args[0] === 'zsh' ? renderZsh : renderBash;
  io.out(render(doc, completionWords()));
  return EXIT.ok;
}
