// Only table 7's connection-store rows: `node --expose-gc bench/tools/store.mjs` (DATABASE_URL, or a throwaway
// PostgreSQL 15). `npm run bench` includes them in table 7.
import { markdownTable } from "../lib/harness.mjs";
import { storeTables } from "../lib/store.mjs";

const { tables } = await storeTables();
for (const t of tables) console.log(`${t.caption}\n\n${markdownTable(t.headers, t.rows)}\n`);
