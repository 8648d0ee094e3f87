// End-to-end tests of the figures' workers (src/web/workers.rs, www/worker.js): the sweep's runs
// go to one worker per core and end as the page's own thread ends them; the edge-of-stability
// run is held by a worker and ends as on the page's thread too, and the page stays responsive
// while it trains on the digits (no task of the page's thread works 50 ms); without workers a
// figure computes on the page's thread and says so; a worker that stops answering is replaced
// and its work given again (a held run is replayed to where the page stands); a panic in a
// worker stops that figure alone.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { canvasFingerprint, figureButton, openPage, settle, startSite, stopSite, watch } from "./browser.mjs";

let server;
let browser;
before(async () => ({ server, browser } = await startSite()));
after(() => stopSite(server, browser));

const SWEEP = "sharpness-vs-lr";
const EOS = "edge-of-stability";

/** Waits until figure `id`'s verdict starts with `prefix` (its work is done), or the figure
 *  has failed; returns its verdict. */
async function doneWith(page, id, prefix) {
  await page.waitForFunction(
    ([id, prefix]) => document.querySelector(`#${id} .fig-verdict`)?.textContent.startsWith(prefix) || document.querySelector(`#${id} .fig-error`),
    [id, prefix],
    { timeout: 120000 },
  );
  return page.locator(`#${id} .fig-verdict`).textContent();
}

/** Waits until the sweep has made all its runs, or has failed; returns its verdict. */
const sweepDone = (page) => doneWith(page, SWEEP, "30 runs");

/** A figure's readouts as { label: value }, found and read in one evaluation: between two, a
 *  running figure may rewrite its list, and the terms found first would be detached. */
async function readouts(page, id = SWEEP) {
  return page.evaluate(
    (id) => Object.fromEntries([...document.querySelectorAll(`#${id} .fig-readouts dt`)].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])),
    id,
  );
}

/** Waits until the edge-of-stability run is done, or has failed; returns its verdict. */
const runDone = (page) => doneWith(page, EOS, "Done");

/** Waits until the edge-of-stability run has passed step `step`. */
async function runPast(page, step) {
  await page.waitForFunction(
    ([id, step]) => Number(document.querySelector(`#${id} .fig-verdict`)?.textContent.match(/^Running: step (\d+)/)?.[1] ?? -1) > step,
    [EOS, step],
    { timeout: 60000 },
  );
}

/** The sweep's readouts without those that say where and how fast it ran. */
function results(shown) {
  const { computed, speed, workers, ...rest } = shown;
  return rest;
}

/** Opens `url` twice, with workers and with the worker's script missing (so that figure `id`
 *  computes on the page's own thread), waits for `done` in each, and checks that the figure said
 *  where it computed (`place` with workers, or what `place(page)` says) and ended with the same
 *  verdict, readouts and drawing. */
async function endsAsOnThePageThread(id, url, done, place) {
  const { context, page, problems } = await openPage(browser, server, url, { deviceScaleFactor: 1 });
  const verdict = await done(page);
  const inWorkers = await readouts(page, id);
  const expected = typeof place === "function" ? await place(page) : place;
  assert.equal(inWorkers.computed, expected, JSON.stringify(inWorkers));
  const drawn = await canvasFingerprint(page, `#${id}-sharpness`);
  assert.deepEqual(problems, []);
  await context.close();

  const alone = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await alone.route("**/worker.js", (route) => route.fulfill({ status: 404, body: "" }));
  const page2 = await alone.newPage();
  const problems2 = watch(page2, server.origin);
  await page2.goto(server.url + url);
  assert.equal(await done(page2), verdict);
  const onThread = await readouts(page2, id);
  assert.match(onThread.computed, /^on the page’s own thread: no worker could start \(its script did not load\)$/);
  assert.deepEqual(results(onThread), results(inWorkers));
  assert.equal(await canvasFingerprint(page2, `#${id}-sharpness`), drawn, "the drawings differ");
  assert.deepEqual(problems2.filter((p) => !/worker\.js/.test(p)), []);
  await alone.close();
}

