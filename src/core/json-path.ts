// Reporting a schema violation in one line: the first issue, by its JSON path
// (`$.sysctl["net.core.somaxconn"].live`), what was expected and what was found.

import type { BaseIssue } from 'valibot';

type PathItem = { key: unknown };

export function jsonPath(path: readonly PathItem[] | undefined): string {
  let out = '$';
  for (const p of path ?? []) {
    const k = p.key;
    if (typeof k === 'number') out += `[${k}]`;
    else if (typeof k === 'string' && /^[A-Za-z_$][\w$]*$/.test(k)) out += `.${k}`;
    else out += `[${JSON.stringify(String(k))}]`;
  }
  return out;
}

/** `$.kernel.release: expected a string, found 4096`. */
export function describeIssue(issue: BaseIssue<unknown>): string {
  const where = jsonPath(issue.path as PathItem[] | undefined);
  if (issue.input === undefined && issue.kind === 'schema') return `${where}: missing`;
  const found = shortValue(issue.input);
  const what = issue.message.startsWith('Invalid') ? `expected ${issue.expected ?? 'something else'}, found ${found}` : issue.message;
  return `${where}: ${what}`;
}

function shortValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
