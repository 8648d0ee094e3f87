// End-to-end tests of embedding (`?embed=<figure id>`), on a build for a sub-path of its server:
// $SUBPATH_SITE_DIR, built with `trunk build --public-url /course/sgd/` (`make test-e2e` builds
// it), served under /course/sgd/. A course page at another path of the same server embeds three
// figures in iframes; all draw, in the state their links give, alone on their page; nothing
// fails or leaves the origin; each one's link to the full explorable stays inside the sub-path
// and carries the figure's current state; and the site's embed-resize.js fits an iframe without
// a height to its figure. Screenshots go to target/e2e/.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { serve } from "./server.mjs";
import { launch, waitForDrawing, watch } from "./browser.mjs";

const SITE = process.env.SUBPATH_SITE_DIR;
const BASE = "/course/sgd/";
const COURSE_PAGE = "/lectures/stability.html";
const SHOTS = "target/e2e";

/** The lecturer's page: three figures, each in the state the lecture talks about. */
const EMBEDS = [
  { frame: "parabola", figure: "quadratic-1d", state: "quadratic-1d.eta=1.4", control: "quadratic-1d-eta", value: "1.4" },
  { frame: "lemma", figure: "proof-lemma4", state: "proof-lemma4.line=3", control: "proof-lemma4-line", value: "3", proofLine: 3 },
  // No height given: the site's embed-resize.js fits the iframe to its figure.
  { frame: "fitted", figure: "quadratic-nd", state: "quadratic-nd.a1=4", control: "quadratic-nd-a1", value: "4", fitted: true },
];
const COURSE_HTML = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"><title>Lecture 7: stability of SGD</title></head>
<body style="font-family: sans-serif; max-width: 60rem; margin: 0 auto; padding: 0 0.5rem">
<h1>Lecture 7: stability of SGD</h1>
${EMBEDS.map(({ frame, figure, state, fitted }) => `<p>The figure ${figure}:</p>
<iframe id="${frame}" title="${figure}" src="${BASE}?embed=${figure}#${state}" style="width: 100%;${fitted ? "" : " height: 760px;"} border: 1px solid #ccc"></iframe>`).join("\n")}
<script src="${BASE}embed-resize.js" defer></script>
</body>
</html>`;

let server;
let browser;

const skip = SITE ? false : "set SUBPATH_SITE_DIR to a build made with --public-url /course/sgd/ (make test-e2e does)";

before(async () => {
  if (!SITE) return;
  mkdirSync(SHOTS, { recursive: true });
  const index = readFileSync(join(SITE, "index.html"), "utf8");
  assert.match(index, /<base href="\/course\/sgd\/"/, `${SITE} is not built for the sub-path ${BASE}`);
  server = await serve(SITE, BASE, { [COURSE_PAGE]: COURSE_HTML });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens `path` of the server, recording problems and every path requested. */
async function open(path, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const problems = watch(page, server.origin);
  const paths = [];
  page.on("request", (request) => paths.push(new URL(request.url()).pathname));
  await page.goto(server.origin + path);
  return { context, page, problems, paths };
}

/** The document of an iframe of `page`, once its figure has started. */
async function frameOf(page, id) {
  const frame = await (await page.$(`iframe#${id}`)).contentFrame();
  await frame.waitForSelector("#loading", { state: "detached", timeout: 20000 });
  await frame.waitForFunction(() => document.querySelector(".fig-verdict")?.textContent.length > 0);
  return frame;
}

const fullLink = (frame) => frame.locator("a", { hasText: "Open in the full explorable" });

