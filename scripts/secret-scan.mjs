#!/usr/bin/env node
// Secret hygiene for a whole test run: runs a command, passes its stdout/stderr through unchanged, and fails if
// any secret the tests used shows up in that output. The secrets come from the DD_SECRET_LOG file (the sandbox
// appends every client secret, code, verifier, token and API key it sees or issues; tests may append more), the
// fixed secrets of tests/vectors/*.json and the secret constants of the Rust tests. Secrets are only ever
// printed here as a short redacted prefix.
//
//   node scripts/secret-scan.mjs [--secrets FILE]... [--no-vectors] [--no-rust] [--root DIR] -- <command> [args...]
//
// Exit status: the command's own when it failed, else 1 when a secret leaked, else 0. When DD_SECRET_LOG is
// already set it is used (and kept), so several wrapped commands can share one log; otherwise a temporary file is
// made and removed afterwards.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { constants as osConstants, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Values shorter than this are too likely to occur by chance in ordinary output. */
export const MIN_SECRET = 8;

/** JSON fields (vectors) whose string values are secrets. */
export const SECRET_FIELDS = new Set([
  "clientSecret", "client_secret", "access_token", "refresh_token", "accessToken", "refreshToken", "apiKey", "api_key",
  "key", "codeVerifier", "code_verifier", "verifier", "applicationKey", "application_key", "dd-api-key", "dd-application-key",
]);

/** Rust `const NAME: &str = "…"` whose NAME says it holds a secret. */
const RUST_SECRET_NAME = /(SECRET|TOKEN|VERIFIER|ACCESS|REFRESH|API_KEY|APP_KEY|^KEY$|^CODE$|PASSWORD)/;

// ---------------------------------------------------------------------------------------------------------------
// Collecting secrets

/** Adds `value` (with its kind and where it came from) to `out` if it is long enough to be worth scanning for. */
function add(out, value, kind, source) {
  if (typeof value !== "string" || value.length < MIN_SECRET) return;
  if (!out.has(value)) out.set(value, { kind, source });
}

/** Secrets in one parsed vector document (recursing into JSON text, form bodies and credential headers). */
export function secretsInJson(doc, source, out = new Map(), depth = 0) {
  if (depth > 64 || doc === null || typeof doc !== "object") return out;
  if (Array.isArray(doc)) {
    for (const v of doc) secretsInJson(v, source, out, depth + 1);
    return out;
  }
  for (const [k, v] of Object.entries(doc)) {
    if (typeof v === "string") {
      // OTLP attributes are `{ key, value }`: there `key` is an attribute name, not an API key.
      if (SECRET_FIELDS.has(k) && !(k === "key" && "value" in doc)) add(out, v, k, source);
      if (k.toLowerCase() === "authorization") {
        const m = /^\s*(?:Bearer|Basic)\s+(\S+)\s*$/i.exec(v);
        if (m) add(out, m[1], "authorization", source);
      }
      secretsInText(v, source, out, depth + 1);
    } else if (v !== null && typeof v === "object") {
      secretsInJson(v, source, out, depth + 1);
    }
  }
  return out;
}

/** A string inside a vector may itself be JSON (a response body) or a form body (a token request). */
function secretsInText(text, source, out, depth) {
  const t = text.trim();
  if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
    try {
      secretsInJson(JSON.parse(t), source, out, depth + 1);
      return;
    } catch {
      // not JSON after all
    }
  }
  if (/^[\w.~%+-]+=[^&]*(&[\w.~%+-]+=[^&]*)+$/.test(t)) {
    for (const [k, v] of new URLSearchParams(t)) if (SECRET_FIELDS.has(k)) add(out, v, k, source);
  }
}

/** Fixed secrets of every tests/vectors/*.json file. */
export function vectorSecrets(root, out = new Map()) {
  const dir = join(root, "tests", "vectors");
  if (!existsSync(dir)) return out;
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
    const path = join(dir, f);
    let doc;
    try {
      doc = JSON.parse(readFileSync(path, "utf8"));
    } catch {
      continue; // another check reports broken vectors
    }
    secretsInJson(doc, relative(root, path), out);
  }
  return out;
}

function rustFiles(dir, acc = []) {
  if (!existsSync(dir)) return acc;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) rustFiles(p, acc);
    else if (e.name.endsWith(".rs")) acc.push(p);
  }
  return acc;
}

