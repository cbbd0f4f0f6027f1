// `datadog-oauth-wasm/postgres`: the PostgreSQL connection store. Needs `pg` (node-postgres), an optional peer
// dependency. The store's errors take their hints from the package's core (its own entry, imported, not copied).
export { postgresStore, postgresSchema } from "./store/postgres.js";
