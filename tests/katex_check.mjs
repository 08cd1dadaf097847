// Check LaTeX math with KaTeX, the renderer the Markdown output must satisfy.
//
// stdin:  a JSON array of {"tex": string, "displayMode": boolean} (a bare string means inline).
// stdout: a JSON array, one entry per input, in order: {"ok": true, "error": null} or
//         {"ok": false, "error": "<KaTeX's message>"}.
// Exit status 0 whenever every formula was checked, whatever the results; 2 on bad input;
// 3 when the katex package is not installed.
// Run from anywhere: node resolves "katex" from the node_modules beside package.json.
import { runChecks } from "./stdin_checks.mjs";
let katex;
try {
  katex = (await import("katex")).default;
} catch (error) {
  process.stderr.write(`katex_check: cannot load the katex package (${error.code ?? error.message})\n`);
  process.exit(3);
}

function check(item) {
  const formula = typeof item === "string" ? { tex: item, displayMode: false } : item;
  if (typeof formula?.tex !== "string") {
    throw new TypeError(`expected {"tex": string, "displayMode": boolean}, got ${JSON.stringify(item)}`);
  }
  try {
    katex.renderToString(formula.tex, {
      displayMode: Boolean(formula.displayMode),
      throwOnError: true,
      strict: "error",
    });
    return { ok: true, error: null };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

await runChecks("katex_check", check);
