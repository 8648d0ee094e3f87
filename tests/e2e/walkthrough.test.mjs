// End-to-end tests of the walkthrough (`?walk=<k>`) and its presentation layout (`&present`) on
// the built page ($SITE_DIR, default dist): the buttons and the keys move the step and the URL,
// a link opens its step, a proof's own controls and the walkthrough move together, every step's
// figure draws, the step's evidence panels show and the others come and go with the bar's
// button and the key P, the presentation hides the page's chrome and, on a projector's 1280 × 720,
// draws every step's plots in type read from the back of a room, and the full page leads in and
// out. Screenshots go to target/e2e/. What each step shows is steps.test.mjs's.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { canvasInView, openPage, startSite, stopSite, waitForDrawing, watch } from "./browser.mjs";

const SHOTS = "target/e2e";

let server;
let browser;

before(async () => ({ server, browser } = await startSite()));
after(() => stopSite(server, browser));

/** Opens the page at `path` (a query and fragment) and waits for the walkthrough's first step. */
async function openWalk(path, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  const problems = watch(page, server.origin);
  await page.goto(server.url + path);
  await page.waitForSelector("#loading", { state: "detached", timeout: 20000 });
  await page.waitForFunction(() => document.querySelector(".walk-statement")?.textContent.length > 0);
  return { context, page, problems };
}

/** Where the walkthrough is, as the page shows it. */
function current(page) {
  return page.evaluate(() => {
    const [, step, of] = document.querySelector(".walk-count").textContent.match(/^Step (\d+) of (\d+)$/);
    return {
      step: Number(step),
      of: Number(of),
      progress: Number(document.querySelector(".walk-progress").getAttribute("value")),
      figure: document.querySelector(".walk-current figure.explorable")?.id,
      statement: document.querySelector(".walk-statement").textContent,
      query: location.search,
      hash: location.hash,
    };
  });
}

/** The page shows step `k`, and its URL says so. */
async function assertStep(page, k) {
  const now = await current(page);
  assert.equal(now.step, k, `the page shows step ${now.step}, not ${k}`);
  assert.equal(now.progress, k, "the progress bar is elsewhere");
  assert.match(now.query, new RegExp(`^\\?walk=${k}(&present)?$`), `the URL's query is ${now.query}`);
  return now;
}

/** The first walkthrough step that shows line `line` of the proof figure `figure`. */
function stepOfLine(page, figure, line) {
  return page.evaluate(([figure, line]) => {
    const steps = [...document.getElementById("walkthrough").content.querySelectorAll("li")];
    const at = steps.findIndex((li) => li.dataset.figure === figure && new RegExp(`(^|;)\\s*line=${line}\\s*(;|$)`).test(li.dataset.settings ?? ""));
    if (at < 0) throw new Error(`no step shows line ${line} of ${figure}`);
    return at + 1;
  }, [figure, line]);
}

/** Only the current step's figure shows, and every one of its panels shown draws. */
async function assertFigureDraws(page) {
  const { figure, step } = await current(page);
  const shown = await page.$$eval("figure.explorable", (all) => all.filter((f) => f.getClientRects().length > 0).map((f) => f.id));
  assert.deepEqual(shown, [figure], `step ${step} shows other figures`);
  const canvases = await page.$$eval(`#${figure} canvas`, (all) => all.filter((c) => c.getClientRects().length > 0).map((c) => c.id));
  assert.ok(canvases.length > 0, `${figure} has no canvas`);
  for (const canvas of canvases) await waitForDrawing(page, `#${canvas}`);
  assert.equal(await page.locator(`#${figure} .fig-error`).count(), 0, `${figure} shows an error`);
}

/** Presses ArrowRight until the current step's figure is `id`; returns that step. */
async function goToFigure(page, id) {
  for (;;) {
    const now = await current(page);
    if (now.figure === id) return now;
    assert.ok(now.step < now.of, `the walkthrough never reaches ${id}`);
    await page.keyboard.press("ArrowRight");
  }
}

const visible = (page, selector) => page.locator(selector).first().isVisible();

