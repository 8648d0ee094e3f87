// End-to-end tests of links to a paused run: pausing the edge-of-stability figure puts how far
// it got into the URL (`edge-of-stability.at=N`), and the same URL opened in a new page replays
// exactly that far and pauses there, showing the same step, verdict, readouts and drawing. A
// malformed or meaningless `at` is reported and the rest of the link applies.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { canvasFingerprint, openPage, startSite, stopSite, figureButton } from "./browser.mjs";

const SHOTS = "target/e2e";
const FIGURE = "edge-of-stability";
let server;
let browser;

before(async () => ({ server, browser } = await startSite()));
after(() => stopSite(server, browser));

const playButton = (page) => page.locator(`#${FIGURE} button.fig-play`);
const text = (page, selector) => page.locator(selector).textContent();
const progressIn = (hash) => hash.match(new RegExp(`${FIGURE}\\.at=(\\d+)`))?.[1];

/** What the figure shows: verdict, readouts, play button and its loss and sharpness panels. */
async function shown(page) {
  return {
    verdict: await text(page, `#${FIGURE} .fig-verdict`),
    readouts: await text(page, `#${FIGURE} .fig-readouts`),
    play: await text(page, `#${FIGURE} button.fig-play`),
    loss: await canvasFingerprint(page, `#${FIGURE}-loss`),
    sharpness: await canvasFingerprint(page, `#${FIGURE}-sharpness`),
  };
}

/** Waits until the figure is paused (its button offers Play) and no longer restoring a link. */
async function waitPaused(page, timeout = 60000) {
  await page.waitForFunction(
    (id) =>
      document.querySelector(`#${id} button.fig-play`).textContent === "Play" &&
      !document.querySelector(`#${id} .fig-readouts`).textContent.includes("restoring"),
    FIGURE,
    { timeout },
  );
}

