// Every temporary file a test (or a knobs process it starts) makes lands under one
// directory for the run, removed at the end: a run leaves nothing in /tmp even when a
// test fails halfway or a child process is killed before its own cleanup.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'knobs-test-run-'));
  // Traversable by other users: the pam oracle runs `su nobody` on files below.
  fs.chmodSync(base, 0o711);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = base;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    fs.rmSync(base, { recursive: true, force: true });
  };
}
