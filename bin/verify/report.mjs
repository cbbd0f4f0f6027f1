// The verify report in three forms: JSON (everything), Markdown (summary, grid, scope and failure details) and a
// self-contained HTML page with a site × step grid to attach to Datadog's review. Built only from the report
// object, which holds codes, messages, hints, hosts and paths: never a token, key, code or secret.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const MARK = { pass: '✅ pass', fail: '❌ fail', skipped: '➖ skipped', not_checked: '⚪ not checked' };
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const cell = (s) => String(s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function markdown(r) {
  const out = [`# Datadog integration pre-review checklist: verify report`, '',
    `- Result: **${r.summary.passed ? 'PASS' : 'FAIL'}**, ${r.summary.text}`,
    `- Mode: ${r.mode}; client ID \`${r.clientId}\`; redirect URI ${r.redirectUri}`,
    `- Scopes: ${r.scopes.map((s) => `\`${s}\``).join(' ') || '(none)'}`,
    `- Scope table: ${r.scopeTable}`,
    `- Run: ${r.startedAt} to ${r.finishedAt}`, '',
    `| site | ${r.steps.join(' | ')} |`, `| --- | ${r.steps.map(() => '---').join(' | ')} |`];
  for (const s of r.sites) out.push(`| ${s.id} (${s.site}) | ${r.steps.map((st) => MARK[s.steps[st]?.status] ?? '').join(' | ')} |`);
  out.push('', '## Data flow per scope', '', '| site | scope | check | result | detail |', '| --- | --- | --- | --- | --- |');
  for (const s of r.sites) for (const sc of s.scopes) out.push(`| ${s.id} | \`${sc.scope}\` | ${cell(sc.what ?? '—')} | ${MARK[sc.status]} | ${cell(sc.detail)} |`);
  const fails = [];
  for (const s of r.sites) {
    for (const st of r.steps) {
      const x = s.steps[st];
      if (x && x.status === 'fail') fails.push(`- **${s.id} ${st}**: ${x.detail}${x.error?.hint ? `\n  - hint: ${x.error.hint}` : ''}`);
    }
  }
  if (fails.length) out.push('', '## Failures', '', ...fails);
  out.push('', '## Requests per site (cross-region evidence)', '');
  for (const s of r.sites) {
    const hosts = {};
    for (const q of s.requests) hosts[q.hostOf] = (hosts[q.hostOf] ?? 0) + 1;
    out.push(`- ${s.id}: ${s.requests.length} request(s): ${Object.entries(hosts).map(([h, n]) => `${h} ${n}`).join(', ')}`);
  }
  return out.join('\n') + '\n';
}

export function html(r) {
  const head = r.steps.map((s) => `<th>${esc(s)}</th>`).join('');
  const rows = r.sites.map((s) => `<tr><th>${esc(s.id)}<br><small>${esc(s.site)}</small></th>${r.steps.map((st) => {
    const x = s.steps[st];
    const status = x?.status ?? 'skipped';
    return `<td class="${esc(status)}" title="${esc(x?.detail)}${x?.error?.hint ? `&#10;hint: ${esc(x.error.hint)}` : ''}">${esc(MARK[status] ?? status)}</td>`;
  }).join('')}</tr>`).join('\n');
  const scopeRows = r.sites.flatMap((s) => s.scopes.map((sc) => `<tr><td>${esc(s.id)}</td><td><code>${esc(sc.scope)}</code></td><td>${esc(sc.what ?? '—')}</td><td class="${esc(sc.status)}">${esc(MARK[sc.status])}</td><td>${esc(sc.detail)}${sc.error?.hint ? `<br><small>hint: ${esc(sc.error.hint)}</small>` : ''}</td></tr>`)).join('\n');
  const fails = r.sites.flatMap((s) => r.steps.filter((st) => s.steps[st]?.status === 'fail').map((st) => `<li><b>${esc(s.id)} ${esc(st)}</b>: ${esc(s.steps[st].detail)}${s.steps[st].error?.hint ? `<br><small>hint: ${esc(s.steps[st].error.hint)}</small>` : ''}</li>`)).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Datadog verify report</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:75em}table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.35em .6em;text-align:left;vertical-align:top}
.pass{background:#e6f4ea}.fail{background:#fce8e6}.skipped,.not_checked{background:#f1f3f4}small{color:#555}</style></head>
<body><h1>Datadog integration pre-review checklist</h1>
<p id="result" class="${r.summary.passed ? 'pass' : 'fail'}"><b>${r.summary.passed ? 'PASS' : 'FAIL'}</b>: ${esc(r.summary.text)}</p>
<p>Mode: ${esc(r.mode)} · client ID <code>${esc(r.clientId)}</code> · redirect URI ${esc(r.redirectUri)} · ${esc(r.startedAt)}<br>
Scopes: ${r.scopes.map((s) => `<code>${esc(s)}</code>`).join(' ')}<br>Scope table: ${esc(r.scopeTable)}</p>
<h2>Site × step</h2>
<table id="grid"><tr><th>site</th>${head}</tr>
${rows}
</table>
<h2>Data flow per scope</h2>
<table id="scopes"><tr><th>site</th><th>scope</th><th>check</th><th>result</th><th>detail</th></tr>
${scopeRows}
</table>
${fails ? `<h2>Failures</h2><ul>${fails}</ul>` : ''}
</body></html>
`;
}

export function writeReports(dir, report) {
  const d = resolve(dir);
  mkdirSync(d, { recursive: true });
  const files = [['report.json', JSON.stringify(report, null, 2) + '\n'], ['report.md', markdown(report)], ['report.html', html(report)]];
  for (const [name, text] of files) writeFileSync(join(d, name), text);
  return files.map(([name]) => join(d, name));
}
