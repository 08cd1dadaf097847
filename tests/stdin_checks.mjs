// The stdin/stdout protocol shared by katex_check.mjs and mathjax_check.mjs: read a JSON array of
// items on stdin, check each, write the JSON array of results ({ok, error}) on stdout; a bad
// input (not JSON, not an array) is a message on stderr and exit code 2.

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

export async function runChecks(name, check) {
  try {
    const items = JSON.parse(await readStdin());
    if (!Array.isArray(items)) throw new TypeError("expected a JSON array on stdin");
    process.stdout.write(JSON.stringify(items.map(check)) + "\n");
  } catch (error) {
    process.stderr.write(`${name}: ${error.message}\n`);
    process.exitCode = 2;
  }
}
