// End-to-end tests of the figures' workers (src/web/workers.rs, www/worker.js): the sweep's runs
// go to one worker per core and end as the page's own thread ends them; without workers the
// figure computes on the page's thread and says so; a worker that stops answering is replaced
// and its run given again; a panic in a worker stops that figure alone.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { canvasFingerprint, figureButton, openPage, settle, startSite, stopSite, watch } from "./browser.mjs";

let server;
let browser;
before(async () => ({ server, browser } = await startSite()));
after(() => stopSite(server, browser));

const SWEEP = "sharpness-vs-lr";

/** Waits until the sweep has made all its runs, or has failed; returns its verdict. */
async function sweepDone(page) {
  await page.waitForFunction(
    (id) => document.querySelector(`#${id} .fig-verdict`)?.textContent.startsWith("30 runs") || document.querySelector(`#${id} .fig-error`),
    SWEEP,
    { timeout: 120000 },
  );
  return page.locator(`#${SWEEP} .fig-verdict`).textContent();
}

/** The sweep's readouts as { label: value }. */
async function readouts(page) {
  return page.$$eval(`#${SWEEP} .fig-readouts dt`, (terms) => Object.fromEntries(terms.map((dt) => [dt.textContent, dt.nextElementSibling.textContent])));
}

/** The sweep's readouts without those that say where and how fast it ran. */
function results(shown) {
  const { computed, speed, workers, ...rest } = shown;
  return rest;
}

describe("the figures' workers", () => {
  test("the sweep's runs go to one worker per core and end as on the page's own thread", async () => {
    const { context, page, problems } = await openPage(browser, server, `?figure=${SWEEP}`, { deviceScaleFactor: 1 });
    const verdict = await sweepDone(page);
    const inWorkers = await readouts(page);
    const cores = await page.evaluate(() => Math.min(8, Math.max(1, navigator.hardwareConcurrency)));
    assert.equal(inWorkers.computed, `in ${cores} worker${cores === 1 ? "" : "s"}`, JSON.stringify(inWorkers));
    const drawn = await canvasFingerprint(page, `#${SWEEP}-sharpness`);
    assert.deepEqual(problems, []);
    await context.close();

    // Without the worker's script, the same runs on the page's own thread.
    const alone = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    await alone.route("**/worker.js", (route) => route.fulfill({ status: 404, body: "" }));
    const page2 = await alone.newPage();
    const problems2 = watch(page2, server.origin);
    await page2.goto(`${server.url}?figure=${SWEEP}`);
    assert.equal(await sweepDone(page2), verdict);
    const onThread = await readouts(page2);
    assert.match(onThread.computed, /^on the page’s own thread: no worker could start \(its script did not load\)$/);
    assert.deepEqual(results(onThread), results(inWorkers));
    assert.equal(await canvasFingerprint(page2, `#${SWEEP}-sharpness`), drawn, "the drawings differ");
    assert.deepEqual(problems2.filter((p) => !/worker\.js/.test(p)), []);
    await alone.close();
  });

  test("a worker that stops answering is replaced and its run given again", async () => {
    const { context, page, problems } = await openPage(browser, server, `?figure=${SWEEP}`, { deviceScaleFactor: 1 });
    const verdict = await sweepDone(page);
    const first = await readouts(page);
    await page.evaluate(() => window.wasmBindings.trouble_next_worker_task_for_test("stall", 1500));
    await figureButton(page, SWEEP, "Replay").click();
    await page.waitForFunction((id) => document.querySelector(`#${id} .fig-verdict`).textContent.startsWith("Running"), SWEEP);
    assert.equal(await sweepDone(page), verdict);
    const second = await readouts(page);
    assert.equal(second.workers, "one stopped answering and was restarted; its task was given again");
    assert.deepEqual(results(second), results(first));
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a panic in a worker stops its figure alone", async () => {
    const { context, page, problems } = await openPage(browser, server);
    await sweepDone(page);
    await page.evaluate(() => window.wasmBindings.trouble_next_worker_task_for_test("panic", 120000));
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
});
