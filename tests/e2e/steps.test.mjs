// Every step of the walkthrough in Chromium, as a reader sees it (1280 × 800) and as a lecturer
// presents it (1280 × 720), on the built page ($SITE_DIR, default dist). For each step, read from
// the page's own <template id="walkthrough">:
//
// - once its figure has reached the step's state (its run paused at data-at or ended), the
//   verdict or the readouts say every phrase of data-shows;
// - a proof step's line is the same in the statement's settings, the proof's highlighted line,
//   the figure's stepper and its verdict ("Line k …" or "Step k of n …");
// - on the first screen, without scrolling, in both layouts: the statement, a proof's current
//   line, every panel the step names (drawn; presenting, large enough for the plots' full text
//   size) and the verdict; no formula is cut at the right;
// - the verdict and readouts show no raw index ("λ_max"): indices are subscripts.
//
// One browser and one page walk all the steps; a screenshot of each step in each layout goes to
// target/e2e/step-<k>.png and step-<k>-present.png.

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startSite, stopSite, waitForDrawing, watch } from "./browser.mjs";

const SHOTS = "target/e2e";
const READING = { width: 1280, height: 800 };
const PRESENTING = { width: 1280, height: 720 };

let server;
let browser;

before(async () => ({ server, browser } = await startSite()));
after(() => stopSite(server, browser));

/** The steps as the page declares them. */
function declaredSteps(page) {
  return page.evaluate(() =>
    [...document.getElementById("walkthrough").content.querySelectorAll("li")].map((li) => ({
      figure: li.dataset.figure,
      panels: (li.dataset.panels ?? "").split(/\s+/).filter(Boolean),
      shows: (li.dataset.shows ?? "").split(";").map((s) => s.trim()).filter(Boolean),
      line: Number(/(?:^|;)\s*line\s*=\s*(\d+)/.exec(li.dataset.settings ?? "")?.[1] ?? 0),
    })),
  );
}

/** What the figure says: its verdict, then its readouts as "label: value". */
function said(page, figure) {
  return page.evaluate((id) => {
    const fig = document.getElementById(id);
    const verdict = fig.querySelector(".fig-verdict")?.textContent ?? "";
    const terms = [...fig.querySelectorAll(".fig-readouts dt")];
    return [verdict, ...terms.map((dt) => `${dt.textContent}: ${dt.nextElementSibling?.textContent ?? ""}`)];
  }, figure);
}

/** Waits until the figure has stopped (paused at the step's units, or at the end of its run)
 *  and says every phrase of `shows`; fails with what it says instead. */
async function waitForState(page, step, k) {
  try {
    await page.waitForFunction(
      ({ figure, shows }) => {
        const fig = document.getElementById(figure);
        if (fig.querySelector("button.fig-play")?.textContent !== "Play") return false;
        const texts = [fig.querySelector(".fig-verdict")?.textContent ?? ""];
        for (const dt of fig.querySelectorAll(".fig-readouts dt")) texts.push(`${dt.textContent}: ${dt.nextElementSibling?.textContent ?? ""}`);
        const all = texts.join("\n").toLowerCase();
        return shows.every((phrase) => all.includes(phrase.toLowerCase()));
      },
      step,
      { timeout: 120000, polling: 250 },
    );
  } catch {
    assert.fail(`step ${k} (${step.figure}): the figure never says ${JSON.stringify(step.shows)}; it says:\n${(await said(page, step.figure)).join("\n")}`);
  }
}

/** Two animation frames: what a layout change asks of the figures has been drawn. */
const frames = (page) => page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));

/** The box of `selector` (the first match), or null when it is not displayed. */
function box(page, selector) {
  return page.evaluate((s) => {
    const el = document.querySelector(s);
    if (!el || el.getClientRects().length === 0) return null;
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height };
  }, selector);
}

/** `selector` is displayed within the first screen, not scrolled to. */
async function assertOnFirstScreen(page, selector, what) {
  const viewport = page.viewportSize();
  const b = await box(page, selector);
  assert.ok(b, `${what} is not shown`);
  assert.ok(b.top >= -0.5 && b.bottom <= viewport.height + 0.5, `${what} spans ${b.top.toFixed(0)}–${b.bottom.toFixed(0)} px, outside the first ${viewport.height} px`);
  assert.ok(b.left >= -0.5 && b.right <= viewport.width + 0.5, `${what} is cut at the side`);
}

