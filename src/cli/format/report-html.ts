// The fleet report as one self-contained HTML page: inline CSS and a few lines of
// inline script, no fonts, images or anything else fetched (a Content-Security-Policy
// forbids it, so a page opened from a mail attachment or a CI artifact cannot call
// out). What a person looks at first: a host × rule matrix, coloured by the worst
// finding; then the symptoms happening now, rule details with folded host lists,
// profiles whose hosts disagree, and each key's spread as a bar.
// Every text from a snapshot (host names, values, messages) is escaped.

import { createHash } from 'node:crypto';
import { foldHostNames, type Cell, type FleetReport, type KeyDistribution } from '../../core/report.js';

const esc = (s: string | number) =>
  String(s).replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const hosts = (names: readonly string[]) => esc(foldHostNames(names).join(', '));
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const CELL_LABEL: Record<Cell, string> = { critical: 'critical', warning: 'warning', info: 'info', pass: 'passes', 'n/a': 'not applicable' };
const CELL_MARK: Record<Cell, string> = { critical: '!', warning: '▲', info: 'i', pass: '', 'n/a': '' };

const STYLE = `
:root{--crit:#c62839;--warn:#e8900c;--info:#2f7fc1;--pass:#cde9cf;--na:#eeeeee;--ink:#1d2430;--mute:#5f6b7a;--line:#dde2e8;--bg:#f6f7f9}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--bg)}
header{background:#1d2430;color:#fff;padding:18px 28px}
header h1{margin:0;font-size:22px;font-weight:600}
header p{margin:4px 0 0;color:#c9d1db}
main{padding:18px 28px 40px;max-width:100%}
h2{font-size:17px;margin:28px 0 10px}
.tiles{display:flex;gap:12px;flex-wrap:wrap;margin-top:14px}
.tile{background:#2a3340;border-radius:8px;padding:8px 14px;min-width:110px}
.tile b{display:block;font-size:24px;line-height:1.1}
.tile.critical b{color:#ff6b7a}.tile.warning b{color:#ffb347}.tile.info b{color:#7dbbf0}.tile.clean b{color:#8fd694}
.now{list-style:none;padding:0;margin:0}
.now li{background:#fff;border:1px solid var(--line);border-left:5px solid var(--crit);border-radius:6px;padding:6px 12px;margin:6px 0}
.now li.warning{border-left-color:var(--warn)}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:10px 0}
.alert{border-left:5px solid var(--crit)}
.alert.warning{border-left-color:var(--warn)}
.muted{color:var(--mute)}
.legend{display:flex;gap:14px;flex-wrap:wrap;align-items:center;margin:6px 0 10px;color:var(--mute)}
.legend span{display:inline-flex;align-items:center;gap:5px}
.sw{width:14px;height:14px;border-radius:3px;display:inline-block}
.scroll{overflow:auto;background:#fff;border:1px solid var(--line);border-radius:8px}
.scroll.tall{max-height:85vh}
table.matrix{border-collapse:separate;border-spacing:0}
.matrix th,.matrix td{border-bottom:1px solid #f0f2f5;padding:0}
.matrix thead th{position:sticky;top:0;background:#fff;z-index:2;vertical-align:bottom;border-bottom:1px solid var(--line)}
.matrix thead th.rule{height:170px;width:26px;min-width:26px}
.matrix thead th.rule div{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:500;font-size:12px;padding:6px 0;margin:0 auto}
.matrix th.host{position:sticky;left:0;background:#fff;z-index:1;text-align:left;padding:2px 12px 2px 10px;font-weight:500;white-space:nowrap}
.matrix thead th.host{z-index:3}
.matrix .meta{padding:2px 10px;white-space:nowrap;color:var(--mute);font-size:12px;text-align:left;font-weight:400}
.matrix thead th.host,.matrix thead th.meta{font-size:12px;color:var(--mute);font-weight:600;padding-bottom:6px}
.matrix td.c{width:26px;height:22px;text-align:center}
.c i{display:block;width:20px;height:18px;margin:2px auto;border-radius:3px;font-style:normal;font-size:11px;line-height:18px;color:#fff;font-weight:700}
.c.critical i{background:var(--crit)}.c.warning i{background:var(--warn)}.c.info i{background:var(--info)}
.c.pass i{background:var(--pass)}
.c.na i{background:repeating-linear-gradient(45deg,var(--na),var(--na) 3px,#fafafa 3px,#fafafa 6px)}
.matrix tbody tr:hover th,.matrix tbody tr:hover td{background:#eef4fb}
.sw.critical{background:var(--crit)}.sw.warning{background:var(--warn)}.sw.info{background:var(--info)}.sw.pass{background:var(--pass)}
.sw.na{background:repeating-linear-gradient(45deg,var(--na),var(--na) 3px,#fafafa 3px,#fafafa 6px);border:1px solid #ddd}
.count{font-variant-numeric:tabular-nums}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;color:#fff;margin-right:6px}
.badge.critical{background:var(--crit)}.badge.warning{background:var(--warn)}.badge.info{background:var(--info)}
details.rule{background:#fff;border:1px solid var(--line);border-radius:8px;margin:8px 0;padding:8px 14px}
details.rule summary{cursor:pointer}
details.rule ul{margin:6px 0 4px;padding-left:20px}
code{font:12px/1.4 ui-monospace,"DejaVu Sans Mono",monospace;background:#f0f2f5;padding:1px 4px;border-radius:3px;word-break:break-all}
.dist{display:grid;grid-template-columns:minmax(220px,320px) 1fr;gap:6px 16px;align-items:center;background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px}
.dist .k{font:12px ui-monospace,"DejaVu Sans Mono",monospace;word-break:break-all}
.bar{display:flex;height:22px;border-radius:4px;overflow:hidden;background:#eef0f3}
.bar span{display:block;height:100%;min-width:3px;border-right:1px solid #fff;color:#fff;font-size:11px;line-height:22px;padding:0 4px;overflow:hidden;white-space:nowrap}
.bar span.v0{background:#5b7fa6}.bar span.v1{background:#8aa8c8}.bar span.v2{background:#a9bfd7}.bar span.v3{background:#c3d2e3;color:#1d2430}
.bar span.odd{background:var(--warn)}
.dist .note{grid-column:2;font-size:12px;color:var(--mute);margin:-3px 0 6px}
.dist .note b{color:var(--ink);font-weight:600}
input[type=search]{padding:5px 9px;border:1px solid var(--line);border-radius:6px;min-width:240px;font:inherit}
button{font:inherit;padding:4px 10px;border:1px solid var(--line);border-radius:6px;background:#fff;cursor:pointer}
footer{color:var(--mute);font-size:12px;margin-top:30px}
`;

