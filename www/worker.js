// A worker of the page's figures (src/web/workers.rs): a second instance of the page's
// WebAssembly module that does a figure's work, one piece at a time, and sends back its
// numbers. The page first sends where the bindings and the module are, then work: a task
// { figure, run, index } (say, one run of a sweep), `run` being the figure's run file, or an
// ask for a run the worker holds { figure, job, run?, at, to, step } (a slice of a long run,
// reported as what it added).

let bindings = null;
const waiting = [];

/** Does `task` and answers with its numbers, or with why it failed. */
function run(task) {
  // The end-to-end tests' troubles (src/web/workers.rs): a worker that never answers, a task
  // that panics.
  if (task.trouble === "stall") for (;;);
  if (task.trouble === "panic") bindings.fail_figure_for_test(task.figure);
  try {
    const result =
      "job" in task
        ? bindings.work_held(task.figure, task.job, task.run, task.at, task.to, task.step)
        : bindings.run_task(task.figure, task.run, task.index);
    postMessage({ result });
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
