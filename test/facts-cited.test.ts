// Every kernel fact knobs prints names its source, and nothing unverified reaches a
// user: each `history` line of the catalogue and of the net/ and fs/ rules cites a
// commit id or a document (a source file, file@version, a man page, kernel
// documentation), and no text of theirs or of the shipped profiles says UNVERIFIED.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rules } from '../rules/index.js';
import { keyInfo, knownKeys } from '../src/core/catalog.js';

const ROOT = path.resolve(import.meta.dirname, '..');

const CITATION = [
  /\b[0-9a-f]{12,40}\b/, // a commit id
  /[\w/.-]+\.(c|h|rst|md|txt)\b/, // a source file or document
  /@\d+\.\d+/, // file@version
  /\b[a-z_]+\(\d\)/, // a man page: tcp(7)
  /\bip-sysctl\b|\bnf-sysctl\b|kubernetes\.io/, // kernel or Kubernetes documentation
];

const cites = (line: string) => CITATION.some((re) => re.test(line));

describe('kernel facts name their sources', () => {
  it('every catalogue history line cites a commit or a document', () => {
    const bare = knownKeys().flatMap((k) => keyInfo(k)!.history.filter((h) => !cites(h)).map((h) => `${k}: ${h}`));
    expect(bare).toEqual([]);
  });

  it('every history line of the net/ and fs/ rules cites a commit or a document', () => {
    const bare = rules.filter((r) => /^(net|fs)\//.test(r.id)).flatMap((r) => r.history.filter((h) => !cites(h)).map((h) => `${r.id}: ${h}`));
    expect(bare).toEqual([]);
  });

  it('nothing marked UNVERIFIED reaches a user from the catalogue, the net/ and fs/ rules or the profiles', () => {
    const texts = [
      ...knownKeys().map((k) => ({ where: k, text: JSON.stringify(keyInfo(k)) })),
      ...rules.filter((r) => /^(net|fs)\//.test(r.id)).map((r) => ({ where: r.id, text: JSON.stringify({ ...r, check: undefined }) })),
      ...fs.readdirSync(path.join(ROOT, 'profiles')).map((f) => ({ where: f, text: fs.readFileSync(path.join(ROOT, 'profiles', f), 'utf8') })),
    ];
    expect(texts.filter((t) => /UNVERIFIED/i.test(t.text)).map((t) => t.where)).toEqual([]);
  });

  it('the citation check is not vacuous', () => {
    expect(cites('4.12: removed (4396e46187ca "tcp: remove tcp_tw_recycle")')).toBe(true);
    expect(cites('net/core/request_sock.c@4.2.8')).toBe(true);
    expect(cites('The kernel never enables keepalive by itself.')).toBe(false);
  });
});
