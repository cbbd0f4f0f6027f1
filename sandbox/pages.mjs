// HTML pages of the emulated Datadog web app: the integration tile, the OAuth consent
// page and Datadog-style error pages. Templates only; all values are escaped here.

export function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const CSS = `
  body { font-family: system-ui, sans-serif; background: #f6f4fa; color: #222; margin: 0; }
  header { background: #632ca6; color: #fff; padding: 12px 24px; font-weight: 600; }
  header small { font-weight: 400; opacity: .8; margin-left: 8px; }
  main { max-width: 560px; margin: 32px auto; background: #fff; border-radius: 8px; padding: 24px 32px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }
  h1 { font-size: 1.3rem; margin-top: 0; }
  ul { padding-left: 20px; } code { background: #eee; padding: 1px 4px; border-radius: 3px; }
  label { display: block; margin: 16px 0 4px; font-weight: 600; }
  select { width: 100%; padding: 6px; }
  .actions { margin-top: 24px; display: flex; gap: 12px; }
  button, a.button { font: inherit; padding: 8px 18px; border-radius: 4px; border: 1px solid #632ca6; cursor: pointer; text-decoration: none; display: inline-block; }
  #authorize, #connect { background: #632ca6; color: #fff; }
  #deny { background: #fff; color: #632ca6; }
  .error { color: #b00020; font-family: monospace; }
  .muted { color: #666; font-size: .9rem; }
`;

function layout(title, siteLabel, body) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body><header>Datadog sandbox<small>${esc(siteLabel)}</small></header>
<main>
${body}
</main></body></html>
`;
}

// Error page shown instead of redirecting (bad client_id / redirect_uri).
export function errorPage(site, message) {
  return layout('Authorization error', `${site.name} · ${site.site}`, `<h1>Authorization error</h1>
<p class="error" id="error">${esc(message)}</p>
<p class="muted">The application could not be authorized. Check the client ID and redirect URI registered for the OAuth client.</p>`);
}

export function consentPage({ site, client, scopes, orgs, selectedOrgId, params }) {
  const hidden = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n');
  const options = orgs
    .map((o) => `<option value="${esc(o.id)}"${o.id === selectedOrgId ? ' selected' : ''}>${esc(o.name)} (${esc(o.id)})</option>`)
    .join('\n');
  const scopeList = scopes.length
    ? `<ul id="scopes">${scopes.map((s) => `<li><code>${esc(s)}</code></li>`).join('')}</ul>`
    : '<p id="scopes" class="muted">No scopes requested.</p>';
  return layout(`Authorize ${client.name}`, `${site.name} · ${site.site}`, `<h1><span id="client-name">${esc(client.name)}</span> would like to access your Datadog organization</h1>
<p>The application is requesting these permissions:</p>
${scopeList}
<form method="post" action="/oauth2/v1/authorize">
${hidden}
<label for="org">Organization</label>
<select name="org" id="org">
${options}
</select>
<div class="actions">
<button id="authorize" type="submit" name="decision" value="authorize">Authorize</button>
<button id="deny" type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`);
}

export function tilePage({ site, client, org, connectUrl }) {
  const action = connectUrl
    ? `<p>Connect your ${esc(client.name)} account to send data to this organization.</p>
<p><a id="connect" class="button" href="${esc(connectUrl)}">Connect Accounts</a></p>`
    : `<p id="no-onboarding" class="muted">This integration has no onboarding URL configured, so it cannot be connected from the tile yet.
Set one with <code>PUT /_sandbox/clients/${esc(client.clientId)}</code>.</p>`;
  return layout(`${client.name} integration`, `${site.name} · ${site.site}`, `<h1>${esc(client.name)} integration</h1>
<p class="muted">Organization: <strong id="org-name">${esc(org.name)}</strong> (<span id="org-id">${esc(org.id)}</span>) on ${esc(site.name)}</p>
${action}`);
}

export function simplePage(site, title, message) {
  return layout(title, site ? `${site.name} · ${site.site}` : 'control', `<h1>${esc(title)}</h1><p>${esc(message)}</p>`);
}

// Control-server landing page: links to every org's tile.
export function indexPage(doc) {
  const rows = doc.orgs
    .map((o) => `<li><a href="${esc(o.tileUrl)}">${esc(o.name)}</a> <span class="muted">${esc(o.site)}</span></li>`)
    .join('\n');
  return layout('Datadog sandbox', 'control', `<h1>Datadog sandbox</h1>
<p>Integration tiles:</p><ul>${rows}</ul>
<p class="muted">Machine-readable: <a href="/.well-known/datadog-sandbox.json">/.well-known/datadog-sandbox.json</a></p>`);
}