/** Secret constants in the Rust sources and tests (`const CLIENT_SECRET: &str = "…";`). */
export function rustSecrets(root, out = new Map()) {
  const re = /\bconst\s+([A-Z][A-Z0-9_]*)\s*:\s*&(?:'static\s+)?str\s*=\s*"((?:[^"\\]|\\.)*)"/g;
  for (const path of [...rustFiles(join(root, "src")), ...rustFiles(join(root, "tests")), ...rustFiles(join(root, "fuzz"))]) {
    const text = readFileSync(path, "utf8");
    for (const m of text.matchAll(re)) {
      if (!RUST_SECRET_NAME.test(m[1]) || m[2].includes("\\")) continue;
      add(out, m[2], m[1].toLowerCase(), relative(root, path));
    }
  }
  return out;
}

/**
 * Secrets in a log file: one per line, as JSON `{"kind","value"}`, a JSON string, or plain text. A torn last line
 * (a writer still appending) is read as far as it goes.
 */
export function logSecrets(path, out = new Map(), source = path) {
  if (!path || !existsSync(path)) return out;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    let v = line;
    let kind = "logged";
    try {
      const j = JSON.parse(line);
      if (typeof j === "string") v = j;
      else if (j && typeof j.value === "string") {
        v = j.value;
        if (typeof j.kind === "string") kind = j.kind;
      }
    } catch {
      // plain text line
    }
    add(out, v, kind, source);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Scanning

/** How a secret may look in output besides itself: URL/form-encoded or JSON-escaped. */
export function variants(secret) {
  const vs = new Set([secret]);
  try {
    vs.add(encodeURIComponent(secret));
  } catch {
    // lone surrogate: no encoded form
  }
  vs.add(new URLSearchParams({ x: secret }).toString().slice(2));
  vs.add(JSON.stringify(secret).slice(1, -1));
  return [...vs].filter((v) => v.length >= MIN_SECRET);
}

/** A prefix short enough to say which secret it was without giving it away. */
export function redact(secret) {
  const n = Math.max(1, Math.min(12, Math.floor(secret.length / 4)));
  return `${secret.slice(0, n)}… (${secret.length} chars)`;
}

/**
 * Every occurrence of a secret in `text`: `[{ secret, info, line, column }]`. One pass over the text: needles are
 * indexed by their first MIN_SECRET characters, so thousands of secrets cost no more than a few.
 */
export function findSecrets(text, secrets) {
  const index = new Map();
  for (const [secret, info] of secrets) {
    for (const v of variants(secret)) {
      const head = v.slice(0, MIN_SECRET);
      if (!index.has(head)) index.set(head, []);
      index.get(head).push({ needle: v, secret, info });
    }
  }
  const hits = [];
  if (index.size === 0) return hits;
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i + MIN_SECRET <= text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
      continue;
    }
    const cands = index.get(text.slice(i, i + MIN_SECRET));
    if (!cands) continue;
    for (const c of cands) {
      if (text.startsWith(c.needle, i)) hits.push({ secret: c.secret, info: c.info, line, column: i - lineStart + 1, offset: i });
    }
  }
  return hits;
}

/** `text` with every secret in it replaced by its kind and redacted prefix. */
export function redactText(text, secrets) {
  let out = text;
  const hits = findSecrets(text, secrets).sort((a, b) => b.offset - a.offset || b.secret.length - a.secret.length);
  let floor = Infinity; // hits are replaced right to left; one overlapping an earlier replacement is skipped
  for (const h of hits) {
    const len = variants(h.secret).filter((v) => text.startsWith(v, h.offset)).reduce((a, v) => Math.max(a, v.length), 0);
    if (h.offset + len > floor) continue;
    out = `${out.slice(0, h.offset)}«${h.info.kind}:${redact(h.secret)}»${out.slice(h.offset + len)}`;
    floor = h.offset;
  }
  return out;
}

/** The line of a hit with every secret on it redacted, cut to a readable length. */
function redactedLine(text, offset, secrets) {
  const start = text.lastIndexOf("\n", offset) + 1;
  let end = text.indexOf("\n", offset);
  if (end < 0) end = text.length;
  // Redact the whole line before cutting it, so no cut can leave part of a secret standing.
  const lineText = redactText(text.slice(start, end), secrets);
  if (lineText.length <= 240) return lineText;
  const at = Math.max(0, lineText.indexOf("«") - 80);
  return `${at > 0 ? "…" : ""}${lineText.slice(at, at + 240)}…`;
}

