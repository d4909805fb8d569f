#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) knobs maintainers
# MIT License (see LICENSE in the knobs repository)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: knobs
short_description: Apply knobs role profiles and per-key sysctl and limits settings, transactionally
description:
  - Runs the C(knobs) binary on the target with C(--json) and reports what it did.
  - With I(state=applied), writes the files knobs manages (C(/etc/sysctl.d/NN-knobs.conf),
    C(/etc/security/limits.d/NN-knobs.conf), C(LimitNOFILE=) drop-ins) atomically and sets the live
    values, as one journaled transaction that C(knobs rollback) undoes. The plan is judged before
    anything is written; a refused plan fails the task and changes nothing.
  - In check mode the module runs C(knobs plan) (or C(--dry-run)) and changes nothing. With C(--diff)
    it returns the content of every file before and after.
  - C(changed) is true exactly when a file or a live value changed; a second run reports C(changed=false).
  - A failed apply is undone by knobs before the task fails with knobs' one-line message
    (C(rolled_back=true)); when even the undo fails the task fails with the manual steps.
version_added: "0.1.0"
author:
  - knobs maintainers (@knobs)
requirements:
  - The C(knobs) executable on the target (the C(knobs.tuning.knobs) role installs it).
options:
  profiles:
    description:
      - Role profiles to apply or audit against, combined in this order
        (C(load-balancer), C(web-node), C(db-client), C(nat-facing), or a user profile in
        C(/etc/knobs/profiles)).
    type: list
    elements: str
    default: []
  only:
    description:
      - Touch only the matching keys (C(net.*), C(limits.nofile)); the others are left as they are.
    type: list
    elements: str
    default: []
  services:
    description:
      - systemd units that also get a C(LimitNOFILE=) drop-in. With I(settings), a C(limits.nofile)
        setting goes to these units' drop-ins instead of C(limits.d).
    type: list
    elements: str
    default: []
  settings:
    description:
      - Per-key settings, applied with C(knobs set) after the profiles (a sysctl key and its value,
        or C(limits.nofile) with C(SOFT:HARD) or one value for both). The value is checked against the
        running kernel; the line carries I(reason) as its comment.
      - With I(state=absent), the keys whose knobs lines are removed (C(knobs unset)).
    type: dict
    default: {}
  domain:
    description:
      - The limits.conf domain of C(limits.*) settings (C(*), a user, C(@group)).
    type: str
    default: '*'
  reason:
    description:
      - Why the settings are made; written as the comment of their lines.
    type: str
  state:
    description:
      - C(audited) reports findings and changes nothing.
      - C(applied) applies I(profiles) and I(settings).
      - C(absent) removes knobs' own lines for the keys in I(settings), or all of knobs' files when
        I(settings) is empty; live values return to what the boot files give.
      - C(rolled_back) undoes I(transaction) (and every later one), or the latest transaction if it is
        still applied; a transaction already rolled back is left alone.
    type: str
    choices: [audited, applied, absent, rolled_back]
    default: applied
  transaction:
    description:
      - Transaction id (or a unique prefix) for I(state=rolled_back), as returned by an apply.
    type: str
  fail_on:
    description:
      - Fail the task when a finding at or above this severity remains after the change
        (with I(state=audited), when one is found). Not evaluated for changes in check mode.
    type: str
    choices: [critical, warning, info]
  persist_only:
    description:
      - Write the files only and leave live values for the next boot (a read-only C(/proc/sys)).
    type: bool
    default: false
  restart:
    description:
      - Restart the I(services) after their drop-ins change.
    type: bool
    default: false
  root:
    description:
      - Run knobs on a tree mounted at this path instead of C(/) (chroots, images, tests).
    type: path
    default: /
  binary:
    description:
      - Path of the knobs executable; by default C(knobs) on C(PATH) or in C(/usr/local/bin).
    type: path
attributes:
  check_mode:
    description: Runs C(knobs plan) (or C(--dry-run)) and changes nothing.
    support: full
  diff_mode:
    description: Returns the content of every file knobs would write or writes, before and after.
    support: full