describe("embedded figures", { skip }, () => {
  test("figures embedded in a course page draw, alone, in their linked state, from the sub-path only", async () => {
    const { context, page, problems, paths } = await open(COURSE_PAGE);
    for (const { frame: id, figure, state, control, value, proofLine } of EMBEDS) {
      const frame = await frameOf(page, id);
      assert.deepEqual(await frame.$$eval("figure.explorable", (all) => all.map((f) => f.id)), [figure], "not the figure alone");
      for (const chrome of [".page-header", "#contents", ".page-footer", ".caption", ".walk-bar"]) {
        assert.equal(await frame.locator(chrome).count(), 0, `${chrome} is embedded too`);
      }
      const title = await frame.locator("h1.embed-title").textContent();
      assert.ok(title.length > 5, "the figure has no title");
      assert.ok((await frame.title()).startsWith(title), "the document's title is not the figure's");
      assert.equal(await frame.locator(`#${control}`).inputValue(), value, `${figure} did not take the link's state`);
      if (proofLine) {
        // A proof figure brings the current line of its proof, and only that line.
        const shown = await frame.$$eval(`#${figure}-steps > li`, (all) => all.map((li) => li.getClientRects().length > 0));
        assert.deepEqual(shown.map((on, i) => (on ? i + 1 : 0)).filter(Boolean), [proofLine]);
      }
      const canvases = await frame.$$eval(`#${figure} canvas`, (all) => all.map((c) => c.id));
      assert.ok(canvases.length > 0);
      for (const canvas of canvases) await waitForDrawing(frame, `#${canvas}`);

      const link = fullLink(frame);
      assert.equal(await link.getAttribute("target"), "_blank", "the full explorable would open inside the iframe");
      assert.equal(await link.evaluate((a) => a.href), `${server.origin}${BASE}#${figure}&${state}`);
    }
    await page.screenshot({ path: `${SHOTS}/embed-course-page.png`, fullPage: true });
    const foreign = paths.filter((path) => path !== COURSE_PAGE && !path.startsWith(BASE));
    assert.deepEqual(foreign, [], "requests outside the site's sub-path");
    assert.ok(paths.filter((path) => path.endsWith(".wasm")).length >= 1);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("the link to the full explorable carries the figure's current state into the sub-path", async () => {
    const { context, page, problems } = await open(COURSE_PAGE);
    const frame = await frameOf(page, "parabola");
    await frame.locator("#quadratic-1d-eta").fill("0.9");
    await frame.locator("#quadratic-1d-eta").press("Enter");
    const link = fullLink(frame);
    await link.hover();
    const href = await link.evaluate((a) => a.href);
    assert.equal(href, `${server.origin}${BASE}#quadratic-1d&quadratic-1d.eta=0.9`);

    const full = await context.newPage();
    const fullProblems = watch(full, server.origin);
    await full.goto(href);
    await full.waitForSelector("#loading", { state: "detached", timeout: 20000 });
    assert.ok(await full.locator(".page-header").isVisible(), "the full page is not the full page");
    assert.equal(await full.locator("#quadratic-1d-eta").inputValue(), "0.9", "the full page lost the state");
    await full.waitForFunction(() => {
      const box = document.getElementById("quadratic-1d").getBoundingClientRect();
      return box.top >= -1 && box.top < innerHeight / 2;
    });
    assert.deepEqual([...problems, ...fullProblems], []);
    await context.close();
  });

  test("embed-resize.js fits an iframe to its figure, and follows it when the figure's height changes", async () => {
    const { context, page, problems } = await open(COURSE_PAGE);
    const frame = await frameOf(page, "fitted");
    await waitForDrawing(frame, "#quadratic-nd-contours");
    /** Waits until the iframe's inner height is its document's height; returns that height. */
    const fitted = async () => {
      const iframe = await page.$("iframe#fitted");
      await page.waitForFunction(
        ([element]) => {
          const inner = element.contentDocument.documentElement;
          return Math.abs(element.clientHeight - Math.ceil(inner.getBoundingClientRect().height)) <= 1;
        },
        [iframe],
        { timeout: 10000 },
      );
      const [outer, scrolls] = await iframe.evaluate((element) => {
        const inner = element.contentDocument.documentElement;
        return [element.clientHeight, inner.scrollHeight > inner.clientHeight + 1];
      });
      assert.ok(!scrolls, "the fitted iframe still scrolls");
      return outer;
    };
    const wide = await fitted();
    assert.ok(wide > 400, `the fitted iframe is only ${wide} px high`);
    // Narrower, the panels stack and the figure grows; the iframe follows.
    await page.setViewportSize({ width: 420, height: 900 });
    const narrow = await fitted();
    assert.ok(narrow > wide + 100, `the iframe did not grow with its figure (${wide} px, then ${narrow} px)`);
    await page.screenshot({ path: `${SHOTS}/embed-fitted-narrow.png`, fullPage: true });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("an unknown figure id gets a message that lists the figures", async () => {
    const { context, page, problems } = await open(`${BASE}?embed=no-such-figure`, { viewport: { width: 375, height: 800 } });
    const message = page.locator(".fig-error");
    await message.waitFor();
    const text = await message.textContent();
    assert.match(text, /“no-such-figure”/);
    const choices = await page.$$eval(".embed-choices a", (all) => all.map((a) => [a.textContent, a.href]));
    assert.ok(choices.length >= 10, `only ${choices.length} figures listed`);
    for (const [id, href] of choices) {
      assert.ok(text.includes(id), `the message does not name ${id}`);
      assert.equal(href, `${server.origin}${BASE}?embed=${id}`);
    }
    assert.equal(await page.locator("canvas").count(), 0);
    await page.screenshot({ path: `${SHOTS}/embed-unknown.png` });
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("an embedded figure stays readable in a narrow frame, in light and dark mode", async () => {
    for (const colorScheme of ["light", "dark"]) {
      const { context, page, problems } = await open(`${BASE}?embed=quadratic-nd`, { viewport: { width: 375, height: 800 }, colorScheme });
      await page.waitForSelector("#loading", { state: "detached", timeout: 20000 });
      await waitForDrawing(page, "#quadratic-nd-contours");
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `the embedded figure scrolls sideways by ${overflow}px`);
      await page.screenshot({ path: `${SHOTS}/embed-375-${colorScheme}.png` });
      assert.deepEqual(problems, []);
      await context.close();
    }
  });
});