// Filter rows by host, profile or kernel; sort by worst finding or by name. Nothing else.
const SCRIPT = `
(function () {
  var table = document.getElementById('matrix');
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById('filter');
  var shown = document.getElementById('shown');
  function apply() {
    var q = filter.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (r) {
      var hit = !q || r.getAttribute('data-search').indexOf(q) !== -1;
      r.hidden = !hit;
      if (hit) n++;
    });
    shown.textContent = n + ' of ' + rows.length + ' hosts';
  }
  filter.addEventListener('input', apply);
  document.getElementById('sort').addEventListener('click', function (e) {
    var byName = e.target.getAttribute('data-by') !== 'name';
    rows.sort(function (a, b) {
      return byName
        ? Number(a.getAttribute('data-name-order')) - Number(b.getAttribute('data-name-order'))
        : Number(a.getAttribute('data-order')) - Number(b.getAttribute('data-order'));
    });
    rows.forEach(function (r) { body.appendChild(r); });
    e.target.setAttribute('data-by', byName ? 'name' : 'worst');
    e.target.textContent = byName ? 'Sort by worst finding' : 'Sort by name';
  });
  apply();
})();
`;

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 } as const;

function matrix(r: FleetReport): string {
  // Worst hosts first, so the eye lands on them; the button re-sorts by name.
  const order = [...r.hosts].sort(
    (a, b) =>
      (a.worst === null ? 3 : SEVERITY_ORDER[a.worst]) - (b.worst === null ? 3 : SEVERITY_ORDER[b.worst]) ||
      b.summary.critical - a.summary.critical ||
      b.summary.warning - a.summary.warning ||
      b.summary.info - a.summary.info ||
      0,
  );
  const nameOrder = new Map(r.hosts.map((h, i) => [h.name, i]));
  const detail = new Map<string, string>();
  for (const rule of r.rules) {
    for (const g of rule.groups) {
      for (const h of g.hosts) {
        const what = g.key === null ? g.message : `${g.key} ${h.current ?? '—'}${g.recommended !== null ? ` → ${g.recommended}` : ''}`;
        if (!detail.has(`${rule.id}\0${h.host}`)) detail.set(`${rule.id}\0${h.host}`, what);
      }
    }
  }
  const head =
    '<tr><th class="host">host</th><th class="meta">profile</th><th class="meta">kernel</th>' +
    r.rules.map((rule) => `<th class="rule" title="${esc(`${rule.id}: ${rule.summary}`)}"><div>${esc(rule.id)}</div></th>`).join('') +
    '</tr>';
  const body = order
    .map((h, i) => {
      const search = `${h.name} ${h.profiles.join(',')} ${h.kernel}`.toLowerCase();
      const cells = r.rules
        .map((rule) => {
          const cell = h.cells[rule.id] ?? 'n/a';
          const why = detail.get(`${rule.id}\0${h.name}`);
          const title = `${h.name} · ${rule.id}: ${CELL_LABEL[cell]}${why ? ` — ${why}` : ''}`;
          return `<td class="c ${cell === 'n/a' ? 'na' : cell}" title="${esc(title)}"><i>${CELL_MARK[cell]}</i></td>`;
        })
        .join('');
      return (
        `<tr data-order="${i}" data-name-order="${nameOrder.get(h.name)}" data-search="${esc(search)}">` +
        `<th class="host">${esc(h.name)}</th><td class="meta">${esc(h.profiles.join(', ') || '—')}</td><td class="meta">${esc(h.kernel)}</td>${cells}</tr>`
      );
    })
    .join('\n');
  const legend = (['critical', 'warning', 'info', 'pass', 'n/a'] as Cell[])
    .map((c) => `<span><i class="sw ${c === 'n/a' ? 'na' : c}"></i>${CELL_LABEL[c]}</span>`)
    .join('');
  return (
    `<section id="hosts"><h2>Hosts × rules</h2>` +
    `<div class="legend">${legend}<input type="search" id="filter" placeholder="filter by host, profile, kernel" aria-label="filter hosts">` +
    `<button id="sort" type="button" data-by="worst">Sort by name</button><span id="shown" class="count"></span></div>` +
    `<div class="scroll${r.hostCount > 60 ? ' tall' : ''}"><table class="matrix" id="matrix"><thead>${head}</thead><tbody>\n${body}\n</tbody></table></div></section>`
  );
}

