// Reading a body stream with a byte cap: the one loop behind the transport's response bodies and the routes' form
// bodies. Past the cap the stream is cancelled (the peer stops sending) and `tooLarge()` is thrown.

// One decoder for every body: `decode` without `stream` keeps no state between calls, and making a TextDecoder per
// response was a measurable part of a small answer's cost.
const utf8 = new TextDecoder();

/** The stream's bytes as UTF-8 text, or `tooLarge()` thrown as soon as more than `cap` bytes arrived. */
export async function readTextCapped(stream, cap, tooLarge) {
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > cap) {
      chunks.length = 0;
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  if (chunks.length === 0) return "";
  if (chunks.length === 1) return utf8.decode(chunks[0]);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.byteLength;
  }
  return utf8.decode(all);
}
