// Accessibility of the built page: an axe-core audit of the whole page after the figures have
// drawn, in light and dark colour schemes, wide and phone-narrow, and of the walkthrough, its
// presentation layout, its handout and embedded figures; nothing wider than a phone's screen;
// plots in the reader's colour scheme, following it when it changes; every control reachable
// with the keyboard; and a live text summary in every figure. Full-page screenshots at phone
// width go to target/e2e/ for people to look at.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { axeFindings, fullPageScreenshot, openPage, withEverySectionRendered, settle, startSite, stopSite, watch } from "./browser.mjs";

const SITE = process.env.SITE_DIR ?? "dist";
const SHOTS = "target/e2e";
const PHONE = 375;

let server;
let browser;

before(async () => ({ server, browser } = await startSite(SITE)));
after(() => stopSite(server, browser));

/** The relative luminance (0 black, 1 white) of the top-left pixel of every canvas. */
async function canvasBackgrounds(page) {
  return page.$$eval("figure.explorable canvas", (canvases) =>
    canvases.map((c) => {
      const [r, g, b] = c.getContext("2d").getImageData(0, 0, 1, 1).data;
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    }),
  );
}

describe("the accessibility audit", () => {
  for (const colorScheme of ["light", "dark"]) {
    for (const width of [1280, PHONE]) {
      test(`${colorScheme}, ${width} px wide: no finding, nothing too wide, plots in the scheme`, async () => {
        const { context, page, problems } = await openPage(browser, server, "", {
          viewport: { width, height: 900 },
          deviceScaleFactor: 1,
          colorScheme,
          bypassCSP: true,
        });
        await settle(page);
        assert.deepEqual(await withEverySectionRendered(page, () => axeFindings(page)), []);
        const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(scrollWidth <= width + 1, `the page is ${scrollWidth} px wide in a ${width} px window`);
        const backgrounds = await canvasBackgrounds(page);
        assert.ok(backgrounds.length > 10, "too few plots");
        for (const luminance of backgrounds) {
          if (colorScheme === "dark") assert.ok(luminance < 0.2, `a plot is light in dark mode (${luminance})`);
          else assert.ok(luminance > 0.8, `a plot is dark in light mode (${luminance})`);
        }
        if (width === PHONE) await fullPageScreenshot(page, `${SHOTS}/phone-${colorScheme}.png`);
        assert.deepEqual(problems, []);
        await context.close();
      });
    }
  }

  test("the page without WebAssembly: no finding, and the message is shown", async () => {
    const context = await browser.newContext({ viewport: { width: PHONE, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    await page.addInitScript(() => delete window.WebAssembly);
    await page.goto(server.url);
    await page.locator("#loading.failed").waitFor();
    assert.deepEqual(await withEverySectionRendered(page, () => axeFindings(page)), []);
    await context.close();
  });
});

describe("the accessibility audit of the other readings", () => {
  // A walkthrough step with a figure, a proof's step in the presentation layout, a figure and a
  // proof figure embedded alone, the message for an embed of no figure, a proof step's handout
  // and the message for a handout of no step.
  const READINGS = [
    { query: "?walk=1", ready: ".walk-current .fig-verdict" },
    { query: "?walk=30&present", ready: ".walk-current .fig-verdict" },
    { query: "?embed=edge-of-stability", ready: "#edge-of-stability .fig-verdict" },
    { query: "?embed=proof-lemma4#proof-lemma4.line=2", ready: "#proof-lemma4 .fig-verdict" },
    { query: "?embed=no-such-figure", ready: ".fig-error" },
    { query: "?handout=17", ready: "body[data-handout]" },
    { query: "?handout=0", ready: ".fig-error" },
  ];
  for (const colorScheme of ["light", "dark"]) {
    for (const { query, ready } of READINGS) {
      test(`${query}, ${colorScheme}: no finding, nothing too wide`, async () => {
        // Not openPage: the walkthrough draws only the figure of its step, so the others have no
        // verdict to wait for.
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme, bypassCSP: true });
        const page = await context.newPage();
        const problems = watch(page, server.origin);
        await page.goto(server.url + query);
        await page.waitForSelector("#loading", { state: "detached", timeout: 20000 });
        await page.waitForFunction((selector) => document.querySelector(selector)?.textContent.length > 0, ready);
        assert.deepEqual(await withEverySectionRendered(page, () => axeFindings(page)), []);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
        assert.deepEqual(problems, []);
        await context.close();
      });
    }
  }
});

describe("reading and operating the figures", () => {
  test("the plots follow a change of the colour scheme", async () => {
    const { context, page } = await openPage(browser, server, "", { colorScheme: "light" });
    await settle(page);
    assert.ok((await canvasBackgrounds(page)).every((l) => l > 0.8));
    await page.emulateMedia({ colorScheme: "dark" });
    await page.waitForFunction(() =>
      [...document.querySelectorAll("figure.explorable canvas")].every((c) => {
        const [r, g, b] = c.getContext("2d").getImageData(0, 0, 1, 1).data;
        return r + g + b < 3 * 60;
      }),
    );
    await context.close();
  });

  test("every control of every figure is reached with the Tab key, in order", async () => {
    const { context, page, problems } = await openPage(browser, server);
    await settle(page);
    const figures = await page.$$eval("figure.explorable", (els) => els.map((f) => f.id));
    for (const id of figures) {
      // A disabled control (Clear runs with no runs kept) is rightly left out of the Tab order.
      const controls = await page.$$eval(`#${id} :is(input, select, button):not(:disabled)`, (els) =>
        els.map((el, i) => el.id || `${el.tagName}:${i}`),
      );
      // Tab from the element just before the figure's first control.
      await page.$eval(`#${id} :is(input, select, button)`, (first) => {
        const all = [...document.querySelectorAll("a[href], input, select, button, [tabindex]")];
        const before = all[all.indexOf(first) - 1];
        before.focus();
      });
      const reached = [];
      for (let i = 0; i < controls.length * 2 && reached.length < controls.length; i++) {
        await page.keyboard.press("Tab");
        const here = await page.evaluate((figureId) => {
          const el = document.activeElement;
          if (!el.closest(`#${figureId}`) || !el.matches("input, select, button")) return null;
          const all = [...document.querySelectorAll(`#${figureId} :is(input, select, button):not(:disabled)`)];
          return el.id || `${el.tagName}:${all.indexOf(el)}`;
        }, id);
        if (here !== null) reached.push(here);
      }
      assert.deepEqual(reached, controls, `${id}: the Tab key does not reach every control in order`);
    }
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("every figure has a live text summary with its numbers", async () => {
    const { context, page } = await openPage(browser, server);
    const summaries = await page.$$eval("figure.explorable", (els) =>
      els.map((f) => {
        const live = f.querySelector('[aria-live="polite"][role="status"]');
        return { id: f.id, text: live?.textContent ?? "" };
      }),
    );
    for (const { id, text } of summaries) assert.match(text, /\d/, `${id} has no live summary with numbers`);
    await context.close();
  });
});
