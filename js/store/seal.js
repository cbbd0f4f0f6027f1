// Sealing secrets at rest: AES-256-GCM from node:crypto, a random 96-bit nonce per write, the connection id as
// associated data (a row copied onto another id does not open), and the key's id in the blob, so rows sealed with a
// previous key still open during a rotation and reencrypt() can find the ones to move.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { badInput, decryptionFailed } from "./errors.js";

const PREFIX = "v1";
const PLAIN = "plain:";

/** A key from 32 bytes: base64 (or base64url) text, a Buffer or a Uint8Array. */
export function parseKey(value, field) {
  let bytes = null;
  if (typeof value === "string") {
    const b = Buffer.from(value.trim().replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (b.length === 32) bytes = b;
  } else if (value instanceof Uint8Array && value.length === 32) {
    bytes = Buffer.from(value);
  }
  if (!bytes) {
    throw badInput(field, `\`${field}\` must be 32 random bytes, base64-encoded`, "Generate one with: node -e \"console.log(require('node:crypto').randomBytes(32).toString('base64'))\"");
  }
  // The key id names the key without revealing it: a hash of it, under a label of its own.
  const id = createHash("sha256").update("datadog-oauth-wasm key id\0").update(bytes).digest("hex").slice(0, 16);
  return { id, bytes };
}

const aad = (connectionId) => Buffer.from(`datadog-oauth-wasm connection\0${connectionId}`, "utf8");

/**
 * `keys`: the current key first, then previous ones (may be empty when `encryption: false`).
 * seal/open turn a JSON-able value into the stored text and back.
 */
export function sealer(keys, { encryption = true } = {}) {
  const byId = new Map(keys.map((k) => [k.id, k]));
  const current = keys[0] ?? null;
  return {
    currentKeyId: current ? current.id : null,
    /** Stored text for `value` under the connection `id`. */
    seal(id, value) {
      const text = JSON.stringify(value);
      if (!encryption) return PLAIN + text;
      const nonce = randomBytes(12);
      const c = createCipheriv("aes-256-gcm", current.bytes, nonce);
      c.setAAD(aad(id));
      const body = Buffer.concat([nonce, c.update(text, "utf8"), c.final(), c.getAuthTag()]);
      return `${PREFIX}:${current.id}:${body.toString("base64url")}`;
    },
    /** The value, or `decryption_failed` (unknown key, altered text, another connection's row). */
    open(id, stored, { allowPlain = !encryption } = {}) {
      if (typeof stored !== "string") throw decryptionFailed(id);
      if (stored.startsWith(PLAIN)) {
        if (!allowPlain) throw decryptionFailed(id);
        try {
          return JSON.parse(stored.slice(PLAIN.length));
        } catch {
          throw decryptionFailed(id);
        }
      }
      const [v, kid, b64] = stored.split(":");
      const key = byId.get(kid);
      if (v !== PREFIX || !key || !b64) throw decryptionFailed(id);
      try {
        const body = Buffer.from(b64, "base64url");
        if (body.length < 12 + 16) throw new Error("short");
        const d = createDecipheriv("aes-256-gcm", key.bytes, body.subarray(0, 12));
        d.setAAD(aad(id));
        d.setAuthTag(body.subarray(body.length - 16));
        return JSON.parse(Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]).toString("utf8"));
      } catch {
        throw decryptionFailed(id);
      }
    },
    /** True when `stored` is sealed with the current key (nothing for reencrypt() to do). */
    isCurrent(stored) {
      return encryption ? typeof stored === "string" && stored.startsWith(`${PREFIX}:${current.id}:`) : true;
    },
  };
}