function now(r: FleetReport): string {
  const items: string[] = [];
  for (const h of r.now.closeWait) {
    const owners = h.owners.map((o) => `${esc(o.comm ?? '?')}[${o.pid}] ${o.count}`).join(', ');
    items.push(
      `<li class="${h.severity}" title="${esc(h.message)}"><span class="badge ${h.severity}">${h.severity}</span><b>${esc(h.host)}</b>: ` +
        `CLOSE_WAIT leak, <span class="count">${h.count}</span> sockets${owners ? ` held by ${owners}` : ''}</li>`,
    );
  }
  for (const h of r.now.portPressure) {
    items.push(
      `<li class="${h.severity}" title="${esc(h.message)}"><span class="badge ${h.severity}">${h.severity}</span><b>${esc(h.host)}</b>: ` +
        `ephemeral-port pressure, <span class="count">${h.timeWait ?? '?'}</span> TIME_WAIT towards <code>${esc(h.peer ?? '?')}</code></li>`,
    );
  }
  const parts = [items.length ? `<ul class="now">${items.join('\n')}</ul>` : '<p class="muted">No host has a CLOSE_WAIT leak or ephemeral-port pressure in its snapshot.</p>'];
  if (r.now.socketsUnknown.length) parts.push(`<p class="muted">Socket table not read on: ${hosts(r.now.socketsUnknown)}</p>`);
  return `<section id="now"><h2>Happening now</h2>${parts.join('\n')}</section>`;
}

function rules(r: FleetReport): string {
  const failing = r.rules.filter((x) => x.failing > 0);
  const parts = failing.map((rule) => {
    const groups = rule.groups
      .map((g) => {
        const what =
          g.key === null
            ? esc(g.message)
            : `<code>${esc(g.key)}</code> now ${esc([...new Set(g.hosts.map((h) => h.current ?? '—'))].slice(0, 4).join(' / '))}` +
              (g.recommended !== null ? ` → <code>${esc(g.recommended)}</code>` : '');
        return `<li><span class="badge ${g.severity}">${g.severity}</span>${what} — <b>${plural(g.hosts.length, 'host')}</b>: ${hosts(g.hosts.map((h) => h.host))}</li>`;
      })
      .join('');
    return (
      `<details class="rule" open><summary><span class="badge ${rule.worst}">${rule.worst}</span><b>${esc(rule.id)}</b> — ` +
      `fails on ${rule.failing} of ${r.hostCount}${rule.notApplicable ? `, not applicable on ${rule.notApplicable}` : ''}. ` +
      `<span class="muted">${esc(rule.summary)}</span></summary><ul>${groups}</ul></details>`
    );
  });
  const clean = r.rules.filter((x) => x.failing === 0).map((x) => esc(x.id));
  if (!failing.length) parts.push('<p class="muted">No host fails any rule.</p>');
  if (clean.length) parts.push(`<p class="muted">No host fails: ${clean.join(', ')}</p>`);
  return `<section id="rules"><h2>Rules: which hosts fail them</h2>${parts.join('\n')}</section>`;
}

