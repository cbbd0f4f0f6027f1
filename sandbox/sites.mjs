// The nine Datadog sites the sandbox emulates and the host kinds each one serves.
// Kept separate from the library's own site table on purpose: the emulator must not
// inherit a library bug.

export const SITES = [
  { id: 'us1', name: 'US1', site: 'datadoghq.com', orgSuffix: '000000000101' },
  { id: 'us3', name: 'US3', site: 'us3.datadoghq.com', orgSuffix: '000000000103' },
  { id: 'us5', name: 'US5', site: 'us5.datadoghq.com', orgSuffix: '000000000105' },
  { id: 'eu1', name: 'EU1', site: 'datadoghq.eu', orgSuffix: '0000000000e1' },
  { id: 'ap1', name: 'AP1', site: 'ap1.datadoghq.com', orgSuffix: '0000000000a1' },
  { id: 'ap2', name: 'AP2', site: 'ap2.datadoghq.com', orgSuffix: '0000000000a2' },
  { id: 'uk1', name: 'UK1', site: 'uk1.datadoghq.com', orgSuffix: '0000000000b1' },
  { id: 'us1-fed', name: 'US1-FED', site: 'ddog-gov.com', orgSuffix: '0000000000f1' },
  { id: 'us2-fed', name: 'US2-FED', site: 'us2.ddog-gov.com', orgSuffix: '0000000000f2' },
];

// Host kinds of one site, with the origin field name used in the well-known document.
export const HOST_KINDS = [
  { kind: 'app', field: 'appOrigin' },
  { kind: 'api', field: 'apiOrigin' },
  { kind: 'logs', field: 'logsOrigin' },
  { kind: 'events', field: 'eventIntakeOrigin' },
  { kind: 'otlp', field: 'otlpOrigin' },
];

export const SITE_IDS = SITES.map((s) => s.id);

export function siteById(id) {
  return SITES.find((s) => s.id === id) || null;
}

export function defaultOrgId(siteId) {
  const s = siteById(siteId);
  return `0b8a1c52-0000-4000-8000-${s.orgSuffix}`;
}
