// HTML of the demo partner's pages (home with the site picker, tile onboarding, connected view, errors).
// Templates only: every value is escaped here, and nothing inline runs (the CSP forbids it).

export function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

const LOGO = `<svg class="logo-mark" viewBox="0 0 32 32" aria-hidden="true"><rect width="32" height="32" rx="8" fill="#0f766e"/><path d="M6 20c4 0 4-8 8-8s4 8 8 8 4-8 6-8" fill="none" stroke="#fff" stroke-width="2.6" stroke-linecap="round"/></svg>`;
const DD_MARK = `<svg class="dd-mark" viewBox="0 0 40 40" aria-hidden="true"><rect width="40" height="40" rx="10" fill="#632ca6"/><path d="M11 27V13h6.5c4.4 0 7.5 2.8 7.5 7s-3.1 7-7.5 7zm3.4-3h2.9c2.5 0 4.2-1.6 4.2-4s-1.7-4-4.2-4h-2.9z" fill="#fff"/><circle cx="29" cy="25.5" r="2" fill="#fff"/></svg>`;

function layout({ title, ctx = {}, body, scripts = true }) {
  const sandbox = ctx.sandboxUrl
    ? `<p>Talking to the local Datadog sandbox at <a href="${esc(ctx.sandboxUrl)}/">${esc(ctx.sandboxUrl)}</a>. No data leaves this machine.</p>`
    : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Pipewave</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/assets/style.css">
${scripts ? '<script type="module" src="/assets/app.js"></script>' : ""}
</head>
<body>
<header class="topbar">
  <a class="brand" href="/">${LOGO}<span>Pipewave</span></a>
  <nav aria-label="Main">
    <a href="/">Pipelines</a>
    <a href="/" aria-current="page">Integrations</a>
    <a href="/">Settings</a>
  </nav>
  ${ctx.user ? `<form class="user" method="post" action="/logout" title="Signed in to Pipewave"><span class="avatar" aria-hidden="true">${esc(initials(ctx.user))}</span><span class="user-name" id="user-name">${esc(ctx.user)}</span> <button class="btn link small" id="sign-out" type="submit">Sign out</button></form>` : ""}
</header>
<main class="page">
<p class="crumbs"><a href="/">Integrations</a> <span aria-hidden="true">/</span> Datadog</p>
<div class="page-title">${DD_MARK}<div><h1>Datadog</h1><p class="lede">Send Pipewave pipeline metrics, logs, events and service checks to your Datadog organization.</p></div></div>
${body}
</main>
<footer class="footer">
  <p>Pipewave is a demo partner of the <code>datadog-oauth-wasm</code> package. The OAuth client secret, tokens and API keys stay on the Pipewave server.</p>
  ${sandbox}
</footer>
</body>
</html>
`;
}

function initials(user) {
  return String(user).replace(/@.*/, "").slice(0, 2).toUpperCase();
}

/** Pipewave's own sign-in (a demo: any email address is an account). `next` is a same-origin path. */
export function loginPage(ctx, { next, error }) {
  return layout({
    title: "Sign in",
    ctx,
    scripts: false,
    body: `<section class="card narrow" aria-labelledby="login-title">
  <h2 id="login-title">Sign in to Pipewave</h2>
  ${error ? `<div class="banner error" role="alert">${esc(error)}</div>` : ""}
  <form id="login-form" method="post" action="/login">
    <input type="hidden" name="next" value="${esc(next)}">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" autocomplete="username" value="demo@pipewave.example" required>
    <p class="muted small">A demo: any address is an account. Each Pipewave user has their own Datadog connections.</p>
    <div class="actions"><button id="sign-in" class="btn primary" type="submit">Sign in</button></div>
  </form>
</section>`,
  });
}

function tileList(ctx) {
  if (!ctx.tiles || ctx.tiles.length === 0) return "";
  const items = ctx.tiles
    .map((t) => `<li><a class="tile-link" href="${esc(t.tileUrl)}" data-site="${esc(t.site)}"><span class="site-badge">${esc(t.siteName || t.site)}</span>${esc(t.name)}</a></li>`)
    .join("\n");
  return `<section class="card side" aria-labelledby="tile-title">
  <h2 id="tile-title">Start from Datadog <span class="pill">Recommended</span></h2>
  <p>Datadog recommends connecting from the Pipewave tile inside your organization: Datadog then tells us your site, so there is nothing to pick.</p>
  <p class="muted">Integration tiles in the sandbox's organizations:</p>
  <ul class="tiles" id="tiles">
${items}
  </ul>
</section>`;
}

export function homePage(ctx, { notice } = {}) {
  return layout({
    title: "Connect Datadog",
    ctx,
    body: `${notice ? `<div class="banner info" role="status">${esc(notice)}</div>` : ""}
<div class="grid">
<section class="card" aria-labelledby="connect-title">
  <h2 id="connect-title">Connect your Datadog account</h2>
  <p>Pick the Datadog site your organization lives on. You will be asked to authorize Pipewave in Datadog, then come back here.</p>
  <form id="connect-form" method="get" action="/datadog/onboarding">
    <label for="site-select">Datadog site</label>
    <select id="site-select" name="site" required disabled>
      <option value="">Loading sites…</option>
    </select>
    <label for="site-input">Not sure? Paste the address you use to open Datadog</label>
    <input id="site-input" type="text" inputmode="url" autocomplete="off" spellcheck="false" placeholder="e.g. https://app.datadoghq.eu or EU1" disabled>
    <p id="site-feedback" class="feedback" aria-live="polite"></p>
    <div class="actions">
      <button id="connect" class="btn primary" type="submit" disabled>Connect Datadog</button>
    </div>
  </form>
  <form id="pick-form" method="get" action="/datadog/onboarding" class="pick">
    <button id="pick-on-datadog" class="btn link" type="submit">Let me pick my site on Datadog →</button>
    <p class="muted small">Opens Datadog's US1 sign-in, where you can choose your region.</p>
  </form>
</section>
${tileList(ctx)}
</div>`,
  });
}

export function onboardingPage(ctx, { site, continueUrl }) {
  const where = site
    ? `<p>Datadog sent you here from the Pipewave tile of an organization on <strong id="onboarding-site">${esc(site.name)}</strong> <span class="muted">(${esc(site.site)})</span>.</p>`
    : `<p id="onboarding-site">Datadog did not say which site you use; you can pick it on Datadog.</p>`;
  return layout({
    title: "Connect Datadog",
    ctx,
    scripts: false,
    body: `<section class="card narrow" aria-labelledby="onb-title">
  <h2 id="onb-title">Connect Pipewave to Datadog</h2>
  ${where}
  <div class="signed-in"><span class="avatar" aria-hidden="true">${esc(initials(ctx.user || ""))}</span><div><strong id="onboarding-user">${esc(ctx.user)}</strong><br><span class="muted small">Signed in to Pipewave</span></div></div>
  <p>Next, Datadog asks you to authorize Pipewave for your organization. Pipewave will then create an API key for the data it sends.</p>
  <div class="actions">
    <a id="continue" class="btn primary" href="${esc(continueUrl)}">Continue to Datadog</a>
    <a class="btn" href="/">Cancel</a>
  </div>
</section>`,
  });
}

const SEND_BUTTONS = [
  ["metric", "Send a metric", "pipewave.pipeline.duration gauge"],
  ["log", "Send a log", "A pipeline-finished log line"],
  ["event", "Send an event", "A deployment-succeeded event"],
  ["check", "Send a service check", "pipewave.runner.can_connect OK"],
];

export function connectedPage(ctx, view) {
  const scopes = view.scopes.length
    ? view.scopes.map((s) => `<li><code>${esc(s)}</code></li>`).join("")
    : '<li class="muted">none reported</li>';
  const keyText = view.apiKey === "reused"
    ? "Stored when you first connected this organization (Datadog shows a key once)"
    : view.apiKey === "created" ? "Created for this organization, stored on the Pipewave server" : "Missing";
  const sends = SEND_BUTTONS.map(([k, label, desc]) => `<div class="send" id="send-${k}">
    <div class="send-head">
      <button class="btn" type="button" data-send="${k}">${esc(label)}</button>
      <span class="muted small">${esc(desc)}</span>
    </div>
    <div class="result" id="result-${k}" aria-live="polite" hidden></div>
  </div>`).join("\n");
  return layout({
    title: "Datadog connected",
    ctx,
    body: `<div class="banner success" role="status" id="connected-banner">
  <strong>Datadog is connected.</strong> <span id="close-tab">You may now close this tab.</span>
</div>
<div class="grid connected">
<section class="card" id="connection" aria-labelledby="conn-title" data-site="${esc(view.site.id)}" data-org="${esc(view.org.id)}">
  <h2 id="conn-title">Connection</h2>
  <dl class="facts">
    <dt>Datadog site</dt><dd><span id="conn-site">${esc(view.site.name)}</span> <span class="muted">${esc(view.site.site)}</span></dd>
    <dt>Organization</dt><dd><span id="conn-org-name">${esc(view.org.name || "—")}</span><br><code class="small" id="conn-org-id">${esc(view.org.id || "—")}</code> <span class="muted small" id="conn-org-verified" data-verified="${view.org.verified ? "true" : "false"}">${view.org.verified ? "verified with Datadog" : "as the callback said (unverified)"}</span></dd>
    <dt>Scopes</dt><dd><ul class="chips" id="conn-scopes">${scopes}</ul></dd>
    <dt>Access token</dt><dd><span id="conn-expiry" data-expires="${esc(view.expiresAt || "")}">${view.expiresAt ? `expires ${esc(view.expiresAt)}` : "no expiry reported"}</span><br><span class="muted small">Refreshed automatically on the server</span></dd>
    <dt>API key</dt><dd id="conn-api-key" data-state="${esc(view.apiKey)}">${esc(keyText)}</dd>
  </dl>
  <form class="actions" method="post" action="/datadog/disconnect">
    <input type="hidden" name="csrf" value="${esc(view.csrf)}">
    <input type="hidden" name="returnTo" value="/?disconnected=1">
    <button id="disconnect" class="btn danger" type="submit">Disconnect</button>
    <a id="add-connection" class="btn" href="/?add=1">Connect another organization</a>
  </form>
</section>
<section class="card" aria-labelledby="send-title">
  <h2 id="send-title">Send test data</h2>
  <p class="muted">Each button sends one item to your organization with its API key${view.sandbox ? ", then shows what Datadog (the sandbox) received" : ""}.</p>
  <div class="sends">
${sends}
  </div>
</section>
</div>`,
  });
}

const ERROR_TITLES = {
  access_denied: "Authorization was denied",
  state_mismatch: "This sign-in link does not belong to this browser",
  site_mismatch: "Datadog answered from a different site",
  invalid_grant: "Datadog refused the authorization code",
  api_key_exists: "Datadog already has an API key for this organization",
  no_pending_authorization: "This sign-in link does not belong to this browser",
  session_mismatch: "This Datadog authorization was started by another user",
  authorization_used: "This authorization was already used",
  not_signed_in: "Sign in to Pipewave first",
  cross_site_request: "That request did not come from Pipewave",
  invalid_site: "That is not a Datadog site we know",
  authorization_expired: "The authorization took too long",
};

export function errorPage(ctx, info) {
  const title = ERROR_TITLES[info.code] || "Datadog could not be connected";
  const still = info.stillConnected
    ? `<p class="muted">Your existing connection to Datadog ${esc(info.stillConnected)} is unchanged.</p>`
    : "";
  return layout({
    title,
    ctx,
    scripts: false,
    body: `<section class="card narrow error-card" id="error" role="alert" aria-labelledby="err-title">
  <h2 id="err-title">${esc(title)}</h2>
  <p><span class="code-badge" id="error-code">${esc(info.code)}</span>${info.status ? ` <span class="muted small">HTTP ${esc(info.status)}</span>` : ""}</p>
  <p id="error-message">${esc(info.message)}</p>
  ${info.hint ? `<div class="hint"><strong>What to do</strong><p id="error-hint">${esc(info.hint)}</p></div>` : ""}
  ${still}
  <div class="actions"><a class="btn primary" id="try-again" href="/">Back to the Datadog integration</a></div>
</section>`,
  });
}

export function notFoundPage(ctx) {
  return layout({
    title: "Not found",
    ctx,
    scripts: false,
    body: `<section class="card narrow"><h2>Page not found</h2><p><a href="/">Back to the Datadog integration</a></p></section>`,
  });
}
