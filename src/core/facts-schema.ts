// The host snapshot (`knobs facts --json`, read back by `--facts FILE`), written
// down as a schema: a snapshot is input like any other, and a wrong type in it must
// be one line naming the field (`$.sysctl["net.core.somaxconn"].live: expected
// string or null, found 4096`), never a stack from deep inside a rule.
//
// Objects are "loose": fields this knobs does not know pass through (a newer
// snapshot), and the compile-time check at the bottom fails when HostFacts gains a
// field this schema does not describe, so the two cannot drift apart.

import * as v from 'valibot';
import { describeIssue } from './json-path.js';
import { TCP_STATES, type HostFacts } from './types.js';

const COUNT = v.pipe(v.number(), v.integer(), v.minValue(0));
const LINE = v.pipe(v.number(), v.integer(), v.minValue(0));
const TEXT = v.pipe(v.string(), v.maxLength(1024 * 1024));
const NAME = v.pipe(v.string(), v.maxLength(4096));
/** A map key: not one that would reach an object's prototype. */
const KEY = v.pipe(NAME, v.check((k) => k !== '__proto__' && k !== 'constructor' && k !== 'prototype', 'a name other than __proto__, constructor or prototype'));
/** A dotted key: no empty, `.` or `..` component (it names a file under /proc/sys). */
const SYSCTL_KEY = v.pipe(KEY, v.check((k) => k !== '' && !k.split('.').some((c) => c === '' || c === '..' || c === '/..' || c.startsWith('../')), 'a sysctl key'));
const PORT = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));

const BOOT_SOURCE = v.looseObject({
  value: TEXT,
  file: NAME,
  line: LINE,
  glob: v.optional(v.boolean()),
  ignoreFailure: v.optional(v.boolean()),
  text: v.optional(TEXT),
  via: v.optional(KEY),
  partial: v.optional(v.boolean()),
  unverified: v.optional(v.boolean()),
});

/** A line the loader writes and the kernel or the loader refuses: its key is as written (it may name no file). */
const REJECTED_LINE = v.looseObject({
  file: NAME,
  line: LINE,
  key: KEY,
  path: NAME,
  value: TEXT,
  kind: v.picklist(['value', 'unknown-key', 'read-only', 'directory', 'path']),
  reason: TEXT,
  ignoreFailure: v.optional(v.boolean()),
  glob: v.optional(v.boolean()),
});

const SYSCTL_FACT = v.looseObject({
  live: v.nullable(TEXT),
  state: v.picklist(['present', 'absent', 'unreadable']),
  readOnly: v.optional(v.boolean()),
  boot: v.nullable(BOOT_SOURCE),
  shadowed: v.optional(v.array(BOOT_SOURCE)),
});

const CONF_ENTRY = v.looseObject({
  line: LINE,
  // As the loader read it: `- key` keeps its blank for procps, `a//b` its doubled separator.
  key: KEY,
  value: v.nullable(TEXT),
  ignoreFailure: v.boolean(),
  exclude: v.boolean(),
  glob: v.boolean(),
  comment: v.optional(TEXT),
});

const LOADER = v.picklist(['systemd', 'procps']);

const CONF_FILE = v.looseObject({
  path: NAME,
  linkTarget: v.optional(NAME),
  masked: v.optional(v.boolean()),
  shadowedBy: v.optional(NAME),
  readBy: v.array(LOADER),
  entries: v.array(CONF_ENTRY),
  problems: v.optional(v.array(v.looseObject({ line: LINE, message: TEXT }))),
});

const RLIMIT_VALUE = v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0)));
const RLIMIT = v.looseObject({ soft: RLIMIT_VALUE, hard: RLIMIT_VALUE });

const LIMIT_LINE = v.looseObject({
  file: NAME,
  line: LINE,
  domain: NAME,
  type: v.picklist(['soft', 'hard', '-']),
  item: NAME,
  value: NAME,
});

const PAM_CONFIG = v.looseObject({
  module: v.looseObject({
    family: v.nullable(v.picklist(['debian', 'upstream'])),
    version: v.nullable(NAME),
    packageVersion: v.nullable(NAME),
    distro: v.nullable(v.looseObject({ id: NAME, versionId: NAME })),
    evidence: v.array(TEXT),
    binary: v.optional(NAME),
    markers: v.array(NAME),
  }),
  services: v.optional(v.nullable(v.array(NAME))),
  files: v.array(v.looseObject({
    path: NAME,
    state: v.picklist(['read', 'missing', 'loop', 'directory', 'special', 'unreadable']),
    target: v.optional(NAME),
    error: v.optional(NAME),
  })),
  exempt: v.array(v.looseObject({ file: NAME, line: LINE, domain: NAME })),
  problems: v.array(v.looseObject({
    file: NAME,
    line: LINE,
    message: TEXT,
    logged: v.nullable(v.picklist(['warning', 'debug'])),
    kind: v.optional(v.picklist(['dropped', 'misread', 'ignored-text', 'split', 'build'])),
  })),
  chrootDirs: v.optional(v.record(KEY, v.boolean())),
});

const SYSTEMD_LIMITS = v.looseObject({
  defaultNofile: v.nullable(v.looseObject({ soft: RLIMIT_VALUE, hard: RLIMIT_VALUE, file: NAME, line: LINE, raw: TEXT })),
  files: v.array(NAME),
  problems: v.array(v.looseObject({ file: NAME, line: v.nullable(LINE), message: TEXT, unit: v.optional(NAME) })),
});

