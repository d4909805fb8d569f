// Bundles the CLI into dist/cli.js (+ lazily loaded chunks in dist/chunks/).
// Why: `knobs audit` runs over SSH and in fleet loops; resolving and compiling ~50
// separate ES modules cost more than the audit itself. tsc still type-checks and
// emits dist/src for the tests; this only changes what `knobs` loads at start-up.
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'src/bin.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // Bundled CommonJS dependencies (commander, ini) call require() for node builtins.
  banner: { js: "import { createRequire as __knobsRequire } from 'node:module'; const require = __knobsRequire(import.meta.url);" },
  logLevel: 'warning',
});
