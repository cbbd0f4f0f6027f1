// The routes' browser binding: values sealed with AES-256-GCM (a random 96-bit nonce each time, so a cookie's
// value changes at every step) under a key derived from the partner's cookieSecret with HKDF, plus an HMAC for
// form tokens. WebCrypto only, so it runs on Node 20+, Bun, Deno and workers alike.

const utf8 = new TextEncoder();
const SALT = utf8.encode("datadog-oauth-wasm/routes v1");

function b64url(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function unb64url(text) {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  try {
    const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

/** Seal/open JSON values and MAC texts with keys derived from `secret` (a string or bytes, 32+ bytes). */
export function sealer(secret) {
  const raw = typeof secret === "string" ? utf8.encode(secret) : new Uint8Array(secret);
  const keys = (async () => {
    const base = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
    const derive = (info, algorithm, usages) =>
      crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: SALT, info: utf8.encode(info) }, base, algorithm, false, usages);
    return {
      aes: await derive("cookie seal", { name: "AES-GCM", length: 256 }, ["encrypt", "decrypt"]),
      hmac: await derive("form token", { name: "HMAC", hash: "SHA-256", length: 256 }, ["sign", "verify"]),
    };
  })();
  return {
    /** `value` (JSON with an `exp` in ms) sealed for `purpose` (bound as additional data). */
    async seal(value, purpose) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: utf8.encode(purpose) }, (await keys).aes, utf8.encode(JSON.stringify(value))));
      const out = new Uint8Array(12 + ct.length);
      out.set(iv);
      out.set(ct, 12);
      return b64url(out);
    },
    /** The sealed value, or null when it was not sealed by us for `purpose`, is damaged, or expired at `now`. */
    async open(text, purpose, now) {
      const bytes = text.length <= 8192 ? unb64url(text) : null;
      if (!bytes || bytes.length < 12 + 16) return null;
      let plain;
      try {
        plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: utf8.encode(purpose) }, (await keys).aes, bytes.subarray(12));
      } catch {
        return null;
      }
      let value;
      try {
        value = JSON.parse(new TextDecoder().decode(plain));
      } catch {
        return null;
      }
      if (!value || typeof value !== "object" || typeof value.exp !== "number" || value.exp <= now) return null;
      return value;
    },
    /** Whether `token` is the HMAC of `text` (compared by WebCrypto, in constant time). */
    async verifyMac(text, token) {
      const sig = typeof token === "string" && token.length <= 100 ? unb64url(token) : null;
      if (!sig) return false;
      return crypto.subtle.verify("HMAC", (await keys).hmac, sig, utf8.encode(text));
    },
    /** HMAC-SHA-256 of `text`, base64url. */
    async mac(text) {
      return b64url(new Uint8Array(await crypto.subtle.sign("HMAC", (await keys).hmac, utf8.encode(text))));
    },
  };
}