notes:
  - Exit codes and JSON documents of knobs are described in its README.
seealso:
  - module: knobs.tuning.knobs_facts
  - module: ansible.posix.sysctl
'''

EXAMPLES = r'''
- name: Tune a web node (check mode shows the diff, a second run changes nothing)
  knobs.tuning.knobs:
    profiles: [web-node]

- name: Profiles, limited to network keys, with a LimitNOFILE drop-in for nginx
  knobs.tuning.knobs:
    profiles: [load-balancer, nat-facing]
    only: ['net.*', limits.nofile]
    services: [nginx]
    restart: true

- name: Per-key settings with a reason
  knobs.tuning.knobs:
    settings:
      net.core.somaxconn: 8192
      limits.nofile: '65536:524288'
    reason: ticket OPS-1234, accept queue overflows
  register: tuned

- name: Undo that transaction
  knobs.tuning.knobs:
    state: rolled_back
    transaction: "{{ tuned.transaction }}"

- name: Fail the play on critical findings
  knobs.tuning.knobs:
    state: audited
    profiles: [db-client]
    fail_on: critical

- name: Remove everything knobs wrote
  knobs.tuning.knobs:
    state: absent
'''

RETURN = r'''
status:
  description: What happened, in knobs' words.
  returned: always
  type: str
  sample: applied
transaction:
  description: Id of the last transaction this task made (for I(state=rolled_back) and C(knobs rollback)); null when none.
  returned: always
  type: str
  sample: 20260801-101500-3f2a
transactions:
  description: Every transaction this task made (profiles and settings are one each) or rolled back.
  returned: always
  type: list
  elements: str
rolled_back:
  description: True when an apply failed and knobs undid it (the task then fails), or when I(state=rolled_back) undid something.
  returned: always
  type: bool
findings:
  description: Findings of C(knobs audit) (I(state=audited), or after the change with I(fail_on)).
  returned: when audited
  type: list
  elements: dict
  sample: [{id: net/somaxconn, severity: warning, key: net.core.somaxconn, current: '128', recommended: '4096', message: '...'}]
summary:
  description: Findings by severity.
  returned: when audited
  type: dict
  sample: {critical: 0, warning: 2, info: 1}
changes:
  description: Keys and limits that change, with their old and new values and the reason.
  returned: when applied or absent
  type: list
  elements: dict
files:
  description: Files written or removed, with the action and the unified diff.
  returned: when applied or absent
  type: list
  elements: dict
runtime:
  description: Live values set (key, from, to).
  returned: when applied or absent
  type: list
  elements: dict
warnings_knobs:
  description: The plan's warnings (also shown as task warnings), e.g. to test a new login before closing the session.
  returned: when applied or absent
  type: list
  elements: dict
diff:
  description: Per file, the content before and after (with C(--diff)).
  returned: when diff mode is on
  type: list
  elements: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.knobs.tuning.plugins.module_utils.knobs_cli import (
    COMMON_ARGS, EXIT_ERROR, EXIT_INCONSISTENT, EXIT_OK, EXIT_PENDING, fail, file_diffs, run_knobs,
)


class Outcome(object):
    def __init__(self):
        self.changed = False
        self.status = 'noop'
        self.transactions = []
        self.rolled_back = False
        self.changes = []
        self.files = []
        self.runtime = []
        self.warnings = []
        self.diff = []

    def take(self, doc, changed):
        doc = doc or {}
        self.changed = self.changed or changed
        for key in ('changes', 'files', 'runtime', 'warnings'):
            getattr(self, key).extend(doc.get(key) or [])
        self.diff.extend(file_diffs(doc))
        if doc.get('transaction'):
            self.transactions.append(doc['transaction'])

    def result(self, module):
        out = dict(
            changed=self.changed,
            status=self.status,
            transaction=self.transactions[-1] if self.transactions else None,
            transactions=self.transactions,
            rolled_back=self.rolled_back,
            changes=self.changes,
            files=[dict(path=f.get('path'), action=f.get('action'), diff=f.get('diff')) for f in self.files],
            runtime=self.runtime,
            warnings_knobs=self.warnings,
        )
        if module._diff:
            out['diff'] = self.diff
        return out


