// End-to-end tests of the built page (`trunk build --release` into dist/, or $SITE_DIR) in
// Debian's Chromium: every figure draws, controls change the drawing, the URL keeps the state,
// bad input is refused with a message, no console error, no failed request, and no request
// leaves the origin. Screenshots go to target/e2e/ for people to look at.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { canvasFingerprint, canvasStats, fullPageScreenshot, openPage, settle, startSite, stopSite, withEverySectionRendered } from "./browser.mjs";

const SITE = process.env.SITE_DIR ?? "dist";
const SHOTS = "target/e2e";

let server;
let browser;

before(async () => ({ server, browser } = await startSite(SITE)));
after(() => stopSite(server, browser));

const open = (hash = "", options = {}) => openPage(browser, server, hash, options);
describe("the page", () => {
  test("every figure draws sharp, non-blank panels; math is rendered; no errors or foreign requests", async () => {
    const { context, page, problems } = await open();
    await settle(page);
    const figures = await page.$$eval("figure.explorable", (els) => els.map((f) => ({ id: f.id, canvases: [...f.querySelectorAll("canvas")].map((c) => c.id) })));
    assert.ok(figures.length >= 2, "the page has fewer figures than it should");
    for (const { id, canvases } of figures) {
      assert.ok(canvases.length > 0, `${id} has no canvas`);
      assert.equal(await page.locator(`#${id} .fig-error`).count(), 0, `${id} shows an error`);
      for (const canvasId of canvases) {
        const panel = canvasId.slice(id.length + 1);
        const stats = await canvasStats(page, `#${canvasId}`);
        assert.ok(stats.colours > 20, `${id}/${panel} looks blank: ${stats.colours} colours`);
        assert.ok(stats.inkShare > 0.02, `${id}/${panel} has almost no ink: ${stats.inkShare}`);
        assert.equal(stats.width, Math.round(stats.cssWidth * 2), `${id}/${panel} buffer is not CSS width × devicePixelRatio`);
        assert.equal(stats.height, Math.round(stats.cssHeight * 2), `${id}/${panel} buffer is not CSS height × devicePixelRatio`);
      }
      // Its section rendered: a figure taller than the window is shot in parts, and a part far
      // from where the page stands would otherwise come out blank.
      await withEverySectionRendered(page, () => page.locator(`#${id}`).screenshot({ path: `${SHOTS}/${id}.png` }));
    }
    const mathCount = await page.locator("math").count();
    assert.ok(mathCount > 50, `only ${mathCount} MathML formulas on the page`);
    assert.equal(await page.locator(".tex:not(:has(math))").count(), 0, "some TeX was not rendered");
    await fullPageScreenshot(page, `${SHOTS}/page.png`);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a slider changes the drawing and the verdict, and the URL keeps the state", async () => {
    const { context, page, problems } = await open();
    await settle(page);
    const before = await canvasFingerprint(page, "#quadratic-1d-cobweb");
    const verdictBefore = await page.locator("#quadratic-1d .fig-verdict").textContent();
    const slider = page.locator("#quadratic-1d-eta-slider");
    await slider.focus();
    for (let i = 0; i < 40; i++) await page.keyboard.press("ArrowRight");
    await page.waitForFunction((old) => document.querySelector("#quadratic-1d .fig-verdict").textContent !== old, verdictBefore);
    const after = await canvasFingerprint(page, "#quadratic-1d-cobweb");
    assert.notEqual(after, before, "the cobweb did not change");
    const eta = await page.locator("#quadratic-1d-eta").inputValue();
    assert.notEqual(eta, "1.2");
    const hash = await page.evaluate(() => location.hash);
    assert.match(hash, new RegExp(`quadratic-1d\\.eta=${eta.replace(".", "\\.")}`));

    const again = await open(hash);
    assert.equal(await again.page.locator("#quadratic-1d-eta").inputValue(), eta, "the link did not restore η");
    assert.deepEqual([...problems, ...again.problems], []);
    await again.context.close();
    await context.close();
  });

  test("a typed value out of range is refused with a message and changes nothing", async () => {
    const { context, page, problems } = await open();
    await settle(page);
    const verdict = await page.locator("#quadratic-nd .fig-verdict").textContent();
    const drawing = await canvasFingerprint(page, "#quadratic-nd-contours");
    for (const bad of ["-1", "NaN", "abc", "1e999", "99"]) {
      await page.locator("#quadratic-nd-eta").fill(bad);
      await page.locator("#quadratic-nd-eta").press("Enter");
      const message = await page.locator("#quadratic-nd-eta-msg").textContent();
      assert.match(message, /step size/, `no message for ${bad}`);
      assert.equal(await page.locator("#quadratic-nd .fig-verdict").textContent(), verdict);
      assert.equal(await canvasFingerprint(page, "#quadratic-nd-contours"), drawing);
    }
    await page.locator("#quadratic-nd-eta").fill("0.8");
    await page.locator("#quadratic-nd-eta").press("Enter");
    assert.equal(await page.locator("#quadratic-nd-eta-msg").textContent(), "");
    await page.waitForFunction(() => document.querySelector("#quadratic-nd .fig-verdict").textContent.includes("diverges"));
    await page.locator("#quadratic-nd").screenshot({ path: `${SHOTS}/quadratic-nd-diverging.png` });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a malformed link shows messages and keeps the defaults", async () => {
    const { context, page, problems } = await open("#quadratic-1d.eta=abc&quadratic-1d.a=1e9&quadratic-1d.steps=2.5&quadratic-nd.a1=%zz&junk");
    assert.equal(await page.locator("#quadratic-1d-eta").inputValue(), "1.2");
    assert.match(await page.locator("#quadratic-1d-eta-msg").textContent(), /not a number/);
    assert.match(await page.locator("#quadratic-1d-a-msg").textContent(), /between/);
    assert.match(await page.locator("#quadratic-1d-steps-msg").textContent(), /whole number/);
    assert.match(await page.locator("#quadratic-nd-a1-msg").textContent(), /not a number/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("the layout stays readable at 375 px, in light and dark mode", async () => {
    for (const colorScheme of ["light", "dark"]) {
      const { context, page, problems } = await open("", { viewport: { width: 375, height: 800 }, colorScheme });
      await settle(page);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 375px`);
      await page.locator("#quadratic-1d").screenshot({ path: `${SHOTS}/narrow-${colorScheme}-quadratic-1d.png` });
      const stats = await canvasStats(page, "#quadratic-1d-iterates");
      assert.ok(stats.colours > 20);
      assert.deepEqual(problems, []);
      await context.close();
    }
  });
});
