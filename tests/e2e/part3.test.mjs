// End-to-end tests of the lecture's part III: the `switching`, `function-space` and
// `proof-lemma4` figures draw, react to their controls, keep their state in the URL, and refuse
// bad input with a message while the last good state stays on screen.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { canvasFingerprint, canvasInView, canvasStats, figureButton, openPage, settle, startSite, stopSite } from "./browser.mjs";

const SHOTS = "target/e2e";
const SETTLE_MS = 180000;
const FIGURES = {
  switching: ["minimum", "modes", "sweep", "trajectories"],
  "function-space": ["fit", "knots", "weights", "loss", "sharpness", "corollary", "phi"],
  "proof-lemma4": ["ladder", "step", "net", "corollary"],
};

let server;
let browser;

before(async () => ({ server, browser } = await startSite()));
after(() => stopSite(server, browser));

const open = (hash = "") => openPage(browser, server, hash);
const verdict = (page, figure) => page.locator(`#${figure} .fig-verdict`).textContent();

/** Types `value` into a figure's text control and presses Enter. */
async function type(page, figure, key, value) {
  await page.locator(`#${figure}-${key}`).fill(value);
  await page.locator(`#${figure}-${key}`).press("Enter");
}

describe("part III", () => {
  test("the three figures draw every panel, and each shows what its section says", async () => {
    const { context, page, problems } = await open();
    await settle(page, SETTLE_MS);
    for (const [figure, panels] of Object.entries(FIGURES)) {
      for (const panel of panels) {
        const stats = await canvasStats(page, `#${figure}-${panel}`);
        assert.ok(stats.colours > 20, `${figure}/${panel} looks blank: ${stats.colours} colours`);
        assert.ok(stats.inkShare > 0.02, `${figure}/${panel} has almost no ink`);
      }
      await page.locator(`#${figure}`).screenshot({ path: `${SHOTS}/${figure}.png` });
    }
    const fs = await verdict(page, "function-space");
    assert.match(fs, /too sharp for η₂/, fs);
    assert.match(fs, /GD left it/, fs);
    assert.match(fs, /interpolated again at step \d+/, fs);
    assert.match(await verdict(page, "switching"), /Lemma 3 says θ\* is not strongly stable/);
    assert.match(await verdict(page, "proof-lemma4"), /^Line 1 = λ_?max\(∇²L\) = [\d.]+/);
    assert.equal(await page.locator("#proof-lemma4-steps > li").count(), 10);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("proof-lemma4 steps with Next and the arrow keys, and the link restores the line", async () => {
    const { context, page, problems } = await open();
    await settle(page, SETTLE_MS);
    const ladder = await canvasFingerprint(page, "#proof-lemma4-ladder");
    await figureButton(page, "proof-lemma4", "Next").click();
    // At line 2 the verdict states the step from line 1 to line 2.
    await page.waitForFunction(() => document.querySelector("#proof-lemma4 .fig-verdict").textContent.includes(" line 2 = "));
    assert.match(await verdict(page, "proof-lemma4"), /^Line 1 = [\d.]+ = line 2 = /);
    assert.equal(await page.locator("#proof-lemma4-steps > li:nth-child(2)").getAttribute("aria-current"), "step");
    await page.locator("#proof-lemma4").focus();
    await page.keyboard.press("ArrowRight");
    await page.waitForFunction(() => document.querySelector("#proof-lemma4 .fig-verdict").textContent.startsWith("Line 2 = "));
    assert.notEqual(await canvasFingerprint(page, "#proof-lemma4-ladder"), ladder, "the highlighted line did not move");
    const hash = await page.evaluate(() => location.hash);
    assert.match(hash, /proof-lemma4\.line=3/);
    const again = await open(hash);
    assert.equal(await again.page.locator("#proof-lemma4-line").inputValue(), "3");
    assert.equal(await again.page.locator("#proof-lemma4-steps > li:nth-child(3)").getAttribute("aria-current"), "step");
    await again.page.locator("#proof-lemma4").screenshot({ path: `${SHOTS}/proof-lemma4-line3.png` });
    assert.deepEqual([...problems, ...again.problems], []);
    await again.context.close();
    await context.close();
  });

  test("switching reacts to η: the lemma falls silent and the simulation decides", async () => {
    const { context, page, problems } = await open();
    await settle(page, SETTLE_MS);
    const sweep = await canvasFingerprint(page, "#switching-sweep");
    await type(page, "switching", "eta", "0.4");
    assert.equal(await page.locator("#switching-eta-msg").textContent(), "");
    await settle(page, SETTLE_MS);
    assert.match(await verdict(page, "switching"), /says nothing here/);
    assert.notEqual(await canvasFingerprint(page, "#switching-sweep"), sweep);
    const hash = await page.evaluate(() => location.hash);
    assert.match(hash, /switching\.eta=0\.4/);
    await page.locator("#switching").screenshot({ path: `${SHOTS}/switching-eta-0.4.png` });
    const again = await open(hash);
    assert.equal(await again.page.locator("#switching-eta").inputValue(), "0.4");
    assert.deepEqual([...problems, ...again.problems], []);
    await again.context.close();
    await context.close();
  });

  test("function-space refuses bad input with a message and keeps its last good state", async () => {
    const { context, page, problems } = await open();
    await settle(page, SETTLE_MS);
    const text = await verdict(page, "function-space");
    const drawing = await canvasFingerprint(page, "#function-space-fit");
    // The step cap below the switch: refused beside the control that was changed.
    await type(page, "function-space", "steps", "1000");
    assert.match(await page.locator("#function-space-steps-msg").textContent(), /must come before the step cap/);
    for (const [key, bad, message] of [
      ["n", "500", /between 3 and 200/],
      ["k", "0", /between 1 and 400/],
      ["eta1", "-1", /between/],
      ["eta2", "abc", /not a number/],
    ]) {
      await type(page, "function-space", key, bad);
      assert.match(await page.locator(`#function-space-${key}-msg`).textContent(), message, `${key} = ${bad}`);
    }
    assert.equal(await verdict(page, "function-space"), text);
    assert.equal(await canvasFingerprint(page, "#function-space-fit"), drawing);
    assert.equal(await page.evaluate(() => location.hash.includes("function-space")), false);
    // Too much work for the page is refused too: k = 400 is fine alone, n = 200 with it is not.
    await type(page, "function-space", "k", "400");
    assert.equal(await page.locator("#function-space-k-msg").textContent(), "");
    await type(page, "function-space", "n", "200");
    assert.match(await page.locator("#function-space-n-msg").textContent(), /too much to train live/);
    const hash = await page.evaluate(() => location.hash);
    assert.match(hash, /function-space\.k=400/);
    assert.doesNotMatch(hash, /function-space\.n=/);
    await page.locator("#function-space").screenshot({ path: `${SHOTS}/function-space-refused.png` });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("function-space's sweep overlays several step sizes and the link keeps it", async () => {
    const { context, page, problems } = await open("#function-space.mode=sweep&function-space.steps=20000");
    await settle(page, SETTLE_MS);
    assert.equal(await page.locator("#function-space-mode").inputValue(), "1");
    const text = await verdict(page, "function-space");
    assert.equal(text.split("; ").filter((part) => part.startsWith("η = ")).length, 4, text);
    assert.ok((await canvasStats(page, "#function-space-corollary")).colours > 20);
    await page.locator("#function-space").screenshot({ path: `${SHOTS}/function-space-sweep.png` });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("function-space's data can be placed, dragged and removed, and the link keeps them", async () => {
    const fast = "#function-space.steps=3000&function-space.switch=1500";
    const { context, page, problems } = await open(fast);
    await settle(page, SETTLE_MS);
    const field = page.locator("#function-space-points");
    assert.equal(await field.inputValue(), "", "sampled data: no placed points");
    const pairs = async () => (await field.inputValue()).split(",").filter((p) => p.trim() !== "");
    // A click on an empty spot of the data panel adds a point: the sample becomes placed points.
    const canvas = page.locator("#function-space-fit");
    const box = await canvasInView(canvas);
    const spot = { x: box.x + box.width * 0.62, y: box.y + box.height * 0.72 };
    await page.mouse.click(spot.x, spot.y);
    assert.equal((await pairs()).length, 11);
    assert.match(await page.evaluate(() => location.hash), /function-space\.points=[-\d.e]+:[-\d.e]+(,|%2C)/);
    // Dragging it moves that point and no other.
    const before = await pairs();
    await page.mouse.move(spot.x, spot.y);
    await page.mouse.down();
    await page.mouse.move(spot.x + 10, spot.y - 30, { steps: 5 });
    await page.mouse.up();
    const after = await pairs();
    assert.equal(after.length, 11);
    assert.deepEqual(after.slice(0, 10), before.slice(0, 10));
    assert.notEqual(after[10], before[10]);
    const [x0, y0] = before[10].split(":").map(Number);
    const [x1, y1] = after[10].split(":").map(Number);
    assert.ok(x1 > x0 && y1 > y0, `the point moved right and up: ${before[10]} → ${after[10]}`);
    // A double click on it removes it.
    await page.mouse.dblclick(spot.x + 10, spot.y - 30);
    assert.deepEqual(await pairs(), before.slice(0, 10));
    await settle(page, SETTLE_MS);
    const readouts = await page.locator("#function-space .fig-readouts").textContent();
    assert.match(readouts, /10 points placed by hand/);
    const placed = await field.inputValue();
    const link = await page.evaluate(() => location.hash);
    // Typed points go through the same validation: refused text leaves the data as they were.
    await type(page, "function-space", "points", "0:0, 1:2:3");
    assert.match(await page.locator("#function-space-points-msg").textContent(), /written x:y/);
    await type(page, "function-space", "points", "0.5:0, 0.5:1, 0.5:2");
    assert.match(await page.locator("#function-space-points-msg").textContent(), /share x = 0\.5/);
    assert.equal(await page.evaluate(() => location.hash), link);
    // The link restores the placed points exactly.
    const again = await open(link);
    assert.equal(await again.page.locator("#function-space-points").inputValue(), placed);
    await page.locator("#function-space").screenshot({ path: `${SHOTS}/function-space-placed.png` });
    assert.deepEqual([...problems, ...again.problems], []);
    await again.context.close();
    await context.close();
  });

  test("a malformed link shows messages and keeps the defaults", async () => {
    const { context, page, problems } = await open("#function-space.k=abc&switching.eps=5&proof-lemma4.line=11&function-space.law=cauchy");
    assert.match(await page.locator("#function-space-k-msg").textContent(), /not a number/);
    assert.match(await page.locator("#switching-eps-msg").textContent(), /between/);
    assert.match(await page.locator("#proof-lemma4-line-msg").textContent(), /between 1 and 10/);
    assert.match(await page.locator("#function-space-law-msg").textContent(), /must be one of uniform, gaussian, laplace/);
    assert.equal(await page.locator("#function-space-k").inputValue(), "200");
    assert.deepEqual(problems, []);
    await context.close();
  });
});
