// The user's part of the flow, played over HTTP as the sandbox's testkit does: open the authorize URL, submit the
// consent form with the selected org, and read where the browser is sent. Nothing is followed automatically.

const unescapeHtml = (s) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e]);

/** `{ location }` (the redirect the browser would follow) or `{ page: { status, message } }` (an error page). */
export async function consent(fetchFn, authorizeUrl) {
  const page = await fetchFn(authorizeUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status >= 300 && page.status < 400) return { location: page.headers.get('location') };
  if (page.status !== 200 || !html.includes('action="/oauth2/v1/authorize"')) return { page: { status: page.status, message: errorText(html) } };
  const form = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) form.set(unescapeHtml(m[1]), unescapeHtml(m[2]));
  const selected = /<option value="([^"]+)" selected>/.exec(html);
  form.set('org', selected ? unescapeHtml(selected[1]) : '');
  form.set('decision', 'authorize');
  const post = await fetchFn(new URL('/oauth2/v1/authorize', authorizeUrl).href, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString(), redirect: 'manual',
  });
  const after = await post.text();
  if (post.status >= 300 && post.status < 400) return { location: post.headers.get('location') };
  return { page: { status: post.status, message: errorText(after) } };
}

function errorText(html) {
  const m = /<p class="error" id="error">([^<]*)<\/p>/.exec(html) ?? /<h1>([^<]*)<\/h1>/.exec(html);
  return m ? unescapeHtml(m[1]).slice(0, 300) : '';
}
