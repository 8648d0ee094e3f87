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

// The figures' workers (src/web/workers.rs) run www/worker.js, which sits beside this script.
// Under the page's Trusted Types policy a worker's script must be named through a policy: this
// one names that script and nothing else.
const workerScript = new URL("worker.js", import.meta.url).href;
const workerPolicy = globalThis.trustedTypes?.createPolicy("worker-script", {
  createScriptURL(url) {
    if (url !== workerScript) throw new TypeError(`${url} is not the figures' worker`);
    return url;
  },
});

/** A new worker for the figures, told where the bindings `js` and the module `wasm` are. */
function startWorker(js, wasm) {
  const worker = new Worker(workerPolicy ? workerPolicy.createScriptURL(workerScript) : workerScript, { type: "module" });
  worker.postMessage({ js, wasm });
  return worker;
}

if (typeof WebAssembly !== "object") {
  showProblem("The interactive figures need WebAssembly, which this browser does not provide or has switched off.");
} else {
  const base = document.baseURI;
  try {
    const js = new URL(entry.dataset.js, base).href;
    const wasm = new URL(entry.dataset.wasm, base).href;
    const bindings = await import(js);
    await bindings.default({ module_or_path: wasm });
    bindings.set_worker_spawner(() => startWorker(js, wasm));
    // For the benchmark and the end-to-end tests, which call exported functions.
    window.wasmBindings = bindings;
  } catch (error) {
    console.error("The figures could not be loaded:", error);
    showProblem(`The interactive figures could not be loaded (${error.message ?? error}); reloading the page may help.`);
  }
}
