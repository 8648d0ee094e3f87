// End-to-end tests of the lecture's part I figures: interpolation, rescaling, linear stability
// and the proof of Theorem 1.1. Each draws, reacts to its controls, and keeps its state in the
// URL (#<id>.<key>=<value>) so that a link restores it; refused input (η ≤ 0, B > n, d out of
// range, too much work) shows a message beside the control and changes nothing else.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { canvasFingerprint, canvasInView, canvasStats, openPage, settle, startSite, stopSite } from "./browser.mjs";

const SHOTS = "target/e2e";
const FIGURES = {
  interpolation: ["loss", "fits", "test"],
  rescaling: ["function", "sharpness", "weights"],
  "linear-stability": ["tests", "dynamics", "map"],
  "proof-mean-dynamics": ["dynamics", "cloud", "contraction"],
};

let server;
let browser;

before(async () => ({ server, browser } = await startSite()));
after(() => stopSite(server, browser));

const open = (hash = "") => openPage(browser, server, hash);
const verdict = (page, figure) => page.locator(`#${figure} .fig-verdict`).textContent();
const message = (page, figure, key) => page.locator(`#${figure}-${key}-msg`).textContent();
const hash = (page) => page.evaluate(() => decodeURIComponent(location.hash));
/** Waits for every figure to finish; on a timeout, names the ones still running. */
async function settled(page) {
  try {
    await settle(page);
  } catch (e) {
    const running = await page.$$eval("button.fig-play", (bs) =>
      bs.filter((b) => b.textContent !== "Play").map((b) => b.closest("figure")?.id),
    );
    throw new Error(`still running after 120 s: ${running.join(", ")}`, { cause: e });
  }
}

/** Types `value` into the text box of `figure`'s `key` and confirms it. */
async function type(page, figure, key, value) {
  await page.locator(`#${figure}-${key}`).fill(String(value));
  await page.locator(`#${figure}-${key}`).press("Enter");
}

/** Waits until the verdict of `figure` differs from `old`, and returns it. */
async function verdictChange(page, figure, old) {
  await page.waitForFunction(
    ([id, text]) => document.querySelector(`#${id} .fig-verdict`).textContent !== text,
    [figure, old],
  );
  return verdict(page, figure);
}

