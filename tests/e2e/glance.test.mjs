// End-to-end tests of reading a panel at a glance: pointing at a panel shows the values of the
// nearest drawn point, which are the numbers of the figure's CSV export, with a crosshair and a
// label inside the panel; the reading goes when the pointer leaves, stays after a touch, keeps
// out of the way of dragging, and works in the embed and presentation modes.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { canvasInView, figureButton, startSite, stopSite, watch } from "./browser.mjs";

const SHOTS = "target/e2e";
let server;
let browser;

before(async () => ({ server, browser } = await startSite()));
after(() => stopSite(server, browser));


/** A link that pauses, before any work, every figure with a long run but `keep`: those are
 *  not looked at here, and their work would slow the ones that are. */
function pausingAllBut(...keep) {
  const long = ["interpolation", "rescaling", "linear-stability", "proof-mean-dynamics", "edge-of-stability", "sharpness-vs-lr", "switching", "function-space"];
  return "#" + long.filter((id) => !keep.includes(id)).map((id) => `${id}.at=0`).join("&");
}

/** Opens `hash` in a fresh HiDPI context (with `options`), allowing a loaded machine a minute
 *  to start the figures. */
async function open(hash, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 2, ...options });
  const page = await context.newPage();
  const problems = watch(page, server.origin);
  await page.goto(server.url + hash);
  await page.waitForSelector("#loading", { state: "detached", timeout: 60000 });
  return { context, page, problems };
}

/** Waits until the figures `ids` have finished their work (the others may still run). */
async function finished(page, ids, timeout = 240000) {
  await page.waitForFunction(
    (all) => all.every((id) => document.querySelector(`#${id} button.fig-play`)?.textContent === "Play"),
    ids,
    { timeout },
  );
}

/** What the reading over `canvas` shows: hidden, or its text and boxes (label, crosshair and
 *  canvas, in CSS pixels of the viewport). */
async function reading(page, canvas) {
  return page.$eval(canvas, (c) => {
    const hover = c.parentElement.querySelector(".fig-hover");
    if (hover.hidden) return null;
    const box = (e) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    };
    const label = hover.querySelector(".fig-hover-label");
    return {
      lines: label.textContent.split("\n"),
      label: box(label),
      down: box(hover.querySelector(".fig-hover-down")),
      across: box(hover.querySelector(".fig-hover-across")),
      canvas: box(c),
      hiddenFromReaders: hover.getAttribute("aria-hidden") === "true",
    };
  });
}

/** Moves the mouse over a grid of `columns` × `rows` points of `canvas` and returns every
 *  reading shown, with where the pointer was. */
async function sweep(page, canvas, columns, rows) {
  const box = await canvasInView(page.locator(canvas));
  const found = [];
  for (let i = 0; i < columns; i++) {
    for (let j = 0; j < rows; j++) {
      const x = box.x + (box.width * (i + 0.5)) / columns;
      const y = box.y + (box.height * (j + 0.5)) / rows;
      await page.mouse.move(x, y);
      const shown = await reading(page, canvas);
      if (shown) found.push({ x, y, ...shown });
    }
  }
  return found;
}

/** The value a label shows for `axis` ("step t = 12" → 12). */
function value(lines, axis) {
  const line = lines.find((l) => l.startsWith(`${axis} = `));
  assert.ok(line, `no ${axis} in ${JSON.stringify(lines)}`);
  return Number(line.slice(axis.length + 3));
}

/** Whether `shown` is `exact` to the four significant digits the figures show. */
function agrees(shown, exact) {
  if (exact === 0) return shown === 0;
  const half = 0.5 * 10 ** (Math.floor(Math.log10(Math.abs(exact))) - 3);
  return Math.abs(shown - exact) <= half * 1.0001;
}

/** The rows of a CSV text's first table, as objects by column. */
function rows(csv) {
  const [header, ...lines] = csv.split("\n\n")[0].trim().split("\n");
  const columns = header.split(",");
  return lines.map((line) => Object.fromEntries(line.split(",").map((cell, i) => [columns[i], Number(cell)])));
}

async function csvOf(page, figure) {
  const [download] = await Promise.all([page.waitForEvent("download"), figureButton(page, figure, "CSV").click()]);
  return rows(await readFile(await download.path(), "utf8"));
}

/** The label sits inside its canvas, and the crosshair crosses at the point it reads. */
function assertPlaced(shown) {
  const inside = (a, b) => a.left >= b.left - 1 && a.top >= b.top - 1 && a.right <= b.right + 1 && a.bottom <= b.bottom + 1;
  assert.ok(inside(shown.label, shown.canvas), `the label ${JSON.stringify(shown.label)} leaves ${JSON.stringify(shown.canvas)}`);
  assert.ok(inside(shown.down, shown.canvas) && inside(shown.across, shown.canvas), "the crosshair leaves the canvas");
  assert.ok(shown.hiddenFromReaders, "the reading is for the pointer only: readouts and CSV serve the keyboard");
}