describe("a link to a paused run", () => {
  test("restores the same step, verdict, readouts and drawing, and Step and Play keep it", async () => {
    const first = await openPage(browser, server);
    // Paused from inside the page, in the frame that first shows step 40 or more: a click from
    // outside could come after the end of a fast run.
    await first.page.evaluate(
      (id) =>
        new Promise((paused) => {
          const poll = () => {
            const step = document.querySelector(`#${id} .fig-verdict`).textContent.match(/^Running: step (\d+)/)?.[1];
            if (Number(step) >= 40) {
              document.querySelector(`#${id} button.fig-play`).click();
              paused();
            } else {
              requestAnimationFrame(poll);
            }
          };
          poll();
        }),
      FIGURE,
    );
    await first.page.waitForFunction((id) => location.hash.includes(`${id}.at=`), FIGURE);
    const paused = await shown(first.page);
    assert.equal(paused.play, "Play");
    assert.match(paused.verdict, /^Paused at step \d+/, "paused before the end of the run, and saying so");
    assert.doesNotMatch(paused.readouts, /speed/, "a paused run shows no speed");
    const href = await first.page.evaluate(() => location.href);
    const units = Number(progressIn(href));
    assert.ok(units >= 40, `the link says ${units} units`);
    // Copy link copies that state, and says so.
    await figureButton(first.page, FIGURE, "Copy link").click();
    assert.match(await text(first.page, `#${FIGURE} .fig-note`), new RegExp(`${FIGURE}\\.at=${units}`));

    const second = await openPage(browser, server, new URL(href).hash);
    await waitPaused(second.page);
    const restored = await shown(second.page);
    assert.deepEqual(restored, paused, "the restored page differs from the paused one");
    assert.equal(progressIn(await second.page.evaluate(() => location.hash)), String(units));
    await second.page.locator(`#${FIGURE}`).screenshot({ path: `${SHOTS}/edge-of-stability-restored.png` });

    // Step advances one unit in both, and the link follows.
    await figureButton(first.page, FIGURE, "Step").click();
    await figureButton(second.page, FIGURE, "Step").click();
    for (const page of [first.page, second.page]) {
      await page.waitForFunction((want) => location.hash.includes(want), `${FIGURE}.at=${units + 1}`);
    }
    assert.equal(await text(second.page, `#${FIGURE} .fig-verdict`), await text(first.page, `#${FIGURE} .fig-verdict`));
    assert.notEqual(await text(second.page, `#${FIGURE} .fig-verdict`), paused.verdict);
    // Playing again drops the entry; a finished run has none.
    await playButton(second.page).click();
    assert.equal(progressIn(await second.page.evaluate(() => location.hash)), undefined);
    await waitPaused(second.page, 240000);
    assert.match(await text(second.page, `#${FIGURE} .fig-verdict`), /^Done, step 4000/);
    assert.equal(progressIn(await second.page.evaluate(() => location.hash)), undefined);
    assert.deepEqual(first.problems, []);
    assert.deepEqual(second.problems, []);
    await first.context.close();
    await second.context.close();
  });

  test("a malformed or meaningless progress is reported, and the rest of the link applies", async () => {
    const hash =
      `#${FIGURE}.eta=0.05&${FIGURE}.at=12x` +
      "&quadratic-1d.eta=1.4&quadratic-1d.at=99999999" +
      "&proof-lemma4.line=3&proof-lemma4.at=5" +
      "&sharpness-vs-lr.count=5&sharpness-vs-lr.at=-3";
    const { context, page, problems } = await openPage(browser, server, hash);
    const note = (figure) => text(page, `#${figure} .fig-note`);
    assert.match(await note(FIGURE), /^“at=12x” \(how far the run had got\) must be a whole number from 0 to 10000000 \(from the link; not applied\)$/);
    assert.match(await note("quadratic-1d"), /^“at=99999999” \(how far the run had got\) is more than the 10000000 a link may replay/);
    assert.match(await note("proof-lemma4"), /^“at=5” asks to replay a run, but this figure shows its result at once/);
    assert.match(await note("sharpness-vs-lr"), /^“at=-3” \(how far the run had got\) must be a whole number/);
    // The settings beside them apply, and the figures run to their end.
    assert.equal(await page.locator(`#${FIGURE}-eta`).inputValue(), "0.05");
    assert.equal(await page.locator("#quadratic-1d-eta").inputValue(), "1.4");
    assert.equal(await page.locator("#sharpness-vs-lr-count").inputValue(), "5");
    assert.equal(await page.locator("#proof-lemma4-line").inputValue(), "3");
    await waitPaused(page, 240000);
    assert.match(await text(page, `#${FIGURE} .fig-verdict`), /^Done, step \d+/);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("Step shows a change where one unit is a small slice of work, and the link counts every unit", async () => {
    // Paused before any work, by a link that replays none.
    const figure = "interpolation";
    const { context, page, problems } = await openPage(browser, server, `#${figure}.at=0`);
    await page.waitForFunction((id) => document.querySelector(`#${id} button.fig-play`).textContent === "Play", figure);
    const look = async () => ({
      verdict: await text(page, `#${figure} .fig-verdict`),
      readouts: await text(page, `#${figure} .fig-readouts`),
      canvases: await page.$$eval(`#${figure} canvas`, (all) => all.map((c) => c.toDataURL())),
    });
    const before = await look();
    await figureButton(page, figure, "Step").click();
    await page.waitForFunction((id) => new RegExp(`${id}\\.at=[1-9]`).test(location.hash), figure);
    // The figure is drawn again on the next animation frame.
    await page.evaluate(() => new Promise((drawn) => requestAnimationFrame(() => requestAnimationFrame(drawn))));
    assert.notDeepEqual(await look(), before, "a click on Step changed nothing the reader sees");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a run that ends before the link's units shows its end", async () => {
    const { context, page, problems } = await openPage(browser, server, `#${FIGURE}.steps=100&${FIGURE}.at=5000`);
    await waitPaused(page);
    assert.match(await text(page, `#${FIGURE} .fig-verdict`), /^Done, step 100:/);
    assert.equal(progressIn(await page.evaluate(() => location.hash)), undefined, "a finished run keeps no progress");
    assert.deepEqual(problems, []);
    await context.close();
  });
});