/** Scan captured streams (`{ stdout, stderr }` strings); returns the findings, ready to print. */
export function scan(streams, secrets) {
  const findings = [];
  for (const [name, text] of Object.entries(streams)) {
    for (const h of findSecrets(text, secrets)) {
      findings.push({ stream: name, line: h.line, column: h.column, kind: h.info.kind, source: h.info.source, prefix: redact(h.secret), excerpt: redactedLine(text, h.offset, secrets) });
    }
  }
  return findings;
}

/** Everything to scan for: the log file(s), the vectors, the Rust constants. */
export function collectSecrets({ root, logFiles = [], vectors = true, rust = true }) {
  const out = new Map();
  logFiles.forEach((f, i) => logSecrets(f, out, i === 0 ? "the run's DD_SECRET_LOG" : f));
  if (vectors) vectorSecrets(root, out);
  if (rust) rustSecrets(root, out);
  return out;
}

export function formatFindings(findings, { max = 50 } = {}) {
  const lines = [`secret-scan: ${findings.length} secret occurrence(s) in the output:`];
  for (const f of findings.slice(0, max)) {
    lines.push(`  ${f.stream}:${f.line}:${f.column}  ${f.kind} ${f.prefix}  (known from ${f.source})`);
    lines.push(`      ${f.excerpt}`);
  }
  if (findings.length > max) lines.push(`  … and ${findings.length - max} more`);
  return lines.join("\n");
}

// ---------------------------------------------------------------------------------------------------------------
// The wrapper

function parseArgs(argv) {
  const o = { secretFiles: [], vectors: true, rust: true, root: resolve(dirname(fileURLToPath(import.meta.url)), ".."), command: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      o.command = argv.slice(i + 1);
      break;
    }
    if (a === "--secrets") o.secretFiles.push(argv[++i]);
    else if (a === "--no-vectors") o.vectors = false;
    else if (a === "--no-rust") o.rust = false;
    else if (a === "--root") o.root = resolve(argv[++i]);
    else if (a === "-h" || a === "--help") {
      console.log("usage: node scripts/secret-scan.mjs [--secrets FILE]... [--no-vectors] [--no-rust] [--root DIR] -- <command> [args...]");
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (put the command after --)`);
  }
  if (!o.command || o.command.length === 0) throw new Error("no command: use -- <command> [args...]");
  return o;
}

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`secret-scan: ${err.message}`);
    process.exit(2);
  }
  let tmp = null;
  let log = process.env.DD_SECRET_LOG;
  if (!log) {
    tmp = mkdtempSync(join(tmpdir(), "dd-secret-scan-"));
    log = join(tmp, "secrets.jsonl");
    writeFileSync(log, "", { mode: 0o600 });
  }
  const chunks = { stdout: [], stderr: [] };
  const child = spawn(o.command[0], o.command.slice(1), { stdio: ["inherit", "pipe", "pipe"], env: { ...process.env, DD_SECRET_LOG: log } });
  child.stdout.on("data", (b) => {
    chunks.stdout.push(b);
    process.stdout.write(b);
  });
  child.stderr.on("data", (b) => {
    chunks.stderr.push(b);
    process.stderr.write(b);
  });
  const forward = (sig) => () => child.kill(sig);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, forward(sig));
  const [code, signal] = await new Promise((res) => {
    child.on("error", (err) => {
      console.error(`secret-scan: cannot run ${o.command[0]}: ${err.message}`);
      res([127, null]);
    });
    child.on("close", (c, s) => res([c, s]));
  });
  const secrets = collectSecrets({ root: o.root, logFiles: [log, ...o.secretFiles], vectors: o.vectors, rust: o.rust });
  const logged = logSecrets(log).size;
  if (tmp) rmSync(tmp, { recursive: true, force: true });
  const text = { stdout: Buffer.concat(chunks.stdout).toString("utf8"), stderr: Buffer.concat(chunks.stderr).toString("utf8") };
  const findings = scan(text, secrets);
  const bytes = text.stdout.length + text.stderr.length;
  let what = o.command.join(" ");
  if (what.length > 200) what = `${what.slice(0, 200)}…`;
  what = redactText(what, secrets);
  const childStatus = signal ? 128 + (osConstants.signals[signal] ?? 1) : code ?? 1;
  if (findings.length) {
    console.error(formatFindings(findings));
    console.error(`secret-scan: FAILED (${secrets.size} secrets, ${logged} from the run's log, checked against ${bytes} characters of output of: ${what})`);
    process.exit(childStatus !== 0 ? childStatus : 1);
  }
  console.error(`secret-scan: ok: none of ${secrets.size} secrets (${logged} logged by the run) in ${bytes} characters of output of: ${what}`);
  process.exit(childStatus);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
