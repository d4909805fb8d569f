// `npm run bench`: every figure side by side with the standard tools (`node dist/bench/run.js cli|apply|sockets|sysctl|report|ansible` runs one section).
// A benchmark, never a timed unit test: numbers depend on the machine.
import { benchAnsible } from './ansible.js';
import { benchApply } from './apply.js';
import { benchCli } from './cli.js';
import { benchReport } from './report.js';
import { benchSockets } from './sockets.js';
import { benchSysctl } from './sysctl.js';

const only = process.argv[2];
const sections: [string, () => Promise<void>][] = [
  ['cli', benchCli],
  ['apply', benchApply],
  ['sockets', benchSockets],
  ['sysctl', benchSysctl],
  ['report', benchReport],
  ['ansible', benchAnsible],
];
for (const [name, run] of sections) {
  if (only && only !== name) continue;
  process.stdout.write(`== ${name} ==\n`);
  await run();
  process.stdout.write('\n');
}
