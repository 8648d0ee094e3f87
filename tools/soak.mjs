// `make soak`: the page in headless Chromium with the edge-of-stability figure training without
// a break (20,000 steps, replayed whenever a run ends) for SOAK_SECONDS (default 600) after a
// warm-up. WebAssembly memory and the JS heap (after a forced garbage collection) are sampled
// at the start, every minute and at the end; the script prints a table, writes
// target/soak/soak.json, and fails if either grew by more than its allowance, or if the page
// logged an error.
//
// Allowances: WebAssembly memory only grows (in 64 KiB pages, by whatever the allocator asks
// for), and after the warm-up it already holds a full 20,000-step run; a later run that needs
// more means memory is kept across runs. The JS heap moves by a few hundred kilobytes with the
// text and closures of the moment. So each may grow by max(10 %, 4 MiB): well above that noise,
// and well below what a leak of even 50 KB per run adds over the ~100 runs of ten minutes.

import { mkdirSync, writeFileSync } from "node:fs";
import { serve } from "../tests/e2e/server.mjs";
import { launch, openPage } from "../tests/e2e/browser.mjs";

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const WARMUP_SECONDS = Number(process.env.SOAK_WARMUP_SECONDS ?? 60);
const SAMPLE_SECONDS = 60;
const STEPS = 20000; // the largest run the figure's step parameter allows
const MIB = 1024 * 1024;
const allowance = (start) => Math.max(0.1 * start, 4 * MIB);

if (!(SOAK_SECONDS > 0 && WARMUP_SECONDS >= 0)) throw new Error("SOAK_SECONDS must be positive and SOAK_WARMUP_SECONDS not negative");

const server = await serve(process.env.SITE_DIR ?? "dist");
const browser = await launch();
let failed = false;
try {
  const { context, page, problems } = await openPage(browser, server, `#edge-of-stability.steps=${STEPS}`, { deviceScaleFactor: 1 });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  const figure = "#edge-of-stability";
  if ((await page.inputValue(`${figure}-steps`)) !== String(STEPS)) throw new Error("the link did not set the step count");

  let runs = 0;
  /** Presses Replay when the run has ended, so that the figure never stops training. */
  const keepTraining = async () => {
    const ended = await page.$eval(`${figure} button.fig-play`, (b) => b.textContent === "Play");
    if (ended) {
      await page.click(`${figure} .fig-buttons button:text-is("Replay")`);
      runs += 1;
    }
  };
  /** Trains for `seconds`, checking twice a second whether to replay. */
  const trainFor = async (seconds) => {
    const end = Date.now() + seconds * 1000;
    while (Date.now() < end) {
      await keepTraining();
      await page.waitForTimeout(Math.min(500, Math.max(0, end - Date.now())));
    }
  };
  const began = Date.now();
  const sample = async (label) => {
    await cdp.send("HeapProfiler.collectGarbage");
    const { metrics } = await cdp.send("Performance.getMetrics");
    const jsHeap = metrics.find((m) => m.name === "JSHeapUsedSize").value;
    const wasm = await page.evaluate(() => window.wasmBindings.wasm_memory_bytes());
    const verdict = await page.$eval(`${figure} .fig-verdict`, (v) => v.textContent);
    return { label, seconds: Math.round((Date.now() - began) / 1000), runs, wasm_bytes: wasm, js_heap_bytes: jsHeap, verdict };
  };

  await trainFor(WARMUP_SECONDS);
  const samples = [await sample("start")];
  for (let elapsed = 0; elapsed < SOAK_SECONDS; elapsed += SAMPLE_SECONDS) {
    const span = Math.min(SAMPLE_SECONDS, SOAK_SECONDS - elapsed);
    await trainFor(span);
    samples.push(await sample(elapsed + span >= SOAK_SECONDS ? "end" : `${Math.round((elapsed + span) / 60)} min`));
  }
  await context.close();

  const [start, end] = [samples[0], samples[samples.length - 1]];
  const growth = (key) => ({ start: start[key], end: end[key], growth: end[key] - start[key], allowed: allowance(start[key]) });
  const result = {
    steps_per_run: STEPS,
    warmup_seconds: WARMUP_SECONDS,
    soak_seconds: SOAK_SECONDS,
    runs_replayed: runs,
    wasm_memory: growth("wasm_bytes"),
    js_heap: growth("js_heap_bytes"),
    problems,
    samples,
  };
  mkdirSync("target/soak", { recursive: true });
  writeFileSync("target/soak/soak.json", JSON.stringify(result, null, 2) + "\n");

  const mib = (bytes) => (bytes / MIB).toFixed(2).padStart(9);
  console.log(`Soak: edge-of-stability, ${STEPS} steps per run, ${WARMUP_SECONDS} s warm-up, then ${SOAK_SECONDS} s`);
  console.log(`  ${"sample".padEnd(8)} ${"time s".padStart(7)} ${"runs".padStart(5)} ${"wasm MiB".padStart(9)} ${"JS MiB".padStart(9)}  verdict`);
  for (const s of samples) {
    console.log(`  ${s.label.padEnd(8)} ${String(s.seconds).padStart(7)} ${String(s.runs).padStart(5)} ${mib(s.wasm_bytes)} ${mib(s.js_heap_bytes)}  ${s.verdict.slice(0, 60)}`);
  }
  for (const [name, g] of [["WebAssembly memory", result.wasm_memory], ["JS heap", result.js_heap]]) {
    const ok = g.growth <= g.allowed;
    console.log(`  ${name}: ${mib(g.start).trim()} → ${mib(g.end).trim()} MiB (growth ${(g.growth / MIB).toFixed(2)} MiB, allowed ${(g.allowed / MIB).toFixed(2)}): ${ok ? "ok" : "TOO MUCH"}`);
    failed ||= !ok;
  }
  if (runs < 2) {
    console.log(`  only ${runs} runs were replayed: the figure did not keep training`);
    failed = true;
  }
  if (problems.length > 0) {
    console.log(`  the page reported problems:\n    ${problems.join("\n    ")}`);
    failed = true;
  }
  console.log("wrote target/soak/soak.json");
} finally {
  await browser.close();
  await server.close();
}
if (failed) process.exit(1);