def common_flags(module):
    p = module.params
    flags = []
    if p['only']:
        flags += ['--only', ','.join(p['only'])]
    if p['services']:
        flags += ['--service', ','.join(p['services'])]
    return flags


def change_flags(module):
    flags = []
    if module.params['persist_only']:
        flags.append('--persist-only')
    if module.params['restart'] and module.params['services']:
        flags.append('--restart')
    return flags


def pending(doc):
    return bool(doc and ((doc.get('files') or []) or (doc.get('runtime') or [])))


def run_change(module, outcome, args, dry_args):
    """A change through knobs: `dry_args` in check mode (plan), `args` otherwise (apply)."""
    if module.check_mode:
        run = run_knobs(module, dry_args + ['--json'])
        if run.rc not in (EXIT_OK, EXIT_PENDING) or run.doc is None:
            fail(module, run, refusals=(run.doc or {}).get('refusals', []))
        outcome.take(run.doc, pending(run.doc))
        outcome.status = 'pending' if outcome.changed else outcome.status
        return
    run = run_knobs(module, args + ['--yes', '--json'])
    doc = run.doc or {}
    status = doc.get('status')
    if run.rc == EXIT_INCONSISTENT or status == 'inconsistent':
        fail(module, run, msg='knobs: %s' % (doc.get('error') if isinstance(doc.get('error'), str) else run.message()),
             status='inconsistent', journal=doc.get('journal'), manual_steps=doc.get('manualSteps', []))
    if status == 'failed':
        # knobs undid everything it had done before it failed.
        fail(module, run, msg='%s (knobs rolled the change back)' % (doc.get('error') if isinstance(doc.get('error'), str) else run.message()),
             status='failed', rolled_back=True, changed=False)
    if run.rc != EXIT_OK or status not in ('applied', 'noop'):
        fail(module, run, status=status or 'error', refusals=doc.get('refusals', []), changed=False)
    for w in doc.get('warnings') or []:
        module.warn('knobs [%s]: %s' % (w.get('id'), w.get('message')))
    outcome.take(doc, status == 'applied')
    if status == 'applied':
        outcome.status = 'applied'


def audit(module, profiles):
    args = ['audit', '--json']
    if profiles:
        args += ['--profile', ','.join(profiles)]
    if module.params['fail_on']:
        args += ['--fail-on', module.params['fail_on']]
    run = run_knobs(module, args)
    if run.rc not in (EXIT_OK, EXIT_PENDING) or run.doc is None:
        fail(module, run)
    return run


def settings_args(module):
    p = module.params
    pairs = []
    for key in sorted(p['settings']):
        value = p['settings'][key]
        if isinstance(value, bool):
            value = int(value)
        pairs.append('%s=%s' % (key, value))
    flags = []
    # limits.nofile goes to the services' LimitNOFILE= when there are services, else to limits.d for the domain.
    if p['services'] and 'limits.nofile' in p['settings']:
        flags += ['--service', ','.join(p['services'])]
    elif any(k.startswith('limits.') for k in p['settings']) and p['domain'] != '*':
        flags += ['--domain', p['domain']]
    return pairs, flags


def applied(module, outcome):
    p = module.params
    if p['profiles']:
        base = ['--profile', ','.join(p['profiles'])] + common_flags(module)
        run_change(module, outcome, ['apply'] + base + change_flags(module), ['plan'] + base)
    if p['settings']:
        pairs, flags = settings_args(module)
        if p['reason']:
            flags += ['--reason', p['reason']]
        args = ['set'] + pairs + flags + (['--persist-only'] if p['persist_only'] else [])
        run_change(module, outcome, args, ['set'] + pairs + flags + ['--dry-run'])


