// Render formulas with KaTeX for derive's HTML pages (server-side rendering).
//
// stdin:  {"katex": "file:///.../katex/dist/katex.mjs", "output": "html" | "mathml",
//          "items": [{"tex": string, "display": boolean}, ...]}
// stdout: a JSON array, one entry per item: {"html": string, "error": null} or
//         {"html": null, "error": "<KaTeX's message>"}.
// Exit status 0 whenever every formula was tried; 2 on bad input or when KaTeX cannot load.
async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

try {
  const request = JSON.parse(await readStdin());
  const katex = (await import(request.katex)).default;
  const answers = request.items.map(({ tex, display }) => {
    try {
      const html = katex.renderToString(tex, {
        displayMode: Boolean(display),
        output: request.output === "mathml" ? "mathml" : "htmlAndMathml",
        throwOnError: true,
        strict: "error",
      });
      return { html, error: null };
    } catch (error) {
      return { html: null, error: error instanceof Error ? error.message : String(error) };
    }
  });
  process.stdout.write(JSON.stringify(answers) + "\n");
} catch (error) {
  process.stderr.write(`katex_render: ${error.message}\n`);
  process.exitCode = 2;
}
