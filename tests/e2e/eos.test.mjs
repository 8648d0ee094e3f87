// End-to-end tests of the edge-of-stability and sharpness-versus-learning-rate figures: they
// draw, the default run sharpens up to 2/η, the presets work, the digits are fetched when first
// chosen, the sweep completes and can be stopped, a saved run resumes from its step, and refused
// combinations leave the figure as it was.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { canvasFingerprint, canvasStats, openPage, settle, startSite, stopSite, watch, figureButton } from "./browser.mjs";

const SHOTS = "target/e2e";
let server;
let browser;

before(async () => ({ server, browser } = await startSite()));
after(() => stopSite(server, browser));

const verdict = (page, figure) => page.locator(`#${figure} .fig-verdict`).textContent();

describe("edge of stability", () => {
  test("the default run sharpens up to 2/η, and the presets re-run with their settings", async () => {
    const { context, page, problems } = await openPage(browser, server);
    await settle(page, 120000);
    assert.match(await verdict(page, "edge-of-stability"), /^Done, step 4000: .*: at the edge of stability: the sharpness reached 2\/η at step \d+/);
    await page.locator("#edge-of-stability").screenshot({ path: `${SHOTS}/edge-of-stability-default.png` });
    for (const panel of ["loss", "sharpness", "lanczos"]) {
      assert.ok((await canvasStats(page, `#edge-of-stability-${panel}`)).colours > 20, `${panel} is blank`);
    }
    const before = await canvasFingerprint(page, "#edge-of-stability-sharpness");
    await figureButton(page, "edge-of-stability", "Learning-rate switch").click();
    await page.waitForFunction(() => location.hash.includes("edge-of-stability.switch=2000"));
    await settle(page, 120000);
    assert.match(await verdict(page, "edge-of-stability"), /^Done, step 6000/);
    assert.equal(await page.locator("#edge-of-stability-eta").inputValue(), "0.09");
    assert.notEqual(await canvasFingerprint(page, "#edge-of-stability-sharpness"), before);
    await page.locator("#edge-of-stability").screenshot({ path: `${SHOTS}/edge-of-stability-switch.png` });
    await figureButton(page, "edge-of-stability", "EOS-1 reference").click();
    await settle(page, 120000);
    assert.match(await verdict(page, "edge-of-stability"), /^Done, step 2000: sharpness 32\.99/);
    await page.locator("#edge-of-stability").screenshot({ path: `${SHOTS}/edge-of-stability-eos1.png` });
    await figureButton(page, "edge-of-stability", "Stable run").click();
    await settle(page, 120000);
    assert.match(await verdict(page, "edge-of-stability"), /^Done, step 3000: .*the sharpness stayed below 2\/η\.$/);
    await page.locator("#edge-of-stability").screenshot({ path: `${SHOTS}/edge-of-stability-stable.png` });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("the central flow runs beside GD on EOS-1, and the digits train with their accuracy", async () => {
    const { context, page, problems } = await openPage(browser, server);
    await settle(page, 120000);
    await figureButton(page, "edge-of-stability", "Central flow on EOS-1").click();
    await page.waitForFunction(() => location.hash.includes("edge-of-stability.flow=4"));
    await settle(page, 180000);
    assert.match(await verdict(page, "edge-of-stability"), /^Done, step 2000: sharpness 32\.99/);
    const readouts = await page.locator("#edge-of-stability .fig-readouts").textContent();
    assert.match(readouts, /4 flow steps per GD step/);
    assert.match(readouts, /GD's loss 1\.4279e-1 against the flow's L \+ σ²\/η 1\.3493e-1 \(error 5\.5 %\)/);
    for (const panel of ["loss", "sharpness", "flow"]) {
      assert.ok((await canvasStats(page, `#edge-of-stability-${panel}`)).colours > 20, `${panel} is blank`);
    }
    await page.locator("#edge-of-stability").screenshot({ path: `${SHOTS}/edge-of-stability-central-flow.png` });
    // The digits: a short run of EOS-3's network, with the data's source and the accuracy.
    const digits = "#edge-of-stability.data=digits&edge-of-stability.points=500&edge-of-stability.depth=1&edge-of-stability.width=64&edge-of-stability.eta=0.08&edge-of-stability.steps=40&edge-of-stability.every=5";
    await page.goto(server.url + digits);
    await page.waitForSelector("#loading", { state: "detached", timeout: 20000 });
    await page.waitForFunction(() => document.querySelector("#edge-of-stability .fig-verdict").textContent.startsWith("Done, step 40"), null, { timeout: 120000 });
    const digitReadouts = await page.locator("#edge-of-stability .fig-readouts").textContent();
    assert.match(digitReadouts, /10 outputs, 4810 parameters, 500 points/);
    assert.match(digitReadouts, /handwritten digits of the UCI test set \(Alpaydin and Kaynak, 1998; CC BY 4\.0\)/);
    assert.match(digitReadouts, /training accuracy at step 40\s*[\d.]+ %/);
    assert.ok((await canvasStats(page, "#edge-of-stability-sharpness")).colours > 20, "the digits' sharpness is blank");
    await page.locator("#edge-of-stability").screenshot({ path: `${SHOTS}/edge-of-stability-digits.png` });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("the digits are fetched only when first chosen; a fetch that fails leaves the figure on its data with the reason", async () => {
    const { context, page, problems } = await openPage(browser, server);
    let answer = 404;
    const asked = [];
    await page.route("**/digits.bin", (route) => {
      asked.push(answer);
      return answer === 404 ? route.fulfill({ status: 404, body: "" }) : route.continue();
    });
    await settle(page, 120000);
    assert.deepEqual(asked, [], "the page fetched the digits before any figure asked for them");
    const before = await verdict(page, "edge-of-stability");
    const note = page.locator("#edge-of-stability .fig-note");
    await figureButton(page, "edge-of-stability", "EOS-3 digits").click();
    await page.waitForFunction(() => document.querySelector("#edge-of-stability .fig-note").textContent.includes("could not be loaded"));
    assert.match(await note.textContent(), /^The handwritten digits could not be loaded \(the site answered 404 .*\); choose them again to try again\.$/);
    assert.equal(await verdict(page, "edge-of-stability"), before, "the figure left its run");
    assert.ok(!(await page.evaluate(() => location.hash)).includes("data=digits"), "the link names data the figure does not show");
    answer = 200;
    await figureButton(page, "edge-of-stability", "EOS-3 digits").click();
    await page.waitForFunction(() => /^Running: step [1-9]/.test(document.querySelector("#edge-of-stability .fig-verdict").textContent), null, { timeout: 60000 });
    assert.equal(await note.textContent(), "The handwritten digits have arrived.");
    assert.match(await page.locator("#edge-of-stability .fig-readouts").textContent(), /handwritten digits of the UCI test set/);
    assert.deepEqual(asked, [404, 200]);
    // The refused request is reported (the browser's console says 404, the request failed);
    // nothing else may be.
    const refused = (p) => p.includes("/digits.bin") || p.includes("status of 404");
    assert.deepEqual(problems.filter((p) => !refused(p)), []);
    await context.close();
  });

  test("Keep runs keeps a replaced run, drawn faintly and labelled, and Clear runs removes it", async () => {
    const { context, page, problems } = await openPage(browser, server, "#edge-of-stability.steps=300");
    await settle(page, 120000);
    const keep = figureButton(page, "edge-of-stability", "Keep runs");
    const clear = figureButton(page, "edge-of-stability", "Clear runs");
    assert.equal(await keep.getAttribute("aria-pressed"), "false");
    assert.equal(await clear.isDisabled(), true);
    await keep.click();
    assert.equal(await keep.getAttribute("aria-pressed"), "true");
    const alone = await canvasFingerprint(page, "#edge-of-stability-loss");
    await page.locator("#edge-of-stability-eta").fill("0.05");
    await page.locator("#edge-of-stability-eta").press("Enter");
    await page.waitForFunction(() => document.querySelector("#edge-of-stability .fig-verdict").textContent.startsWith("Done, step 300"), null, { timeout: 60000 });
    const readouts = page.locator("#edge-of-stability .fig-readouts");
    await page.waitForFunction(() => document.querySelector("#edge-of-stability .fig-readouts").textContent.includes("earlier runs"));
    assert.match(await readouts.textContent(), /1: step size η = 0\.07/);
    assert.equal(await clear.isDisabled(), false);
    assert.notEqual(await canvasFingerprint(page, "#edge-of-stability-loss"), alone);
    await page.locator("#edge-of-stability").screenshot({ path: `${SHOTS}/edge-of-stability-earlier-runs.png` });
    await clear.click();
    await page.waitForFunction(() => !document.querySelector("#edge-of-stability .fig-readouts").textContent.includes("earlier runs"));
    assert.equal(await clear.isDisabled(), true);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a batch larger than the data set is refused beside its control", async () => {
    const { context, page, problems } = await openPage(browser, server);
    await settle(page, 120000);
    const text = await verdict(page, "edge-of-stability");
    await page.locator("#edge-of-stability-batch").fill("50");
    await page.locator("#edge-of-stability-batch").press("Enter");
    assert.match(await page.locator("#edge-of-stability-batch-msg").textContent(), /exceeds the 20 data points/);
    assert.equal(await verdict(page, "edge-of-stability"), text);
    assert.equal(await page.evaluate(() => location.hash.includes("edge-of-stability.batch")), false);
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe("sharpness versus learning rate", () => {
  test("the sweep completes, and Pause stops it part-way", async () => {
    const { context, page, problems } = await openPage(browser, server);
    await settle(page, 120000);
    assert.match(await verdict(page, "sharpness-vs-lr"), /^30 runs: \d+ converged/);
    assert.ok((await canvasStats(page, "#sharpness-vs-lr-sharpness")).colours > 20);
    await page.locator("#sharpness-vs-lr").screenshot({ path: `${SHOTS}/sharpness-vs-lr-default.png` });
    await figureButton(page, "sharpness-vs-lr", "Replay").click();
    await figureButton(page, "sharpness-vs-lr", "Pause").click();
    const progress = await page.locator("#sharpness-vs-lr .fig-readouts dd").first().textContent();
    assert.doesNotMatch(progress, /^30 of 30/);
    await page.waitForTimeout(1000);
    assert.equal(await page.locator("#sharpness-vs-lr .fig-readouts dd").first().textContent(), progress, "the sweep went on after Pause");
    await page.locator("#sharpness-vs-lr").screenshot({ path: `${SHOTS}/sharpness-vs-lr-paused.png` });
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe("exports", () => {
  test("CSV, PNG and a saved run download, and the run loads back", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems = watch(page, server.origin);
    await page.goto(server.url);
    await settle(page, 120000);
    const [csv] = await Promise.all([page.waitForEvent("download"), figureButton(page, "edge-of-stability", "CSV").click()]);
    assert.equal(csv.suggestedFilename(), "edge-of-stability.csv");
    const csvText = await readFile(await csv.path(), "utf8");
    assert.match(csvText.split("\n")[0], /^step,eta,loss,sharpness/);
    assert.equal(csvText.trim().split("\n").length, 4002);
    const [png] = await Promise.all([page.waitForEvent("download"), figureButton(page, "quadratic-1d", "PNG").click()]);
    assert.equal(png.suggestedFilename(), "quadratic-1d.png");
    const [run] = await Promise.all([page.waitForEvent("download"), figureButton(page, "edge-of-stability", "Save run").click()]);
    const runPath = await run.path();
    assert.match(await readFile(runPath, "utf8"), /"format": "sgd-stability run"/);
    await page.locator("#edge-of-stability-load-run").setInputFiles(runPath);
    await page.waitForFunction(() => document.querySelector("#edge-of-stability .fig-note").textContent === "Loaded the run.");
    await settle(page, 120000);
    // The loaded run continues from step 4000 for another 4000 steps, and says so.
    assert.match(await verdict(page, "edge-of-stability"), /^Done, step 8000/);
    assert.match(await page.locator("#edge-of-stability .fig-readouts").textContent(), /from a saved run at step 4000/);
    await page.locator("#edge-of-stability").screenshot({ path: `${SHOTS}/edge-of-stability-resumed.png` });
    await page.locator("#edge-of-stability-load-run").setInputFiles({ name: "bad.json", mimeType: "application/json", buffer: Buffer.from('{"format": 1}') });
    await page.waitForFunction(() => document.querySelector("#edge-of-stability .fig-note").textContent.startsWith("The run was not loaded"));
    assert.deepEqual(problems, []);
    await context.close();
  });
});
