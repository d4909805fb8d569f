// systemd unit names, validated as systemd validates them, before a name becomes a
// path (`etc/systemd/system/<unit>.d/90-knobs.conf`), a line of a drop-in, or an
// argument of `systemctl`. A name with `/` would write outside the drop-in directory,
// one with a newline would add lines (`ExecStartPre=`) to the drop-in.
//
// unit_name_is_valid(n, UNIT_NAME_ANY), src/basic/unit-name.c, read at
// systemd/systemd@0133d5553a1b24185f251ebbc4d873606118780f; the same checks are in
// v252 (Debian 12, this machine: `systemctl --root=… is-enabled` accepts `x@y@z.service`
// and `a:b\x.service`, and rejects `a b.service`, `@x.service` and a name with a newline):
//  - not empty, shorter than UNIT_NAME_MAX (256) bytes;
//  - a last `.` that is not the first character, followed by a known unit type
//    (unit_type_from_string, src/basic/unit-def.c);
//  - before it only DIGITS LETTERS ":-_.\" and `@`;
//  - not starting with `@`; with a `@`, either a template (`foo@.service`) or an
//    instance (`foo@bar.service`), both accepted by UNIT_NAME_ANY.

export const UNIT_NAME_MAX = 256;

export const UNIT_TYPES = ['service', 'socket', 'target', 'device', 'mount', 'automount', 'swap', 'timer', 'path', 'slice', 'scope'] as const;

const VALID = /^[0-9A-Za-z:\-_.\\@]*$/;

/** Why `name` is not a valid unit name, or null when systemd would accept it. */
export function unitNameProblem(name: string): string | null {
  if (name === '') return 'empty';
  if (Buffer.byteLength(name) >= UNIT_NAME_MAX) return `longer than ${UNIT_NAME_MAX - 1} bytes`;
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return 'no unit type suffix (.service, .socket, …)';
  const type = name.slice(dot + 1);
  if (!(UNIT_TYPES as readonly string[]).includes(type)) return `unknown unit type ".${type}"`;
  const stem = name.slice(0, dot);
  if (!VALID.test(stem)) {
    const bad = [...stem].find((c) => !VALID.test(c))!;
    return `contains ${JSON.stringify(bad)}: unit names may only hold letters, digits and : - _ . \\ @`;
  }
  if (stem.startsWith('@')) return 'starts with "@"';
  return null;
}

export function isValidUnitName(name: string): boolean {
  return unitNameProblem(name) === null;
}

/**
 * `nginx` → `nginx.service` (what `systemctl` does for a name without a type), then
 * validated. Throws an Error whose message says why the name is refused.
 */
export function checkedUnitName(arg: string): string {
  const suffixed = (UNIT_TYPES as readonly string[]).some((t) => arg.endsWith(`.${t}`)) ? arg : `${arg}.service`;
  const problem = unitNameProblem(suffixed);
  if (problem) throw new Error(`invalid unit name ${JSON.stringify(arg)}: ${problem}`);
  return suffixed;
}