def absent(module, outcome):
    p = module.params
    if p['settings']:
        _pairs, flags = settings_args(module)
        args = ['unset'] + sorted(p['settings']) + flags
    else:
        args = ['unset', '--all']
    if p['persist_only']:
        args.append('--persist-only')
    run_change(module, outcome, args, args + ['--dry-run'])


def rolled_back(module, outcome):
    run = run_knobs(module, ['history', '--json'])
    if run.rc != EXIT_OK or run.doc is None:
        fail(module, run)
    transactions = run.doc.get('transactions') or []
    wanted = module.params['transaction']
    if wanted:
        matches = [t for t in transactions if t.get('id') == wanted] or [t for t in transactions if str(t.get('id', '')).startswith(wanted)]
        if len(matches) != 1:
            module.fail_json(msg='no transaction %s on this host' % wanted if not matches else 'transaction id %s is ambiguous' % wanted,
                             transactions=[t.get('id') for t in transactions])
        target = matches[0]
    else:
        target = transactions[0] if transactions else None
    if target is None or target.get('state') != 'applied':
        outcome.status = 'noop'
        return
    outcome.changed = True
    outcome.status = 'rolled-back'
    outcome.rolled_back = True
    outcome.transactions.append(target['id'])
    if module.check_mode:
        return
    run = run_knobs(module, ['rollback', target['id'], '--yes', '--json'])
    doc = run.doc or {}
    if run.rc != EXIT_OK or doc.get('status') != 'rolled-back':
        fail(module, run, status=doc.get('status') or 'error', manual_steps=doc.get('manualSteps', []), changed=False)
    outcome.transactions = list(doc.get('transactions') or [target['id']])
    outcome.runtime = [dict(key=s.get('key'), **{'from': s.get('from'), 'to': s.get('to')}) for s in doc.get('sysctls') or []]
    outcome.files = [dict(path=f, action='restore') for f in doc.get('files') or []]


def main():
    argument_spec = dict(
        profiles=dict(type='list', elements='str', default=[]),
        only=dict(type='list', elements='str', default=[]),
        services=dict(type='list', elements='str', default=[]),
        settings=dict(type='dict', default={}),
        domain=dict(type='str', default='*'),
        reason=dict(type='str'),
        state=dict(type='str', default='applied', choices=['audited', 'applied', 'absent', 'rolled_back']),
        transaction=dict(type='str'),
        fail_on=dict(type='str', choices=['critical', 'warning', 'info']),
        persist_only=dict(type='bool', default=False),
        restart=dict(type='bool', default=False),
    )
    argument_spec.update(COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    p = module.params
    if p['state'] == 'applied' and not p['profiles'] and not p['settings']:
        module.fail_json(msg='state=applied needs profiles or settings')
    if p['transaction'] and p['state'] != 'rolled_back':
        module.fail_json(msg='transaction is only used with state=rolled_back')

    outcome = Outcome()
    extra = {}
    if p['state'] == 'audited':
        run = audit(module, p['profiles'])
        outcome.status = 'audited'
        extra = dict(findings=run.doc.get('findings', []), summary=run.doc.get('summary', {}))
        if p['fail_on'] and run.rc == EXIT_PENDING:
            module.fail_json(msg='findings at or above %s' % p['fail_on'], **dict(outcome.result(module), **extra))
    elif p['state'] == 'applied':
        applied(module, outcome)
    elif p['state'] == 'absent':
        absent(module, outcome)
    else:
        rolled_back(module, outcome)

    if p['fail_on'] and p['state'] in ('applied', 'absent') and not module.check_mode:
        run = audit(module, p['profiles'])
        extra = dict(findings=run.doc.get('findings', []), summary=run.doc.get('summary', {}))
        if run.rc == EXIT_PENDING:
            module.fail_json(msg='findings at or above %s remain after the change' % p['fail_on'], **dict(outcome.result(module), **extra))

    result = outcome.result(module)
    result.update(extra)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
