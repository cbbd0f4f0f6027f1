// `datadog-oauth-wasm/postgres`: the PostgreSQL connection store. Needs `pg` (node-postgres), an optional peer
// dependency; no wasm here, so importing it costs nothing beyond pg.
export { postgresStore, postgresSchema } from "./store/postgres.js";