describe("reading values by pointing", () => {
  test("the nearest point's values are the CSV's, shown inside the panel, and go when the pointer leaves", async () => {
    const { context, page, problems } = await open(pausingAllBut("edge-of-stability"), { acceptDownloads: true });
    await finished(page, ["quadratic-1d", "edge-of-stability"]);

    // The one-dimensional quadratic: its iterates and closed form against the table.
    const iterates = await csvOf(page, "quadratic-1d");
    const found = await sweep(page, "#quadratic-1d-iterates", 20, 10);
    const read = found.filter((f) => f.lines[0] === "GD iterates (1)" || f.lines[0] === "closed form (4)");
    assert.ok(read.length >= 20, `only ${read.length} readings of the iterates`);
    for (const shown of read) {
      const t = value(shown.lines, "step t");
      const row = iterates.find((r) => r.t === t);
      assert.ok(row && Number.isInteger(t), `no iterate ${t}`);
      const exact = shown.lines[0] === "GD iterates (1)" ? row.x_t : row.closed_form;
      assert.ok(agrees(value(shown.lines, "xₜ"), exact), `${shown.lines.join(" | ")} against ${exact}`);
      assertPlaced(shown);
    }
    // The known first point: x₀ at t = 0.
    const first = read.find((f) => f.lines[0] === "GD iterates (1)" && value(f.lines, "step t") === 0);
    assert.ok(first, "the first iterate was never read");
    assert.ok(agrees(value(first.lines, "xₜ"), iterates[0].x_t));
    await page.mouse.move(first.x, first.y);
    await page.locator("#quadratic-1d .fig-panels").screenshot({ path: `${SHOTS}/hover-quadratic-1d.png` });
    await page.mouse.move(5, 5);
    assert.equal(await reading(page, "#quadratic-1d-iterates"), null, "the reading stays after the pointer left");

    // The edge of stability: thousands of steps, each point read is a row of the table.
    const steps = await csvOf(page, "edge-of-stability");
    const sharpness = (await sweep(page, "#edge-of-stability-sharpness", 16, 8)).filter((f) => f.lines[0] === "λ₁ (sharpness)");
    assert.ok(sharpness.length >= 10, `only ${sharpness.length} readings of the sharpness`);
    for (const shown of sharpness) {
      const row = steps.find((r) => r.step === value(shown.lines, "step t"));
      assert.ok(row, `no step in ${shown.lines}`);
      assert.ok(agrees(value(shown.lines, "eigenvalue"), row.sharpness), `${shown.lines.join(" | ")} against ${row.sharpness}`);
      assertPlaced(shown);
    }
    await page.mouse.move(sharpness[0].x, sharpness[0].y);
    await page.locator("#edge-of-stability .fig-panels").screenshot({ path: `${SHOTS}/hover-edge-of-stability.png` });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a drag is not disturbed, and a touch leaves its reading", async () => {
    const { context, page, problems } = await open(pausingAllBut(), { hasTouch: true });
    await finished(page, ["quadratic-1d"]);
    const panel = "#quadratic-1d-contraction";
    const box = await canvasInView(page.locator(panel));
    const a = () => page.locator("#quadratic-1d-a").inputValue();
    const before = await a();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 5 });
    assert.equal(await reading(page, panel), null, "a reading shows while dragging");
    await page.mouse.up();
    assert.notEqual(await a(), before, "the drag did not move a");

    await page.mouse.move(5, 5);
    const cobweb = "#quadratic-1d-cobweb";
    const web = await canvasInView(page.locator(cobweb));
    let touched = null;
    for (let i = 1; i < 10 && !touched; i++) {
      await page.touchscreen.tap(web.x + (web.width * i) / 10, web.y + web.height / 2);
      touched = await reading(page, cobweb);
    }
    assert.ok(touched, "a touch shows no reading");
    assertPlaced(touched);
    assert.deepEqual(problems, []);
    await context.close();
  });

  for (const query of ["?embed=quadratic-1d", "?walk=1&present"]) {
    test(`works in ${query}`, async () => {
      const { context, page, problems } = await open(query);
      await page.waitForFunction(() => document.querySelector(".fig-verdict")?.textContent.length > 0);
      const canvas = await page.evaluate(() => {
        const visible = [...document.querySelectorAll(".fig-panel canvas")].find((c) => c.clientWidth > 0);
        return `#${visible.id}`;
      });
      await page.waitForTimeout(500);
      const found = await sweep(page, canvas, 16, 10);
      assert.ok(found.length > 0, `no reading over ${canvas}`);
      for (const shown of found) assertPlaced(shown);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
});
