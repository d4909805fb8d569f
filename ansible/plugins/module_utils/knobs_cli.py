# -*- coding: utf-8 -*-
# Copyright: (c) knobs maintainers
# MIT License (see LICENSE in the knobs repository)

"""Running the knobs binary on the target: an argument list (never a shell),
--json on stdout, and knobs' one-line error messages."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

# knobs' exit codes (README: Exit codes).
EXIT_OK = 0
EXIT_ERROR = 1
EXIT_PENDING = 2
EXIT_INCONSISTENT = 3

COMMON_ARGS = dict(
    root=dict(type='path', default='/'),
    binary=dict(type='path'),
)


def knobs_binary(module):
    """The knobs executable: the `binary` option, else `knobs` on PATH or in /usr/local/bin."""
    if module.params.get('binary'):
        return module.params['binary']
    return module.get_bin_path('knobs', required=True, opt_dirs=['/usr/local/bin', '/usr/bin'])


class KnobsRun(object):
    """One knobs invocation: its exit code, its JSON document (or None) and stderr."""

    def __init__(self, cmd, rc, doc, stdout, stderr):
        self.cmd = cmd
        self.rc = rc
        self.doc = doc
        self.stdout = stdout
        self.stderr = stderr

    def message(self):
        """knobs' own one-line message: the JSON error document's, else the `knobs:` line on stderr."""
        if isinstance(self.doc, dict):
            err = self.doc.get('error')
            if isinstance(err, dict) and err.get('message'):
                return err['message']
            if isinstance(err, str) and err:
                return err
        for line in (self.stderr or '').splitlines():
            if line.startswith('knobs: ') and not line.startswith('knobs: warning:'):
                return line[len('knobs: '):]
        lines = [x for x in (self.stderr or '').splitlines() if x.strip()]
        if lines:
            return lines[0]
        return 'knobs exited with %d' % self.rc

    def hint(self):
        if isinstance(self.doc, dict) and isinstance(self.doc.get('error'), dict) and self.doc['error'].get('hint'):
            return self.doc['error']['hint']
        for line in (self.stderr or '').splitlines():
            if line.strip().startswith('hint: '):
                return line.strip()[len('hint: '):]
        return None


def run_knobs(module, args):
    """Run `knobs [--root ROOT] ARGS…` and parse its JSON output."""
    cmd = [knobs_binary(module)]
    root = module.params.get('root') or '/'
    if root != '/':
        cmd += ['--root', root]
    cmd += list(args)
    # No colour, and a wide terminal so that no text knobs prints is wrapped.
    rc, out, err = module.run_command(cmd, check_rc=False, environ_update={'NO_COLOR': '1', 'COLUMNS': '200'})
    doc = None
    if out and out.strip():
        try:
            doc = json.loads(out)
        except ValueError:
            doc = None
    return KnobsRun(cmd, rc, doc, out, err)


def fail(module, run, msg=None, **extra):
    """Fail the task with knobs' message, its exit code and what it printed."""
    result = dict(msg=msg or run.message(), rc=run.rc, cmd=run.cmd, stderr=run.stderr)
    hint = run.hint()
    if hint:
        result['hint'] = hint
    result.update(extra)
    module.fail_json(**result)


def file_diffs(doc):
    """Ansible's diff (before/after per file) from a plan or apply document."""
    diffs = []
    for f in (doc or {}).get('files') or []:
        if 'before' not in f and 'after' not in f:
            diffs.append(dict(prepared=f.get('diff', '')))
            continue
        diffs.append(dict(
            before_header=f['path'] if f.get('before') is not None else '%s (absent)' % f['path'],
            after_header=f['path'] if f.get('after') is not None else '%s (absent)' % f['path'],
            before=f.get('before') or '',
            after=f.get('after') or '',
        ))
    return diffs
