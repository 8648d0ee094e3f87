// A worker of the page's figures (src/web/workers.rs): a second instance of the page's
// WebAssembly module that computes a figure's tasks (say, one run of a sweep), one at a time,
// and sends back their numbers. The page first sends where the bindings and the module are,
// then tasks: { figure, run, index }, `run` being the figure's run file.

let bindings = null;
const waiting = [];

/** Computes `task` and answers with its numbers, or with why it failed. */
function run(task) {
  // The end-to-end tests' troubles (src/web/workers.rs): a worker that never answers, a task
  // that panics.
  if (task.trouble === "stall") for (;;);
  if (task.trouble === "panic") bindings.fail_figure_for_test(task.figure);
  try {
    postMessage({ result: bindings.run_task(task.figure, task.run, task.index) });
  } catch (error) {
    postMessage({ error: bindings.worker_panic_message() ?? String(error?.message ?? error) });
  }
}

onmessage = async ({ data }) => {
  if (!("js" in data)) {
    if (bindings) run(data);
    else waiting.push(data);
    return;
  }
  try {
    const loaded = await import(data.js);
    await loaded.default({ module_or_path: data.wasm });
    bindings = loaded;
    postMessage({ ready: true });
    for (const task of waiting.splice(0)) run(task);
  } catch (error) {
    postMessage({ broken: `its module did not load: ${error?.message ?? error}` });
  }
};