describe("part I figures", () => {
  test("each draws every panel, with its verdict, without errors", async () => {
    const { context, page, problems } = await open();
    await settled(page);
    for (const [id, panels] of Object.entries(FIGURES)) {
      for (const panel of panels) {
        const stats = await canvasStats(page, `#${id}-${panel}`);
        assert.ok(stats.colours > 20, `${id}/${panel} looks blank: ${stats.colours} colours`);
        assert.ok(stats.inkShare > 0.02, `${id}/${panel} has almost no ink`);
      }
      assert.ok((await verdict(page, id)).length > 40, `${id} has no verdict`);
      await page.locator(`#${id}`).screenshot({ path: `${SHOTS}/part1-${id}.png` });
    }
    assert.match(await verdict(page, "interpolation"), /seed 1: L ≤ 1e-10 at step \d+; seed 2: L ≤ 1e-10/);
    assert.match(await verdict(page, "rescaling"), /max \|Δf\| over the data = [0-9.e-]+\. The same function has λmax from/);
    assert.match(await verdict(page, "linear-stability"), /^B = 2, η = 0\.79: mean-square stable: ρ\(T\) = 0\.9417 < 1\. Wu's criterion 1\.062 > 1 \(not met\)/);
    assert.match(await verdict(page, "proof-mean-dynamics"), /^Line 1 of 10, eq\. \(9\)/);
    assert.equal(await page.locator("#proof-mean-dynamics-steps > li").count(), 10);
    const duplicates = await page.evaluate((ids) => {
      const seen = new Map();
      for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) ?? 0) + 1);
      const ours = (id) => ids.some((f) => id.startsWith(f) || id.startsWith(`sec-${f}`));
      return [...seen].filter(([id, count]) => count > 1 && ours(id)).map(([id]) => id);
    }, Object.keys(FIGURES));
    assert.deepEqual(duplicates, [], "element ids must be unique (a parameter, panel or step list shares an id)");
    assert.equal(await page.locator("#proof-mean-dynamics-steps > li.current").count(), 1);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("interpolation: comparing step sizes and random labels, kept in the link", async () => {
    const { context, page, problems } = await open();
    await settled(page);
    const loss = await canvasFingerprint(page, "#interpolation-loss");
    const old = await verdict(page, "interpolation");
    await page.locator("#interpolation-compare").selectOption({ label: "step sizes" });
    await verdictChange(page, "interpolation", old);
    await settled(page);
    assert.match(await verdict(page, "interpolation"), /η = 0\.375\/λ₀: /);
    await page.locator("#interpolation-labels").selectOption({ label: "random" });
    await settled(page);
    assert.match(await verdict(page, "interpolation"), /Random labels are fitted as well/);
    assert.notEqual(await canvasFingerprint(page, "#interpolation-loss"), loss);
    const link = await hash(page);
    assert.match(link, /interpolation\.compare=step sizes/);
    assert.match(link, /interpolation\.labels=random/);

    const again = await open(`#interpolation.compare=step%20sizes&interpolation.labels=random`);
    assert.equal(await again.page.locator("#interpolation-compare").inputValue(), "1");
    assert.equal(await again.page.locator("#interpolation-labels").inputValue(), "1");
    await settled(again.page);
    assert.equal(await verdict(again.page, "interpolation"), await verdict(page, "interpolation"));
    assert.deepEqual([...problems, ...again.problems], []);
    await again.context.close();
    await context.close();
  });

  test("rescaling: a new α moves the marker, leaves f alone, and the link restores it", async () => {
    const { context, page, problems } = await open();
    await settled(page);
    const sharpness = await canvasFingerprint(page, "#rescaling-sharpness");
    const old = await verdict(page, "rescaling");
    await type(page, "rescaling", "alpha", "0.05");
    // The figure retrains after the change (its verdict first reports the training), then
    // rescales.
    await verdictChange(page, "rescaling", old);
    await settled(page);
    const text = await verdict(page, "rescaling");
    assert.match(text, /Rescaling by α = 0\.05: max \|Δf\| over the data = /);
    const change = Number(text.match(/max \|Δf\| over the data = ([0-9.]+(e-?[0-9]+)?)/)[1]);
    assert.ok(change < 1e-12, `f changed by ${change}`);
    assert.notEqual(await canvasFingerprint(page, "#rescaling-sharpness"), sharpness);
    assert.match(await hash(page), /rescaling\.alpha=0\.05/);

    const again = await open("#rescaling.alpha=0.05&rescaling.scope=all%20neurons");
    assert.equal(await again.page.locator("#rescaling-alpha").inputValue(), "0.05");
    assert.equal(await again.page.locator("#rescaling-scope").inputValue(), "1");
    await settled(again.page);
    assert.match(await verdict(again.page, "rescaling"), /Rescaling by α = 0\.05/);
    assert.deepEqual([...problems, ...again.problems], []);
    await again.context.close();
    await context.close();
  });

  test("linear stability: a click on the map sets η and B, and the link restores them", async () => {
    const { context, page, problems } = await open();
    await settled(page);
    const old = await verdict(page, "linear-stability");
    const map = page.locator("#linear-stability-map");
    const box = await canvasInView(map);
    // Right and low on the map: a large step size and a small batch, which is unstable.
    await map.click({ position: { x: box.width * 0.8, y: box.height * 0.8 } });
    const text = await verdictChange(page, "linear-stability", old);
    assert.match(text, /mean-square unstable/);
    const eta = await page.locator("#linear-stability-eta").inputValue();
    const batch = await page.locator("#linear-stability-batch").inputValue();
    assert.notEqual(eta, "0.79");
    const link = await hash(page);
    assert.ok(link.includes(`linear-stability.eta=${eta}`), `${link} lacks η = ${eta}`);
    if (batch !== "2") assert.ok(link.includes(`linear-stability.batch=${batch}`), `${link} lacks B = ${batch}`);

    await page.locator("#linear-stability .fig-buttons button", { hasText: "label noise" }).click();
    await settled(page);
    assert.match(await verdict(page, "linear-stability"), /tends to tr S∞ = [0-9.]+, not to 0/);

    const again = await open(`#linear-stability.eta=${eta}&linear-stability.batch=${batch}`);
    assert.equal(await again.page.locator("#linear-stability-eta").inputValue(), eta);
    assert.equal(await again.page.locator("#linear-stability-batch").inputValue(), batch);
    await settled(again.page);
    assert.equal(await verdict(again.page, "linear-stability"), text);
    assert.deepEqual([...problems, ...again.problems], []);
    await again.context.close();
    await context.close();
  });

  test("the proof steps with Next and the arrow keys, marks the current line, and the link keeps it", async () => {
    const { context, page, problems } = await open();
    await settled(page);
    const current = () => page.locator("#proof-mean-dynamics-steps > li.current");
    assert.equal(await current().count(), 1);
    assert.equal(await page.locator("#proof-mean-dynamics-steps > li").first().getAttribute("aria-current"), "step");
    const old = await verdict(page, "proof-mean-dynamics");
    await page.locator("#proof-mean-dynamics .fig-buttons button", { hasText: "Next" }).click();
    assert.match(await verdictChange(page, "proof-mean-dynamics", old), /^Line 2 of 10, eq\. \(10\)/);
    assert.equal(await page.locator("#proof-mean-dynamics-steps > li").nth(1).getAttribute("aria-current"), "step");
    const dynamics = await canvasFingerprint(page, "#proof-mean-dynamics-dynamics");
    await page.locator("#proof-mean-dynamics").focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowRight");
    await page.waitForFunction(() => document.querySelector("#proof-mean-dynamics .fig-verdict").textContent.startsWith("Line 6"));
    assert.match(await verdict(page, "proof-mean-dynamics"), /eqs\. \(14\), \(16\): .*E‖θₜ − θ\*‖ = /);
    await settled(page);
    assert.notEqual(await canvasFingerprint(page, "#proof-mean-dynamics-dynamics"), dynamics, "Jensen's line adds a series");
    assert.match(await hash(page), /proof-mean-dynamics\.line=6/);
    await page.locator("#proof-mean-dynamics").screenshot({ path: `${SHOTS}/part1-proof-line6.png` });

    const again = await open("#proof-mean-dynamics.line=10&proof-mean-dynamics.eta=2.5");
    await settled(again.page);
    assert.match(await verdict(again.page, "proof-mean-dynamics"), /^Line 10 of 10, eq\. \(19\).*λmax\(H\) = 1 > 2\/η = 0\.8/);
    assert.equal(await again.page.locator("#proof-mean-dynamics-steps > li").nth(9).getAttribute("aria-current"), "step");

    // The runs advance at a reading pace, one step per unit: a link to a paused run shows its t.
    const paused = await open("#proof-mean-dynamics.line=5&proof-mean-dynamics.at=40");
    await settled(paused.page);
    assert.match(await verdict(paused.page, "proof-mean-dynamics"), /^Line 5 of 10, eqs\. \(13\), \(15\): ‖\(I − ηH\)ᵗ\(θ₀ − θ\*\)‖ at t = 40 = /);
    await paused.page.locator("#proof-mean-dynamics").screenshot({ path: `${SHOTS}/part1-proof-line5-t40.png` });
    assert.deepEqual([...problems, ...again.problems, ...paused.problems], []);
    await paused.context.close();
    await again.context.close();
    await context.close();
  });

  test("bad input gets a message beside its control and changes nothing else", async () => {
    const { context, page, problems } = await open();
    await settled(page);
    const cases = [
      ["linear-stability", "eta", "0", /step size η must be between 0\.02 and 5/],
      ["linear-stability", "eta", "-0.3", /step size η must be between/],
      ["linear-stability", "batch", "30", /batch size B = 30 is larger than the number of samples n = 16/],
      ["linear-stability", "d", "11", /dimension d must be between 2 and 10/],
      ["proof-mean-dynamics", "n", "3", /n = 3 samples cannot pin down θ in d = 4 dimensions/],
      ["interpolation", "k", "2000", null],
      ["rescaling", "neuron", "13", /neuron i = 13 does not exist in a network of width k = 12/],
    ];
    // Interpolation: first a larger step cap (accepted), then k = 2000 is refused as too much work.
    await type(page, "interpolation", "steps", "50000");
    await page.waitForFunction(() => location.hash.includes("interpolation.steps=50000"));
    await settled(page);
    for (const [id, key, value, expected] of cases) {
      const before = await verdict(page, id);
      const drawing = await canvasFingerprint(page, `#${id}-${FIGURES[id][0]}`);
      const link = await hash(page);
      await type(page, id, key, value);
      const text = await message(page, id, key);
      assert.match(text, expected ?? /too much work for the page/, `${id}.${key} = ${value}: “${text}”`);
      assert.equal(await page.locator(`#${id}-${key}`).getAttribute("aria-invalid"), "true");
      assert.equal(await verdict(page, id), before, `${id}.${key} = ${value} changed the verdict`);
      assert.equal(await canvasFingerprint(page, `#${id}-${FIGURES[id][0]}`), drawing, `${id}.${key} = ${value} changed the drawing`);
      assert.equal(await hash(page), link, `${id}.${key} = ${value} changed the link`);
    }
    await page.locator("#linear-stability").screenshot({ path: `${SHOTS}/part1-refused.png` });
    assert.deepEqual(problems, []);
    await context.close();
  });
});