describe("the walkthrough", () => {
  test("Next, Previous and the keys move the step and the URL, and every step's figure draws", async () => {
    const { context, page, problems } = await openWalk("?walk=1", { deviceScaleFactor: 1 });
    const first = await assertStep(page, 1);
    assert.ok(first.of >= 20, `only ${first.of} steps`);
    assert.ok(await page.locator(".walk-previous").isDisabled(), "Previous works on the first step");
    for (const chrome of [".page-header", "#introduction", "#contents", ".page-footer", "#sec-rescaling"]) {
      assert.equal(await visible(page, chrome), false, `${chrome} shows in the walkthrough`);
    }

    await page.locator(".walk-next").click();
    const second = await assertStep(page, 2);
    assert.notEqual(second.statement, first.statement);
    assert.match(second.hash, /^#(.*&)?interpolation\.labels=random(&|$)/, "the step's setting is not in the URL");
    assert.equal(await page.locator("#interpolation-labels").inputValue(), "1", "the figure did not take the step's setting");
    await page.keyboard.press("ArrowRight");
    await assertStep(page, 3);
    await page.keyboard.press("PageDown");
    await assertStep(page, 4);
    await page.keyboard.press("ArrowLeft");
    await assertStep(page, 3);
    await page.keyboard.press("PageUp");
    await assertStep(page, 2);
    await page.locator(".walk-previous").click();
    await assertStep(page, 1);
    assert.doesNotMatch((await current(page)).hash, /labels=random/, "the first step kept the second's setting");

    // A slider keeps its own arrow keys.
    await page.locator("#interpolation-noise-slider").focus();
    await page.keyboard.press("ArrowRight");
    await assertStep(page, 1);
    assert.notEqual(await page.locator("#interpolation-noise").inputValue(), "0.1", "the slider did not move");
    await page.evaluate(() => document.activeElement.blur());

    // Every step in turn: its figure alone shows, and draws.
    for (let k = 1; k <= first.of; k++) {
      await assertStep(page, k);
      await assertFigureDraws(page);
      if (k === 1 || k === first.of) await page.screenshot({ path: `${SHOTS}/walkthrough-step-${k}.png` });
      await page.keyboard.press("ArrowRight");
    }
    await assertStep(page, first.of);
    assert.ok(await page.locator(".walk-next").isDisabled(), "Next works on the last step");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a link to step k opens step k, with the state its figure needs or the link's own", async () => {
    const start = await openWalk("?walk=1");
    const proof = await goToFigure(start.page, "proof-lemma4");
    await start.page.keyboard.press("ArrowRight");
    await start.page.keyboard.press("ArrowRight");
    await start.page.keyboard.press("ArrowRight");
    const fourth = await assertStep(start.page, proof.step + 3);
    await start.context.close();

    const { context, page, problems } = await openWalk(`?walk=${fourth.step}`);
    const opened = await assertStep(page, fourth.step);
    assert.equal(opened.figure, "proof-lemma4");
    assert.equal(opened.statement, fourth.statement);
    assert.equal(await page.locator("#proof-lemma4-line").inputValue(), "4", "the proof is not at line 4");
    const lines = await page.$$eval("#proof-lemma4-steps > li", (all) => all.map((li) => li.getClientRects().length > 0));
    assert.deepEqual(lines.map((shown, i) => (shown ? i + 1 : 0)).filter(Boolean), [4], "not exactly line 4 shows");
    await assertFigureDraws(page);
    await page.screenshot({ path: `${SHOTS}/walkthrough-proof-line.png` });
    assert.deepEqual(problems, []);
    await context.close();

    // A link that carries a state for the step's figure keeps it.
    const linked = await openWalk("?walk=1#interpolation.n=9");
    await assertStep(linked.page, 1);
    assert.equal(await linked.page.locator("#interpolation-n").inputValue(), "9", "the link's state was dropped");
    assert.deepEqual(linked.problems, []);
    await linked.context.close();

    // A step that does not exist: step 1, and a message that says why.
    const wrong = await openWalk("?walk=9999");
    await assertStep(wrong.page, 1);
    assert.match(await wrong.page.locator(".walk-notice").textContent(), /“9999”/);
    assert.deepEqual(wrong.problems, []);
    await wrong.context.close();
  });

  test("a proof's own controls and the walkthrough move together", async () => {
    const { context, page, problems } = await openWalk("?walk=1");
    await goToFigure(page, "proof-mean-dynamics");
    assert.equal(await page.locator("#proof-mean-dynamics-line").inputValue(), "1");
    // The figure's own Next button: the walkthrough follows to the first step of line 2 (a
    // line may have more than one step).
    await page.locator("#proof-mean-dynamics .fig-buttons button", { hasText: /^Next$/ }).click();
    const line2 = await stepOfLine(page, "proof-mean-dynamics", 2);
    await assertStep(page, line2);
    assert.equal(await page.locator("#proof-mean-dynamics-line").inputValue(), "2");
    // ArrowRight with the figure focused moves one step, not two.
    await page.locator("#proof-mean-dynamics").focus();
    await page.keyboard.press("ArrowRight");
    await assertStep(page, line2 + 1);
    assert.equal(await page.locator("#proof-mean-dynamics-line").inputValue(), "3");
    // The figure's own key for its next line: the walkthrough follows.
    await page.locator("#proof-mean-dynamics").focus();
    await page.keyboard.press("ArrowDown");
    await assertStep(page, await stepOfLine(page, "proof-mean-dynamics", 4));
    assert.equal(await page.locator("#proof-mean-dynamics-line").inputValue(), "4");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a step shows its evidence panels; the bar's button and the key P show the others and hide them again", async () => {
    const { context, page, problems } = await openWalk("?walk=1");
    const step = await goToFigure(page, "function-space");
    const named = await page.evaluate((k) => document.getElementById("walkthrough").content.querySelectorAll("li")[k - 1].dataset.panels.split(/\s+/), step.step);
    const shownPanels = () => page.$$eval("#function-space canvas", (all) => all.filter((c) => c.getClientRects().length > 0).map((c) => c.id.replace("function-space-", "")));
    const all = await page.$$eval("#function-space canvas", (all) => all.map((c) => c.id.replace("function-space-", "")));
    assert.ok(named.length < all.length, "the step names every panel");
    assert.deepEqual(await shownPanels(), all.filter((key) => named.includes(key)));
    const button = page.locator(".walk-panels");
    assert.equal(await button.textContent(), `All ${all.length} panels`);
    assert.equal(await button.getAttribute("aria-pressed"), "false");
    await button.click();
    assert.deepEqual(await shownPanels(), all);
    assert.equal(await button.getAttribute("aria-pressed"), "true");
    for (const key of all) await waitForDrawing(page, `#function-space-${key}`);
    await page.screenshot({ path: `${SHOTS}/walkthrough-all-panels.png` });
    await page.keyboard.press("p");
    assert.deepEqual(await shownPanels(), all.filter((key) => named.includes(key)));
    await page.keyboard.press("p");
    assert.deepEqual(await shownPanels(), all);
    // The next step starts from its own evidence again.
    await page.keyboard.press("ArrowRight");
    assert.equal(await button.getAttribute("aria-pressed"), "false");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("the presentation shows one step per screen without the page's chrome; Escape leaves it", async () => {
    for (const colorScheme of ["light", "dark"]) {
      for (const viewport of [{ width: 1280, height: 800 }, { width: 375, height: 800 }]) {
        const { context, page, problems } = await openWalk("?present", { viewport, colorScheme });
        const step = await goToFigure(page, "quadratic-1d");
        assert.match(step.query, /&present$/);
        assert.ok(await page.evaluate(() => document.body.classList.contains("mode-present")));
        for (const chrome of [".page-header", "#contents", ".page-footer", ".walk-leave", "#quadratic-1d .fig-exports", ".walk-current .caption"]) {
          assert.equal(await visible(page, chrome), false, `${chrome} shows in the presentation`);
        }
        const statementSize = await page.$eval(".walk-statement", (p) => parseFloat(getComputedStyle(p).fontSize));
        assert.ok(statementSize >= (viewport.width > 600 ? 28 : 18), `the statement is set in ${statementSize}px`);
        await assertFigureDraws(page);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
        if (viewport.width > 600) {
          // The panels fit on the screen below the statement.
          const bottom = await page.$eval("#quadratic-1d .fig-panels", (p) => p.getBoundingClientRect().bottom);
          assert.ok(bottom <= viewport.height, `the panels end at ${bottom}px, below the screen`);
        }
        await page.screenshot({ path: `${SHOTS}/present-${viewport.width}-${colorScheme}.png` });

        await page.keyboard.press("Escape");
        const left = await assertStep(page, step.step);
        assert.equal(left.query, `?walk=${step.step}`);
        assert.equal(await page.evaluate(() => document.body.classList.contains("mode-present")), false);
        assert.ok(await visible(page, ".walk-leave"), "the walkthrough lost its way back");
        await page.locator(".walk-present").click();
        assert.equal((await current(page)).query, `?walk=${step.step}&present`);
        assert.deepEqual(problems, []);
        await context.close();
      }
    }
  });

  test("presenting at 1280 × 720, every step's plots draw tick labels of 16 px and more, titles and legends of 18", async () => {
    const { context, page, problems } = await openWalk("?walk=1&present", { viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1 });
    const { of } = await current(page);
    const small = [];
    for (let k = 1; k <= of; k++) {
      const { figure } = await assertStep(page, k);
      const canvases = await page.$$eval(`#${figure} canvas`, (all) => all.filter((c) => c.getClientRects().length > 0).map((c) => c.id));
      assert.ok(canvases.length > 0, `step ${k} shows no panel`);
      for (const canvas of canvases) {
        await waitForDrawing(page, `#${canvas}`);
        // Drawn at the size the layout gave it, which the sizes written on it are of.
        await canvasInView(page.locator(`#${canvas}`));
        await page.waitForFunction((id) => document.getElementById(id).dataset.textPx, canvas);
        const written = await page.$eval(`#${canvas}`, (c) => c.dataset.textPx);
        const sizes = Object.fromEntries(written.split(" ").map((entry) => entry.split(":")).map(([layer, px]) => [layer, Number(px)]));
        // The data layer holds the panel's title (and the labels on its data), the mesh its tick
        // labels and axis descriptions.
        const least = { data: 18, mesh: 16, legend: 18 };
        assert.ok(Object.keys(sizes).length > 0 && Object.keys(sizes).every((layer) => layer in least), `step ${k}, ${canvas}: "${written}"`);
        for (const [layer, px] of Object.entries(sizes)) {
          if (!(px >= least[layer] - 0.05)) small.push(`step ${k}, ${canvas}: ${layer} text of ${px} px`);
        }
      }
      if ([1, 15, 22, 36, 48].includes(k)) await page.screenshot({ path: `${SHOTS}/present-720-step-${k}.png` });
      await page.keyboard.press("ArrowRight");
    }
    assert.deepEqual(small, [], "plot text too small to read from the back of the room");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("the full page leads into the walkthrough, and the walkthrough back to the figure's state", async () => {
    const { context, page, problems } = await openPage(browser, server, "", { deviceScaleFactor: 1 });
    const entry = page.locator(".reading-modes a", { hasText: "walkthrough" });
    assert.equal(await entry.getAttribute("href"), "./?walk=1");
    await entry.click();
    await page.waitForFunction(() => document.querySelector(".walk-statement")?.textContent.length > 0);
    await assertStep(page, 1);
    const step = await goToFigure(page, "quadratic-1d");
    const eta = await page.locator("#quadratic-1d-eta").inputValue();
    assert.match(step.hash, new RegExp(`quadratic-1d\\.eta=${eta.replace(".", "\\.")}`));
    const leave = page.locator(".walk-leave");
    await leave.hover();
    assert.equal(await leave.evaluate((a) => a.href), `${server.url}#quadratic-1d&quadratic-1d.eta=${eta}`);
    await leave.click();
    await page.waitForSelector(".page-header", { state: "visible" });
    await page.waitForFunction(() => document.querySelector("#quadratic-1d .fig-verdict")?.textContent.length > 0);
    assert.equal(await page.locator("#quadratic-1d-eta").inputValue(), eta, "the full page lost the state");
    await page.waitForFunction(() => {
      const box = document.getElementById("quadratic-1d").getBoundingClientRect();
      return box.top >= -1 && box.top < innerHeight / 2;
    });
    assert.deepEqual(problems, []);
    await context.close();
  });
});
