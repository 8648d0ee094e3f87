// Starts the figures: loads the WebAssembly module and its JavaScript bindings, whose hashed
// file names the build writes into this script's data-js and data-wasm attributes (see
// Trunk.toml). The page has no inline script, so its Content-Security-Policy can forbid them.
//
// If the browser has no WebAssembly, or loading fails, the loading line becomes a message that
// says so; everything but the figures reads fine without them. Once the figures run, their own
// errors are shown in each figure (src/web/isolation.rs).

const entry = document.querySelector("script[data-js][data-wasm]");

/** Replaces the loading line, if it is still there, by `message`. */
function showProblem(message) {
  const status = document.getElementById("loading");
  if (!status) return;
  status.textContent = `${message} The text and the formulas read fine without them.`;
  status.classList.add("failed");
}

if (typeof WebAssembly !== "object") {
  showProblem("The interactive figures need WebAssembly, which this browser does not provide or has switched off.");
} else {
  const base = document.baseURI;
  try {
    const bindings = await import(new URL(entry.dataset.js, base).href);
    await bindings.default({ module_or_path: new URL(entry.dataset.wasm, base).href });
    // For the benchmark and the end-to-end tests, which call exported functions.
    window.wasmBindings = bindings;
  } catch (error) {
    console.error("The figures could not be loaded:", error);
    showProblem(`The interactive figures could not be loaded (${error.message ?? error}); reloading the page may help.`);
  }
}