const PROCESS = v.looseObject({
  pid: v.pipe(v.number(), v.integer(), v.minValue(0)),
  comm: v.nullable(NAME),
  unit: v.nullable(NAME),
  nofile: v.nullable(RLIMIT),
  open: v.nullable(COUNT),
  listenPorts: v.array(PORT),
});

const SERVICE_PROCESS = v.looseObject({
  pid: v.pipe(v.number(), v.integer(), v.minValue(0)),
  comm: v.nullable(NAME),
  unit: v.nullable(NAME),
  nofile: v.nullable(RLIMIT),
  open: v.nullable(COUNT),
});

const SYSTEM = v.looseObject({
  osRelease: v.nullable(v.record(KEY, TEXT)),
  uptimeSeconds: v.nullable(v.pipe(v.number(), v.finite(), v.minValue(0))),
  present: v.array(NAME),
  initCgroup: v.nullable(TEXT),
  containerManager: v.nullable(NAME),
  interfaces: v.array(NAME),
});

const WORKLOAD = v.looseObject({
  listeners: v.array(v.looseObject({ port: PORT, addresses: v.array(NAME), processes: v.array(SERVICE_PROCESS) })),
  outbound: v.array(v.looseObject({ peer: NAME, open: COUNT, timeWait: COUNT, localPorts: COUNT })),
  closeWait: v.array(v.looseObject({ pid: v.pipe(v.number(), v.integer(), v.minValue(0)), comm: v.nullable(NAME), count: COUNT })),
  incomingTimeWait: COUNT,
});

const NET_STAT = v.looseObject({
  conntrack: v.nullable(v.record(KEY, v.pipe(v.number(), v.finite(), v.minValue(0)))),
  softnet: v.nullable(v.looseObject({ cpus: COUNT, processed: COUNT, dropped: COUNT, timeSqueeze: COUNT })),
  interfaces: v.optional(v.array(NAME)),
  uptimeSeconds: v.nullable(v.pipe(v.number(), v.finite(), v.minValue(0))),
  bootId: v.optional(v.nullable(NAME)),
  previous: v.optional(v.nullable(v.looseObject({ ageSeconds: v.pipe(v.number(), v.finite(), v.minValue(0)), counters: v.record(KEY, v.pipe(v.number(), v.finite(), v.minValue(0))) }))),
  containers: v.looseObject({
    interfaces: v.array(NAME),
    paths: v.array(NAME),
    processes: v.array(NAME),
    insideContainer: v.nullable(TEXT),
    bridgeNfCallIptables: v.optional(v.nullable(NAME)),
    vipProcesses: v.optional(v.array(NAME)),
  }),
});

const STATES = v.looseObject(Object.fromEntries(TCP_STATES.map((s) => [s, COUNT])) as Record<(typeof TCP_STATES)[number], typeof COUNT>);

export const FACTS_SCHEMA = v.looseObject({
  kernel: v.looseObject({
    release: NAME,
    // What coerceKernelVersion makes of a release: rules compare it field by field.
    version: v.nullable(v.pipe(v.string(), v.regex(/^\d{1,9}\.\d{1,9}\.\d{1,9}$/, 'a kernel version like "6.1.0"'))),
    hz: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100000))),
  }),
  sysctl: v.record(SYSCTL_KEY, SYSCTL_FACT),
  sysctlConfig: v.looseObject({
    loader: LOADER,
    files: v.array(CONF_FILE),
    disagreements: v.array(v.looseObject({ key: SYSCTL_KEY, systemd: v.nullable(BOOT_SOURCE), procps: v.nullable(BOOT_SOURCE) })),
    rejected: v.optional(v.array(REJECTED_LINE)),
  }),
  limits: v.looseObject({
    self: v.record(KEY, RLIMIT),
    pam: v.array(LIMIT_LINE),
    processes: v.optional(v.array(PROCESS)),
    pamConfig: v.optional(PAM_CONFIG),
    systemd: v.optional(SYSTEMD_LIMITS),
  }),
  sockets: v.looseObject({
    available: v.boolean(),
    states: STATES,
    listenPorts: v.array(PORT),
    timeWaitByDestination: v.array(v.looseObject({ peer: NAME, count: COUNT })),
    counters: v.record(KEY, v.pipe(v.number(), v.finite())),
    // The census only `knobs sockets` takes, for rules/sockets/*: never in a snapshot, and not
    // let in unchecked through one (the socket rules would read it).
    census: v.optional(v.undefined()),
  }),
  system: v.optional(SYSTEM),
  workload: v.optional(WORKLOAD),
  netStat: v.optional(NET_STAT),
});

/** The snapshot, or the first problem by JSON path. */
export function checkFacts(doc: unknown): { facts: HostFacts } | { problem: string } {
  const r = v.safeParse(FACTS_SCHEMA, doc);
  if (!r.success) return { problem: describeIssue(r.issues[0]) };
  return { facts: r.output as HostFacts };
}

// Fails to compile when HostFacts has a field the schema lacks or types differently: a required one at any
// depth (the first line), an optional one at the top (the second: loose objects let unknown keys through).
type Output = v.InferOutput<typeof FACTS_SCHEMA>;
export const _schemaCoversHostFacts = (o: Output): HostFacts => o;
type Undescribed = Exclude<keyof HostFacts, keyof typeof FACTS_SCHEMA.entries>;
export const _everyTopLevelFieldDescribed: [Undescribed] extends [never] ? true : Undescribed = true;
