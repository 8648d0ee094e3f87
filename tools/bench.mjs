// The browser half of `make bench`: EOS-1 and EOS-3 as WebAssembly in headless Chromium (release
// build in dist/), the 30-point sharpness-versus-learning-rate sweep as the page runs it (in a
// worker per core, in one worker, and on the page's own thread), and how long the main thread
// stays busy at a stretch while figures work. Merges the native figures
// (given as a JSON file) and writes target/bench/eos1.json and target/bench/eos3.json.

import { readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { serve } from "../tests/e2e/server.mjs";
import { launch, openPage, settle } from "../tests/e2e/browser.mjs";

/** Seconds from the sweep's Replay to its last run, in `page`: until its play button, which
 *  says Pause from the click on, says Play again (the verdict of a figure out of view is only
 *  redrawn once a second). */
function timeSweep(page) {
  return page.evaluate(async () => {
    const figure = document.getElementById("sharpness-vs-lr");
    const replay = [...figure.querySelectorAll(".fig-buttons button")].find((b) => b.textContent === "Replay");
    const play = figure.querySelector("button.fig-play");
    const start = performance.now();
    replay.click();
    if (play.textContent !== "Pause") throw new Error(`after Replay the sweep's button says ${play.textContent}`);
    await new Promise((done) => {
      const check = () => (play.textContent === "Play" ? done() : setTimeout(check, 5));
      check();
    });
    const seconds = (performance.now() - start) / 1000;
    if (!figure.querySelector(".fig-verdict").textContent.startsWith("30 runs")) throw new Error("the sweep did not end with 30 runs");
    return seconds;
  });
}

const nativeFile = process.argv[2] ?? "target/bench/eos1-native.json";
// The size of the page's WebAssembly as served, and gzipped at the highest level.
const siteDir = process.env.SITE_DIR ?? "dist";
const wasmName = readdirSync(siteDir).find((name) => name.endsWith(".wasm"));
const wasmBytes = readFileSync(`${siteDir}/${wasmName}`);
const wasmGzipBytes = gzipSync(wasmBytes, { level: 9 }).length;
const native = JSON.parse(readFileSync(nativeFile, "utf8"));
const server = await serve(process.env.SITE_DIR ?? "dist");
const browser = await launch();
try {
  const { page, context } = await openPage(browser, server, "", { deviceScaleFactor: 1 });
  await settle(page, 120000);
  const wasm = JSON.parse(await page.evaluate(() => window.wasmBindings.bench_eos1()));
  const wasm3 = JSON.parse(
    await page.evaluate(async () => {
      const digits = new Uint8Array(await (await fetch("digits.bin")).arrayBuffer());
      return window.wasmBindings.bench_eos3(digits);
    }),
  );

  // The page's default sweep, timed from a replay to its last run. Meanwhile, the browser's
  // long tasks (it reports only those of 50 ms or more) and the longest gap between two
  // animation frames, which bounds every task in between, are recorded.
  await page.evaluate(() => {
    window.longestTask = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.longestTask = Math.max(window.longestTask, e.duration);
    }).observe({ type: "longtask", buffered: false });
    window.longestFrameGap = 0;
    let last = null;
    const tick = (now) => {
      if (last !== null) window.longestFrameGap = Math.max(window.longestFrameGap, now - last);
      last = now;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  // The sweep's runs go to one worker per core (src/web/workers.rs); then to one worker alone.
  const sweepSeconds = await timeSweep(page);
  const workers = await page.evaluate(() => Math.min(8, Math.max(1, navigator.hardwareConcurrency)));
  await page.evaluate(() => window.wasmBindings.use_workers_for_bench(1));
  await timeSweep(page); // the first replay also starts the new worker
  const sweepOneWorkerSeconds = await timeSweep(page);
  await page.evaluate((count) => window.wasmBindings.use_workers_for_bench(count), workers);
  // Train the edge-of-stability preset with the most work and keep recording long tasks.
  await page.evaluate(() => [...document.querySelectorAll("#edge-of-stability .fig-buttons button")].find((b) => b.textContent === "Learning-rate switch").click());
  await settle(page, 120000);
  const [longestTaskMs, longestFrameGapMs] = await page.evaluate(() => [window.longestTask, window.longestFrameGap]);
  // Then the digits preset for 15 s: its run is held by a worker (src/web/workers.rs), so the
  // page's tasks are its drawing.
  await page.evaluate(() => {
    window.longestTask = 0;
    window.longestFrameGap = 0;
    [...document.querySelectorAll("#edge-of-stability .fig-buttons button")].find((b) => b.textContent === "EOS-3 digits").click();
  });
  await page.waitForTimeout(15000);
  const [digitsTaskMs, digitsFrameGapMs] = await page.evaluate(() => [window.longestTask, window.longestFrameGap]);
  await context.close();

  // The same sweep on the page's own thread, as in a browser where no worker starts.
  const alone = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await alone.route("**/worker.js", (route) => route.fulfill({ status: 404, body: "" }));
  const withoutWorkers = await alone.newPage();
  await withoutWorkers.goto(server.url);
  await settle(withoutWorkers, 300000);
  const sweepOnThreadSeconds = await timeSweep(withoutWorkers);
  await alone.close();

  const result = {
    workload: "EOS-1: tanh network of width 100 (301 parameters), n = 20, eta = 0.06, 2000 steps",
    native_sharpness_steps_per_s: native.sharpness_steps_per_s,
    native_gd_steps_per_s: native.gd_steps_per_s,
    native_adaptive_steps_per_s: native.adaptive_steps_per_s,
    native_isa: native.isa,
    native_baseline_isa: native.baseline_isa,
    native_baseline_sharpness_steps_per_s: native.baseline_sharpness_steps_per_s,
    native_baseline_gd_steps_per_s: native.baseline_gd_steps_per_s,
    native_baseline_adaptive_steps_per_s: native.baseline_adaptive_steps_per_s,
    native_avx2_isa: native.avx2_isa,
    native_avx2_sharpness_steps_per_s: native.avx2_sharpness_steps_per_s,
    native_avx2_gd_steps_per_s: native.avx2_gd_steps_per_s,
    native_avx2_adaptive_steps_per_s: native.avx2_adaptive_steps_per_s,
    wasm_sharpness_steps_per_s: wasm.sharpness_steps_per_s,
    wasm_gd_steps_per_s: wasm.gd_steps_per_s,
    wasm_adaptive_steps_per_s: wasm.adaptive_steps_per_s,
    adaptive_products_per_step: wasm.adaptive_products_per_step,
    sharpness_step_0: wasm.sharpness_step_0,
    sharpness_step_2000: wasm.sharpness_step_2000,
    native_sharpness_step_2000: native.sharpness_step_2000,
    browser_sweep_30_seconds: sweepSeconds,
    browser_sweep_workers: workers,
    browser_sweep_one_worker_seconds: sweepOneWorkerSeconds,
    browser_sweep_page_thread_seconds: sweepOnThreadSeconds,
    native_sweep_one_core_seconds: native.sweep_one_core_s,
    native_sweep_every_core_seconds: native.sweep_every_core_s,
    native_sweep_cores: native.sweep_cores,
    native_monte_carlo_runs: native.monte_carlo_runs,
    native_monte_carlo_one_core_seconds: native.monte_carlo_one_core_s,
    native_monte_carlo_every_core_seconds: native.monte_carlo_every_core_s,
    native_monte_carlo_cores: native.monte_carlo_cores,
    wasm_bytes: wasmBytes.length,
    wasm_gzip_bytes: wasmGzipBytes,
    browser_longest_main_thread_task_ms: longestTaskMs,
    browser_longest_frame_gap_ms: longestFrameGapMs,
    browser_digits_longest_task_ms: digitsTaskMs,
    browser_digits_longest_frame_gap_ms: digitsFrameGapMs,
  };
  mkdirSync("target/bench", { recursive: true });
  writeFileSync("target/bench/eos1.json", JSON.stringify(result, null, 2) + "\n");
  const row = (label, value, unit = "") => console.log(`  ${label.padEnd(58)} ${String(value).padStart(12)} ${unit}`);
  console.log(`EOS-1 and the page, measured (native kernels: ${native.isa}):`);
  row("GD + 20-iteration sharpness, native", Math.round(result.native_sharpness_steps_per_s), "steps/s");
  row("GD + 20-iteration sharpness, wasm in Chromium", Math.round(result.wasm_sharpness_steps_per_s), "steps/s");
  row("GD + warm-started sharpness (1e-10), native", Math.round(result.native_adaptive_steps_per_s), "steps/s");
  row("GD + warm-started sharpness (1e-10), wasm", Math.round(result.wasm_adaptive_steps_per_s), "steps/s");
  row("plain GD, native", Math.round(result.native_gd_steps_per_s), "steps/s");
  row("plain GD, wasm", Math.round(result.wasm_gd_steps_per_s), "steps/s");
  if (native.avx2_isa) {
    row(`the three natively without AVX-512 (${native.avx2_isa})`, [native.avx2_sharpness_steps_per_s, native.avx2_adaptive_steps_per_s, native.avx2_gd_steps_per_s].map(Math.round).join(" / "), "steps/s");
  }
  row(`the three natively on ${native.baseline_isa} only`, [native.baseline_sharpness_steps_per_s, native.baseline_adaptive_steps_per_s, native.baseline_gd_steps_per_s].map(Math.round).join(" / "), "steps/s");
  row(`30-point sharpness-vs-eta sweep in the page, ${workers} workers`, sweepSeconds.toFixed(2), "s");
  row("the same, one worker", sweepOneWorkerSeconds.toFixed(2), "s");
  row("the same on the page's own thread (no workers)", sweepOnThreadSeconds.toFixed(2), "s");
  row("the same sweep natively, one core", native.sweep_one_core_s.toFixed(3), "s");
  row(`the same sweep natively, every core (${native.sweep_cores})`, native.sweep_every_core_s.toFixed(3), "s");
  row(`switching's ${native.monte_carlo_runs} Monte Carlo runs natively, one core`, native.monte_carlo_one_core_s.toFixed(3), "s");
  row(`the same natively, every core (${native.monte_carlo_cores})`, native.monte_carlo_every_core_s.toFixed(3), "s");
  row("longest task of 50 ms or more while working (0: none)", longestTaskMs.toFixed(0), "ms");
  row("longest gap between animation frames while working", longestFrameGapMs.toFixed(1), "ms");
  row("the same two while EOS-3 digits trains (15 s)", `${digitsTaskMs.toFixed(0)} / ${digitsFrameGapMs.toFixed(1)}`, "ms");
  row("the page's wasm, as served / gzipped", `${Math.round(wasmBytes.length / 1024)} / ${Math.round(wasmGzipBytes / 1024)}`, "KiB");
  row("sharpness at step 0 / 2000 (wasm)", `${result.sharpness_step_0.toFixed(12)} / ${result.sharpness_step_2000.toFixed(9)}`);
  console.log("wrote target/bench/eos1.json");

  // EOS-3: the same keys natively (eos3_* in the native file) and as wasm.
  const eos3 = { workload: "EOS-3: the first 500 digits, one hidden layer of 64 tanh units (4,810 parameters), 10 outputs, eta = 0.08" };
  for (const [key, value] of Object.entries(wasm3)) {
    eos3[`native_${key}`] = native[`eos3_${key}`];
    eos3[`wasm_${key}`] = value;
  }
  eos3.wasm_gzip_bytes = wasmGzipBytes;
  writeFileSync("target/bench/eos3.json", JSON.stringify(eos3, null, 2) + "\n");
  console.log("EOS-3, measured (native / wasm in Chromium):");
  const both = (label, key, digits = 1) =>
    row(label, `${eos3[`native_${key}`].toFixed(digits)} / ${eos3[`wasm_${key}`].toFixed(digits)}`, "steps/s");
  both("GD + 20-iteration sharpness", "sharpness_steps_per_s");
  both("GD + warm-started sharpness (1e-10)", "adaptive_steps_per_s");
  both("plain GD", "gd_steps_per_s", 0);
  both("central flow at the edge (2 flow steps per GD step)", "flow_steps_per_s", 2);
  row("Hessian-vector products per second", `${eos3.native_hessian_vec_per_s.toFixed(0)} / ${eos3.wasm_hessian_vec_per_s.toFixed(0)}`);
  row("  their arithmetic, GFLOP/s", `${eos3.native_hessian_vec_gflops.toFixed(2)} / ${eos3.wasm_hessian_vec_gflops.toFixed(2)}`);
  row("  multiply-adds in registers (the peak), GFLOP/s", `${eos3.native_peak_gflops.toFixed(2)} / ${eos3.wasm_peak_gflops.toFixed(2)}`);
  row("sharpness at step 0 (native / wasm)", `${eos3.native_sharpness_step_0.toFixed(10)} / ${eos3.wasm_sharpness_step_0.toFixed(10)}`);
  console.log("wrote target/bench/eos3.json");
} finally {
  await browser.close();
  await server.close();
}
