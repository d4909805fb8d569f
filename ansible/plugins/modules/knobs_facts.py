#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) knobs maintainers
# MIT License (see LICENSE in the knobs repository)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: knobs_facts
short_description: Gather the knobs host snapshot as ansible_facts.knobs
description:
  - Runs C(knobs facts --json) on the target and returns the snapshot as C(ansible_facts.knobs),
    that is the kernel, every sysctl the rules and profiles name with its live value and the boot file that
    sets it, sysctl.d files, limits, the TCP socket census, and what runs on the host.
  - The snapshot is the input of C(knobs report), C(knobs audit --facts) and C(knobs plan --facts);
    written out as JSON (C(ansible_facts.knobs | to_json)) it reads back exactly.
  - Changes nothing on the target.
version_added: "0.1.0"
author:
  - knobs maintainers (@knobs)
requirements:
  - The C(knobs) executable on the target.
options:
  profiles:
    description:
      - The profiles this host is meant to have, recorded in the snapshot so that C(knobs report)
        judges the host against them and compares it with the other hosts of the same profiles.
    type: list
    elements: str
    default: []
  root:
    description:
      - Read a tree mounted at this path instead of C(/).
    type: path
    default: /
  binary:
    description:
      - Path of the knobs executable; by default C(knobs) on C(PATH) or in C(/usr/local/bin).
    type: path
attributes:
  check_mode:
    description: Reads only; the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
  facts:
    description: Returns C(ansible_facts.knobs).
    support: full
seealso:
  - module: knobs.tuning.knobs
'''

EXAMPLES = r'''
- name: Snapshot the host
  knobs.tuning.knobs_facts:
    profiles: [web-node]

- name: Keep the snapshot on the controller for `knobs report reports/`
  ansible.builtin.copy:
    content: "{{ ansible_facts.knobs | to_json }}"
    dest: "reports/{{ inventory_hostname }}.json"
    mode: '0644'
  delegate_to: localhost
'''

RETURN = r'''
ansible_facts:
  description: Facts to add to ansible_facts.
  returned: always
  type: complex
  contains:
    knobs:
      description:
        - The document C(knobs facts --json) prints (schemaVersion, kernel, sysctl, sysctlConfig, limits,
          sockets, system, workload, and profiles when given).
      returned: always
      type: dict
      sample:
        schemaVersion: 1
        kernel: {release: 6.1.0-18-amd64, version: 6.1.0}
        sysctl: {net.core.somaxconn: {live: '4096', state: present, boot: null}}
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.knobs.tuning.plugins.module_utils.knobs_cli import COMMON_ARGS, EXIT_OK, fail, run_knobs


def main():
    argument_spec = dict(profiles=dict(type='list', elements='str', default=[]))
    argument_spec.update(COMMON_ARGS)
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    args = ['facts', '--json']
    if module.params['profiles']:
        args += ['--profile', ','.join(module.params['profiles'])]
    run = run_knobs(module, args)
    if run.rc != EXIT_OK or not isinstance(run.doc, dict):
        fail(module, run)
    module.exit_json(changed=False, ansible_facts=dict(knobs=run.doc))


if __name__ == '__main__':
    main()