function profiles(r: FleetReport): string {
  if (!r.profileGroups.length) {
    return '<section id="profiles"><h2>Hosts of the same profile that disagree</h2><p class="muted">No snapshot names its profiles (take them with <code>knobs facts --json --profile P</code>, or pass <code>--profile</code>).</p></section>';
  }
  const parts = r.profileGroups.map((g) => {
    const head = `<b>${esc(g.profiles.join(', '))}</b> — ${plural(g.hosts.length, 'host')}: ${hosts(g.hosts)}`;
    if (!g.disagreements.length) return `<div class="card">${head}<div class="muted">All agree on every key the profile sets or a boot file sets.</div></div>`;
    const rows = g.disagreements
      .map((d) => `<li><code>${esc(d.key)}</code>: ${d.values.map((v) => `<code>${esc(v.value)}</code> on ${hosts(v.hosts)}`).join('; ')}</li>`)
      .join('');
    return `<div class="card alert warning">${head}<ul>${rows}</ul></div>`;
  });
  return `<section id="profiles"><h2>Hosts of the same profile that disagree</h2>${parts.join('\n')}</section>`;
}

function bar(k: KeyDistribution): string {
  const odd = new Set(k.oddOnesOut.map((o) => o.value));
  return (
    '<div class="bar">' +
    k.values
      .map((v, i) => {
        const pct = (v.count / k.hosts) * 100;
        const cls = odd.has(v.value) ? 'odd' : `v${Math.min(i, 3)}`;
        return `<span class="${cls}" style="width:${pct.toFixed(3)}%" title="${esc(`${v.value}: ${v.count} of ${k.hosts} hosts`)}">${pct >= 12 ? esc(v.value) : ''}</span>`;
      })
      .join('') +
    '</div>'
  );
}

function keys(r: FleetReport): string {
  const differing = r.keys.filter((k) => k.values.length > 1);
  const tuned = differing.filter((k) => !k.computedAtBoot);
  const computed = differing.filter((k) => k.computedAtBoot);
  const block = (list: KeyDistribution[]) =>
    '<div class="dist">' +
    list
      .map((k) => {
        const dist = k.values.slice(0, 6).map((v) => `<b>${esc(v.value)}</b> ×${v.count}`).join(', ') + (k.values.length > 6 ? `, ${k.values.length - 6} more` : '');
        const odd = k.oddOnesOut.length
          ? `<br>odd ones out: ${k.oddOnesOut.slice(0, 8).map((o) => `<b>${esc(o.value)}</b> on ${hosts(o.hosts)}`).join('; ')}`
          : '';
        return `<div class="k">${esc(k.key)}</div>${bar(k)}<div class="note">${dist}${odd}</div>`;
      })
      .join('') +
    '</div>';
  const parts: string[] = [];
  parts.push(tuned.length ? block(tuned) : '<p class="muted">Every key that is not computed at boot has the same value on every host.</p>');
  if (computed.length) {
    parts.push(`<details><summary class="muted">${plural(computed.length, 'key')} computed at boot from RAM or CPUs (differences expected)</summary>${block(computed)}</details>`);
  }
  const same = r.keys.filter((k) => k.values.length === 1);
  if (same.length) {
    parts.push(
      `<details><summary class="muted">${plural(same.length, 'key')} with one value on every host</summary><p>` +
        same.map((k) => `<code>${esc(k.key)}</code> = ${esc(k.values[0]!.value)}`).join(', ') +
        '</p></details>',
    );
  }
  return `<section id="keys"><h2>Keys: live values across the fleet</h2><div class="legend"><span><i class="sw" style="background:#5b7fa6"></i>most common</span><span><i class="sw" style="background:var(--warn)"></i>odd ones out</span></div>${parts.join('\n')}</section>`;
}

export function renderReportHtml(r: FleetReport, notes: readonly string[]): string {
  const scriptHash = createHash('sha256').update(SCRIPT).digest('base64');
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const kernels = r.kernels.map((k) => `${esc(k.version)} (${k.hosts})`).join(', ');
  const tile = (cls: string, n: number, label: string) => `<div class="tile ${cls}"><b>${n}</b>${label}</div>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>knobs fleet report — ${plural(r.hostCount, 'host')}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>knobs fleet report</h1><p>${plural(r.hostCount, 'host')} · kernels ${kernels}</p>
<div class="tiles">${tile('critical', r.worst.critical, 'hosts with a critical finding')}${tile('warning', r.worst.warning, 'worst is a warning')}${tile('info', r.worst.info, 'worst is info')}${tile('clean', r.worst.clean, 'clean')}</div>
</header>
<main>
${notes.length ? `<div class="card">${notes.map((n) => `<div class="muted">note: ${esc(n)}</div>`).join('')}</div>` : ''}
${now(r)}
${matrix(r)}
${rules(r)}
${profiles(r)}
${keys(r)}
<footer>Made by <code>knobs report</code> from <code>knobs facts --json</code> snapshots. Self-contained: nothing on this page is fetched from the network.</footer>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
