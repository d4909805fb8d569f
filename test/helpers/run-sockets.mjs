#!/usr/bin/env node
// Minimal runner for `knobs sockets` that needs only the compiled command module
// (used by the live test and the benchmark; it needs only `tsc`, not the bundle).
// Usage: node test/helpers/run-sockets.mjs [--json] [--top N] [--root DIR] [--source S] [--watch [S]]
import { runSockets } from '../../dist/src/cli/commands/sockets.js';
import { nodeIo } from '../../dist/src/cli/io.js';

const argv = process.argv.slice(2);
const opts = { root: '/', top: 10, json: false };
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === 'sockets') continue;
  else if (a === '--json') opts.json = true;
  else if (a === '--top') opts.top = Number(argv[++i]);
  else if (a === '--root') opts.root = argv[++i];
  else if (a === '--source') opts.source = argv[++i];
  else if (a === '--watch') {
    const next = argv[i + 1];
    if (next !== undefined && /^\d+(\.\d+)?$/.test(next)) opts.watch = Number(argv[++i]);
    else opts.watch = 2;
  } else {
    process.stderr.write(`run-sockets: unknown argument ${a}\n`);
    process.exit(1);
  }
}
process.exitCode = await runSockets(opts, nodeIo());
