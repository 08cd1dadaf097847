// Check LaTeX math with MathJax 3 (npm mathjax-full, pinned by package-lock.json), the other
// renderer web pages use.
//
// stdin:  a JSON array of {"tex": string, "displayMode": boolean} (a bare string means inline).
// stdout: a JSON array, one entry per input, in order: {"ok": true, "error": null} or
//         {"ok": false, "error": "<MathJax's message>"}.
// Every TeX package is loaded except the ones that hide errors (noerrors, noundefined) or fetch
// more code (autoload, require): an undefined macro or a bad argument is an error here, where a
// page would show it in red.
// Exit status 0 whenever every formula was checked; 2 on bad input; 3 when mathjax-full is missing.
import { createRequire } from "node:module";
import { runChecks } from "./stdin_checks.mjs";

const require = createRequire(import.meta.url);
let mj;
try {
  mj = {
    mathjax: require("mathjax-full/js/mathjax.js").mathjax,
    TeX: require("mathjax-full/js/input/tex.js").TeX,
    STATE: require("mathjax-full/js/core/MathItem.js").STATE,
    SerializedMmlVisitor: require("mathjax-full/js/core/MmlTree/SerializedMmlVisitor.js")
      .SerializedMmlVisitor,
    liteAdaptor: require("mathjax-full/js/adaptors/liteAdaptor.js").liteAdaptor,
    RegisterHTMLHandler: require("mathjax-full/js/handlers/html.js").RegisterHTMLHandler,
    AllPackages: require("mathjax-full/js/input/tex/AllPackages.js").AllPackages,
  };
} catch (error) {
  process.stderr.write(`mathjax_check: cannot load mathjax-full (${error.code ?? error.message})\n`);
  process.exit(3);
}

// bussproofs needs an output jax (it measures boxes); derive never writes proof trees.
const HIDES_ERRORS = new Set(["noerrors", "noundefined", "autoload", "require", "bussproofs"]);
const adaptor = mj.liteAdaptor();
mj.RegisterHTMLHandler(adaptor);
const tex = new mj.TeX({
  packages: mj.AllPackages.filter((name) => !HIDES_ERRORS.has(name)),
  formatError: (jax, error) => {
    throw error;
  },
});
// TeX to MathML only (MathJax's "tex2mml"): the TeX input jax is where errors arise, and no
// output jax makes the check ten times faster.
const page = mj.mathjax.document("", { InputJax: tex });
const visitor = new mj.SerializedMmlVisitor();

function check(item) {
  const formula = typeof item === "string" ? { tex: item, displayMode: false } : item;
  if (typeof formula?.tex !== "string") {
    throw new TypeError(`expected {"tex": string, "displayMode": boolean}, got ${JSON.stringify(item)}`);
  }
  try {
    const mml = page.convert(formula.tex, {
      display: Boolean(formula.displayMode),
      end: mj.STATE.CONVERT,
    });
    const html = visitor.visitTree(mml);
    // MathJax marks some problems in the output instead of throwing: treat them as errors too.
    const marked = html.match(/data-mjx-error="([^"]*)"|<merror[^>]*title="([^"]*)"/);
    if (marked) return { ok: false, error: marked[1] ?? marked[2] };
    return { ok: true, error: null };
  } catch (error) {
    // MathJax's TexError is not an Error, but it has a message
    return { ok: false, error: String(error?.message ?? error) };
  }
}

await runChecks("mathjax_check", check);