describe("the figures' workers", () => {
  test("the sweep's runs go to one worker per core and end as on the page's own thread", async () => {
    const inCores = async (page) => {
      const cores = await page.evaluate(() => Math.min(8, Math.max(1, navigator.hardwareConcurrency)));
      return `in ${cores} worker${cores === 1 ? "" : "s"}`;
    };
    await endsAsOnThePageThread(SWEEP, `?figure=${SWEEP}`, sweepDone, inCores);
  });

  test("a worker that stops answering is replaced and its run given again", async () => {
    const { context, page, problems } = await openPage(browser, server, `?figure=${SWEEP}`, { deviceScaleFactor: 1 });
    const verdict = await sweepDone(page);
    const first = await readouts(page);
    await page.evaluate(() => window.wasmBindings.trouble_worker_for_test("sharpness-vs-lr", "stall", 1500));
    await figureButton(page, SWEEP, "Replay").click();
    await page.waitForFunction((id) => document.querySelector(`#${id} .fig-verdict`).textContent.startsWith("Running"), SWEEP);
    assert.equal(await sweepDone(page), verdict);
    const second = await readouts(page);
    assert.equal(second.workers, "one stopped answering and was restarted; its work was given again");
    assert.deepEqual(results(second), results(first));
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a panic in a worker stops its figure alone", async () => {
    const { context, page, problems } = await openPage(browser, server);
    await sweepDone(page);
    await page.evaluate(() => window.wasmBindings.trouble_worker_for_test("sharpness-vs-lr", "panic", 120000));
    await figureButton(page, SWEEP, "Replay").click();
    const alert = page.locator(`#${SWEEP} .fig-error[role=alert]`);
    await alert.waitFor({ timeout: 60000 });
    assert.match(await alert.textContent(), /sharpness-vs-lr.*stopped with an internal error in a worker: the test asked this figure to fail.*other figures keep working/);
    // Another figure still responds to its controls.
    await settle(page);
    const before = await canvasFingerprint(page, "#quadratic-1d-cobweb");
    await page.locator("#quadratic-1d-eta").fill("0.7");
    await page.locator("#quadratic-1d-eta").press("Enter");
    await page.waitForFunction((old) => document.querySelector("#quadratic-1d-cobweb").toDataURL() !== old, before, { timeout: 5000 });
    const logged = problems.filter((p) => p.includes("stopped with an internal error in a worker"));
    assert.equal(logged.length, 1, JSON.stringify(problems));
    assert.deepEqual(problems.filter((p) => !logged.includes(p)), []);
    await context.close();
  });

  test("the edge-of-stability run is held by a worker and ends as on the page's own thread", async () => {
    const url = `?figure=${EOS}#${EOS}.steps=700&${EOS}.flow=2&${EOS}.depth=1&${EOS}.width=20`;
    await endsAsOnThePageThread(EOS, url, runDone, "in a worker");
  });

  test("a held run whose worker stops answering is replayed by another to where the page stands", async () => {
    const { context, page, problems } = await openPage(browser, server, `?figure=${EOS}#${EOS}.steps=2500`, { deviceScaleFactor: 1 });
    const verdict = await runDone(page);
    const first = await readouts(page, EOS);
    await figureButton(page, EOS, "Replay").click();
    await runPast(page, 600);
    await page.evaluate((id) => window.wasmBindings.trouble_worker_for_test(id, "stall", 1500), EOS);
    assert.equal(await runDone(page), verdict);
    const second = await readouts(page, EOS);
    assert.equal(second.workers, "one stopped answering and was restarted; its work was given again");
    assert.deepEqual(results(second), results(first));
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a panic in the worker that holds a run stops that figure alone", async () => {
    const { context, page, problems } = await openPage(browser, server, `?figure=${EOS}`, { deviceScaleFactor: 1 });
    await runPast(page, 100);
    await page.evaluate((id) => window.wasmBindings.trouble_worker_for_test(id, "panic", 120000), EOS);
    const alert = page.locator(`#${EOS} .fig-error[role=alert]`);
    await alert.waitFor({ timeout: 60000 });
    assert.match(await alert.textContent(), /edge-of-stability.*stopped with an internal error in a worker: the test asked this figure to fail.*other figures keep working/);
    const logged = problems.filter((p) => p.includes("stopped with an internal error in a worker"));
    assert.equal(logged.length, 1, JSON.stringify(problems));
    assert.deepEqual(problems.filter((p) => !logged.includes(p)), []);
    await context.close();
  });

  test("while the digits train, no task of the page's thread works 50 ms", async () => {
    const { context, page, problems } = await openPage(browser, server, `?figure=${EOS}`, { deviceScaleFactor: 1 });
    await settle(page);
    await figureButton(page, EOS, "EOS-3 digits").click();
    await runPast(page, 0);
    // On the page's own thread a step of this network with its sharpness was one task of 100
    // to 700 ms; here the page's tasks are its drawing, spread over frames, with texts measured
    // off the page and the sections far from the window not rendered. The browser's trace
    // gives each task of the page's thread with the processor time it used, which is the
    // page's own work; the Long Tasks API gives those of 50 ms or more by the clock, which
    // also counts the time the thread waited for a core the worker or the browser held.
    await browser.startTracing(page, { categories: ["toplevel"] });
    await page.evaluate(() => {
      window.longTasks = [];
      new PerformanceObserver((list) => window.longTasks.push(...list.getEntries().map((e) => Math.round(e.duration)))).observe({ type: "longtask" });
    });
    await runPast(page, 300);
    const events = JSON.parse((await browser.stopTracing()).toString()).traceEvents;
    const longTasks = await page.evaluate(() => window.longTasks);
    assert.equal((await readouts(page, EOS)).computed, "in a worker");
    const pageThreads = new Set(events.filter((e) => e.name === "thread_name" && e.args?.name === "CrRendererMain").map((e) => `${e.pid}:${e.tid}`));
    const tasks = events.filter((e) => e.ph === "X" && e.name === "ThreadControllerImpl::RunTask" && pageThreads.has(`${e.pid}:${e.tid}`));
    assert.ok(tasks.length > 100 && tasks.every((e) => Number.isFinite(e.dur)), `the trace has ${tasks.length} tasks of the page's thread, with their durations`);
    // A task the trace gives no processor time (on a busy machine, some of the compositor's
    // microsecond tasks) is held to its time by the clock, which is never less.
    const cpu = (e) => (Number.isFinite(e.tdur) ? e.tdur : e.dur);
    const longest = (time) => Math.max(...tasks.map((e) => time(e) / 1000)).toFixed(1);
    console.log(`${tasks.length} tasks of the page's thread while the digits trained: the longest used ${longest(cpu)} ms of processor time and took ${longest((e) => e.dur)} ms; the Long Tasks API reported [${longTasks}] ms`);
    assert.ok(tasks.every((e) => cpu(e) < 50000), `a task of the page's thread used ${longest(cpu)} ms of processor time`);
    // A busy machine stretches a task by the clock: the test holds those to twice the goal.
    assert.ok(longTasks.every((ms) => ms < 100), `main-thread tasks while the digits trained: ${longTasks} ms`);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
