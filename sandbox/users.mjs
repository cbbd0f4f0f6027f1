// GET /api/v2/current_user: the user behind a bearer token, with the token's own org (Datadog's API reference:
// data.relationships.org, the org itself in included[]). What the library verifies the callback's dd_oid against.
// Setting `currentUser: "fail"` makes it answer 403, to test the unverified outcome.

import { bearerGrant } from './auth.mjs';
import { forbidden, sendJson } from './http.mjs';
import { createHash } from 'node:crypto';

// One stable user id per (org, client): the sandbox has no user accounts, only the org that consented.
function userId(grant) {
  const h = createHash('sha256').update(`${grant.orgId}\0${grant.clientId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export async function currentUser(ctx) {
  const { state, site, req, res } = ctx;
  const grant = bearerGrant(state, req, site.id);
  if (state.config.currentUser === 'fail') throw forbidden();
  const org = state.org(grant.orgId);
  const id = userId(grant);
  sendJson(res, 200, {
    data: {
      type: 'users',
      id,
      attributes: { name: 'Sandbox User', handle: 'user@sandbox.invalid', email: 'user@sandbox.invalid', status: 'Active' },
      relationships: { org: { data: { type: 'orgs', id: grant.orgId } } },
    },
    included: org ? [{ type: 'orgs', id: org.id, attributes: { name: org.name, public_id: org.id.slice(0, 12) } }] : [],
  });
}
