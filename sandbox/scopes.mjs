// Which OAuth scope each bearer endpoint of the sandbox needs, as Datadog's scope list says
// (https://docs.datadoghq.com/api/latest/scopes/, docs/datadog-behaviour.md §3). A token without one of the
// listed scopes gets 403 {"errors":["Forbidden"]}, as Datadog answers. Own table on purpose: the sandbox shares
// no code with the library or its verify command.

import { bearerGrant, requireScope } from './auth.mjs';

// route name -> scopes of which the token needs one.
export const ROUTE_SCOPES = {
  api_key: ['api_keys_write'],
  events_list: ['events_read'],
  events_v2_list: ['events_read'],
  incidents: ['incident_write'],
  incidents_list: ['incident_read', 'incident_write'],
  incident_delete: ['incident_write'],
  metrics_list: ['metrics_read'],
  query: ['timeseries_query'],
  monitors_list: ['monitors_read', 'monitors_write'],
  monitor_create: ['monitors_write'],
  monitor_delete: ['monitors_write'],
  users_list: ['user_access_read'],
  teams_list: ['teams_read', 'teams_manage'],
};

// The bearer token's grant on this site, refused with 403 when it lacks the route's scope.
export function scopedGrant(ctx) {
  const grant = bearerGrant(ctx.state, ctx.req, ctx.site.id);
  const need = ROUTE_SCOPES[ctx.route];
  if (need) requireScope(grant, ...need);
  return grant;
}
