// Browser side of the demo: fills the site picker from the package's own site table (its browser build, served
// by the partner backend), reads what users paste as their Datadog address, and drives the data buttons.
// The OAuth exchange and every secret stay on the server.

const $ = (sel) => document.querySelector(sel);

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// ---- home: the site picker ---------------------------------------------------------------------------------
async function setUpPicker() {
  const select = $("#site-select");
  if (!select) return;
  const input = $("#site-input");
  const feedback = $("#site-feedback");
  const button = $("#connect");
  let dd;
  try {
    dd = await import("/pkg/auth.mjs");
  } catch (err) {
    feedback.textContent = `Could not load the Datadog site list (${err.message}).`;
    feedback.className = "feedback bad";
    return;
  }
  const all = dd.sites();
  select.replaceChildren(el("option", { value: "", text: "Choose your Datadog site…" }));
  for (const s of all) {
    const host = new URL(s.appOrigin).host;
    select.append(el("option", { value: s.id, text: `${s.name} — ${host}${s.location ? ` (${s.location})` : ""}` }));
  }
  select.disabled = false;
  input.disabled = false;
  const sync = () => { button.disabled = !select.value; };
  select.addEventListener("change", () => {
    sync();
    feedback.textContent = "";
    feedback.className = "feedback";
  });
  input.addEventListener("input", () => {
    const text = input.value.trim();
    if (!text) {
      feedback.textContent = "";
      feedback.className = "feedback";
      return;
    }
    try {
      const s = dd.resolveSite(text);
      select.value = s.id;
      feedback.textContent = `${s.name} · ${s.site}${s.vanity ? ` · sign-in at ${new URL(s.authorizeOrigin).host}` : ""}`;
      feedback.className = "feedback good";
    } catch (err) {
      select.value = "";
      feedback.replaceChildren(el("code", { text: err.code || "error" }), ` ${err.hint || err.message}`);
      feedback.className = "feedback bad";
    }
    sync();
  });
  sync();
  document.body.dataset.ready = "true";
}

// ---- connected: the data buttons ---------------------------------------------------------------------------
function describeReport(r) {
  const failed = r.failed.length;
  return `${r.sent} sent · ${r.accepted} accepted · ${failed} failed · ${r.batches} ${r.batches === 1 ? "request" : "requests"}`;
}

function renderError(box, error) {
  box.replaceChildren(
    el("p", { class: "result-line bad" }, el("code", { class: "code-badge", text: error.code }), ` ${error.message}`),
    error.hint ? el("p", { class: "hint small", text: error.hint }) : null,
  );
}

function renderResult(box, data) {
  const ok = data.report.failed.length === 0 && data.report.accepted > 0;
  const parts = [el("p", { class: `result-line ${ok ? "good" : "bad"}`, "data-role": "report" }, ok ? "✓ " : "✕ ", describeReport(data.report))];
  for (const f of data.report.failed) {
    parts.push(el("p", { class: "result-line bad" }, el("code", { class: "code-badge", text: f.code || "failed" }), ` ${f.message || ""}`));
    if (f.hint) parts.push(el("p", { class: "hint small", text: f.hint }));
  }
  if (data.received && data.received.available) {
    const n = data.received.count;
    parts.push(el("p", { class: "small muted", "data-role": "received-count" }, `Datadog (sandbox) has received ${n} ${n === 1 ? "item" : "items"} of this kind for your organization. Latest:`));
    const latest = data.received.items[0];
    if (latest) parts.push(el("pre", { class: "received", "data-kind": latest.kind, text: JSON.stringify(latest.item, null, 2) }));
  }
  box.replaceChildren(...parts);
}

function setUpSends() {
  for (const button of document.querySelectorAll("button[data-send]")) {
    button.addEventListener("click", async () => {
      const what = button.dataset.send;
      const box = $(`#result-${what}`);
      button.disabled = true;
      box.hidden = false;
      box.dataset.status = "pending";
      box.replaceChildren(el("p", { class: "small muted", text: "Sending…" }));
      try {
        const res = await fetch(`/api/send/${what}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        const data = await res.json();
        if (data.error) {
          renderError(box, data.error);
          box.dataset.status = "error";
        } else {
          renderResult(box, data);
          box.dataset.status = data.report.failed.length === 0 ? "ok" : "partial";
        }
      } catch (err) {
        renderError(box, { code: "network_error", message: err.message, hint: "Is the Pipewave server still running?" });
        box.dataset.status = "error";
      } finally {
        button.disabled = false;
      }
    });
  }
}

function relative(ms) {
  const min = Math.round(ms / 60000);
  if (min <= 0) return "now (refreshed on next use)";
  if (min < 60) return `in ${min} min`;
  const h = Math.floor(min / 60);
  return min % 60 ? `in ${h} h ${min % 60} min` : `in ${h} h`;
}

function setUpExpiry() {
  const span = $("#conn-expiry");
  if (!span || !span.dataset.expires) return;
  const at = new Date(span.dataset.expires);
  if (Number.isNaN(at.getTime())) return;
  const update = () => {
    span.textContent = `expires at ${at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}, ${relative(at.getTime() - Date.now())}`;
  };
  update();
  setInterval(update, 30000);
}

setUpSends();
setUpExpiry();
await setUpPicker();
document.body.dataset.ready = "true";
