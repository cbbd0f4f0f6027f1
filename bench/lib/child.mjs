// Runs one table in its own process (fresh heap and JIT state per table) and hands the result to the runner.
import { render } from "./harness.mjs";

const file = process.argv[2];
const mod = await import(new URL(`../tables/${file}`, import.meta.url).href);
const r = await mod.run();
console.log(`\n${render(r)}\n`);
if (process.send) process.send({ result: r }, () => process.exit(0));