/** In the presentation, a panel of 400 × 230 CSS pixels or more draws its text at the full zoom,
 *  18 CSS pixels and more (page::walkthrough::FULL_ZOOM_PANEL), a smaller one in proportion,
 *  never below the page's own size. An evidence panel keeps at least 400 × 240. */
const PRESENTED_PANEL = { width: 400, height: 240 };

/** Everything the step relies on is on the first screen of the current layout. */
async function assertFirstScreen(page, step, k, layout) {
  const at = `step ${k} (${layout})`;
  assert.equal(await page.evaluate(() => scrollY), 0, `${at}: the page is scrolled`);
  await assertOnFirstScreen(page, ".walk-statement", `${at}: the statement`);
  if (step.line) await assertOnFirstScreen(page, `#${step.figure}-steps > li.current`, `${at}: the proof's line`);
  for (const key of step.panels) {
    const canvas = `#${step.figure}-${key}`;
    await assertOnFirstScreen(page, canvas, `${at}: the panel ${key}`);
    const size = await box(page, canvas);
    const least = layout === "presenting" ? PRESENTED_PANEL : { width: 240, height: 150 };
    assert.ok(size.width >= least.width - 0.5 && size.height >= least.height - 0.5, `${at}: the panel ${key} is only ${size.width}×${size.height} px`);
    await waitForDrawing(page, canvas);
  }
  await assertOnFirstScreen(page, `#${step.figure} .fig-verdict`, `${at}: the verdict`);
  // No formula of the statement or of the proof's line runs past its box.
  const cut = await page.$$eval(".walk-statement .tex-display, .walk-current .proof-steps > li.current .tex-display", (all) =>
    all.filter((f) => f.scrollWidth > f.clientWidth + 1).map((f) => `${f.scrollWidth} > ${f.clientWidth}`),
  );
  assert.deepEqual(cut, [], `${at}: a formula is cut at the right`);
}

test("every step shows its claim and its evidence together, and the figure says what the step relies on", async () => {
  const context = await browser.newContext({ viewport: READING, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems = watch(page, server.origin);
  await page.goto(`${server.url}?walk=1`);
  await page.waitForSelector("#loading", { state: "detached", timeout: 60000 });
  await page.waitForFunction(() => document.querySelector(".walk-statement")?.textContent.length > 0);
  const steps = await declaredSteps(page);
  assert.ok(steps.length >= 20);

  for (const [i, step] of steps.entries()) {
    const k = i + 1;
    assert.equal(await page.locator(".walk-count").textContent(), `Step ${k} of ${steps.length}`);
    await waitForState(page, step, k);

    const verdict = (await said(page, step.figure))[0];
    if (step.line) {
      assert.equal(await page.locator(`#${step.figure}-line`).inputValue(), String(step.line), `step ${k}: the stepper`);
      const current = await page.$$eval(`#${step.figure}-steps > li`, (all) => all.findIndex((li) => li.classList.contains("current")) + 1);
      assert.equal(current, step.line, `step ${k}: the highlighted line`);
      // The verdict's first clause ends on the line shown ("Line k of n: …", "Line k − 1 ≥ line k: …").
      const named = [...verdict.split(":")[0].matchAll(/line (\d+)/gi)].map((m) => Number(m[1])).pop();
      assert.equal(named, step.line, `step ${k}: the verdict names another line: ${verdict}`);
    }
    for (const text of await said(page, step.figure)) {
      assert.doesNotMatch(text, /\S_[A-Za-z0-9{]/, `step ${k}: a raw index in "${text}"`);
    }

    await frames(page);
    await assertFirstScreen(page, step, k, "reading");
    await page.screenshot({ path: `${SHOTS}/step-${String(k).padStart(2, "0")}.png` });

    await page.setViewportSize(PRESENTING);
    await page.locator(".walk-present").click();
    await frames(page);
    await assertFirstScreen(page, step, k, "presenting");
    await page.screenshot({ path: `${SHOTS}/step-${String(k).padStart(2, "0")}-present.png` });
    await page.keyboard.press("Escape");
    await page.setViewportSize(READING);
    await frames(page);

    if (k < steps.length) await page.keyboard.press("ArrowRight");
  }
  assert.deepEqual(problems, []);
  await context.close();
});
