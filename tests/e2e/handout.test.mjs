// End-to-end tests of the handout (`?handout`, `?handout=k`) on the built page ($SITE_DIR,
// default dist): every step's sheet holds its statement with its formulas (a proof's step its
// line of the proof too), its evidence panels
// drawn black on white under a dark colour scheme, its verdict and the link that opens the step
// live; Chromium prints it to an A4 PDF of one page per step, none cut; a step that does not
// exist is a message and nothing drawn; the walkthrough's Print link leads to it. The command
// line's handout, which the native tests write, prints the same. The PDF and a picture of two
// of its pages go to target/e2e/.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { startSite, stopSite, watch } from "./browser.mjs";

const SHOTS = "target/e2e";
const SITE = process.env.SITE_DIR ?? "dist";
/** The command line's handout of every step, which `cargo test --test page handout` writes. */
const CLI_HANDOUT = "target/tmp/handout-all/handout.html";

/** A4 at the CSS's 96 pixels per inch, and the handout's page margin (www/handout.css). */
const MM = 96 / 25.4;
const A4 = { width: 210 * MM, height: 297 * MM };
const MARGIN = 14 * MM;

let server;
let browser;

before(async () => ({ server, browser } = await startSite()));
after(() => stopSite(server, browser));

/** The walkthrough's steps as the built page declares them: each item's attributes. */
function declaredSteps() {
  const html = readFileSync(`${SITE}/index.html`, "utf8");
  const template = html.slice(html.indexOf('<template id="walkthrough">'), html.indexOf("</template>"));
  return [...template.matchAll(/<li((?:\s+[\w-]+="[^"]*")*)\s*>([\s\S]*?)<\/li>/g)].map(([, attributes, statement]) => ({
    ...Object.fromEntries([...attributes.matchAll(/([\w-]+)="([^"]*)"/g)].map(([, name, value]) => [name, value])),
    formulas: (statement.match(/class="tex"/g) ?? []).length,
  }));
}

/** Opens `query` in a dark colour scheme and waits until the handout says it is drawn. */
async function openHandout(query, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "dark", ...options });
  const page = await context.newPage();
  const problems = watch(page, server.origin);
  await page.goto(server.url + query);
  await page.waitForSelector("body[data-handout]", { timeout: 240000 });
  return { context, page, problems };
}

/** What each canvas of the handout shows: its panel, its share of pixels not white, how many
 *  colours, and its corner pixel. */
function canvases(page) {
  return page.$$eval("article canvas", (all) =>
    all.map((canvas) => {
      const { data } = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
      const colours = new Set();
      let ink = 0;
      for (let i = 0; i < data.length; i += 4 * 5) {
        colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        if (data[i] < 250 || data[i + 1] < 250 || data[i + 2] < 250) ink++;
      }
      return {
        step: canvas.closest("article").id,
        panel: canvas.dataset.panel,
        ink: ink / (data.length / (4 * 5)),
        colours: colours.size,
        corner: [data[0], data[1], data[2]],
      };
    }),
  );
}

/** The pages of a PDF Chromium wrote: its page objects. */
function pdfPages(pdf) {
  return (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) ?? []).length;
}

describe("the handout of every step", () => {
  const steps = declaredSteps();
  let context;
  let page;
  let problems;

  before(async () => ({ context, page, problems } = await openHandout("?handout")));
  after(() => context?.close());

  test("every step has its sheet: statement, formulas, panels, verdict and link", async () => {
    assert.equal(await page.getAttribute("body", "data-handout"), "ready", await page.textContent(".handout-status"));
    assert.deepEqual(problems, []);
    assert.ok(steps.length >= 20);
    const sheets = await page.$$eval("article.handout-step", (all) =>
      all.map((sheet) => ({
        id: sheet.id,
        heading: sheet.querySelector("h2").textContent,
        formulas: sheet.querySelectorAll(".handout-statement .tex > math").length,
        proofLine: sheet.querySelectorAll(".handout-proof-line .tex-display > math").length,
        panels: [...sheet.querySelectorAll(".handout-panels canvas")].map((c) => c.dataset.panel),
        verdict: sheet.querySelector(".handout-verdict").textContent,
        link: sheet.querySelector(".handout-link a")?.href,
        controls: sheet.querySelectorAll("input, select, button").length,
      })),
    );
    assert.equal(sheets.length, steps.length);
    sheets.forEach((sheet, i) => {
      const k = i + 1;
      assert.equal(sheet.id, `step-${k}`);
      assert.match(sheet.heading, new RegExp(`^Step ${k} of ${steps.length} `));
      assert.equal(sheet.formulas, steps[i].formulas, `step ${k}: formulas`);
      const proof = /^proof-/.test(steps[i]["data-figure"]);
      assert.equal(sheet.proofLine, proof ? 1 : 0, `step ${k}: the proof's line`);
      assert.deepEqual(new Set(sheet.panels), new Set(steps[i]["data-panels"].split(/\s+/)), `step ${k}: panels`);
      assert.ok(sheet.verdict.length > 10, `step ${k} has no verdict`);
      assert.ok(sheet.link.startsWith(`${server.url}?walk=${k}`), `step ${k}: ${sheet.link}`);
      assert.equal(sheet.controls, 0, `step ${k} has controls`);
    });
    // The page's controls and live figures are gone: only the handout's own Print button.
    assert.equal(await page.locator("figure.explorable, .fig-controls").count(), 0);
    assert.equal(await page.locator("button").count(), 1);
  });

  test("every panel is drawn, black on white under a dark colour scheme", async () => {
    const drawn = await canvases(page);
    const expected = steps.reduce((sum, step) => sum + step["data-panels"].split(/\s+/).length, 0);
    assert.equal(drawn.length, expected);
    for (const canvas of drawn) {
      const where = `${canvas.step} ${canvas.panel}`;
      assert.deepEqual(canvas.corner, [255, 255, 255], `${where}: not on white`);
      assert.ok(canvas.ink > 0.01 && canvas.colours > 8, `${where} is blank: ${JSON.stringify(canvas)}`);
    }
    const colours = await page.evaluate(() => {
      const style = getComputedStyle(document.body);
      return [style.backgroundColor, style.color];
    });
    assert.deepEqual(colours, ["rgb(255, 255, 255)", "rgb(0, 0, 0)"]);
  });

  test("a step's link opens it live in the walkthrough, in the step's state", async () => {
    const k = 15;
    const link = await page.getAttribute(`#step-${k} .handout-link a`, "href");
    const live = await context.newPage();
    const liveProblems = watch(live, server.origin);
    await live.goto(link);
    await live.waitForFunction(() => document.querySelector(".walk-count")?.textContent.length > 0);
    assert.equal(await live.textContent(".walk-count"), `Step ${k} of ${steps.length}`);
    // The link replays the step's run to where the sheet drew it (a run that ends there drops
    // its units from the address): the same settings, the same verdict.
    const settings = (url) => new URL(url).hash.split("&").filter((entry) => !/\.at=/.test(entry));
    assert.deepEqual(settings(live.url()), settings(link));
    const printed = await page.textContent(`#step-${k} .handout-verdict`);
    await live.waitForFunction((text) => document.querySelector(".walk-current .fig-verdict")?.textContent === text, printed, {
      timeout: 60000,
    });
    assert.deepEqual(liveProblems, []);
    await live.close();
  });

  test("it prints to an A4 PDF of one page per step, no sheet cut", async () => {
    await page.emulateMedia({ media: "print" });
    const boxes = await page.$$eval("article.handout-step", (all) =>
      all.map((sheet) => ({ width: sheet.scrollWidth, height: sheet.getBoundingClientRect().height })),
    );
    boxes.forEach((box, i) => {
      assert.ok(box.width <= A4.width - 2 * MARGIN, `step ${i + 1} is ${box.width} px wide`);
      assert.ok(box.height <= A4.height - 2 * MARGIN, `step ${i + 1} is ${box.height} px tall`);
    });
    assert.equal(await page.locator(".handout-bar").isVisible(), false, "the bar prints");
    const cut = await page.$$eval(".handout-step .tex-display", (all) =>
      all.filter((f) => f.scrollWidth > f.clientWidth + 1).map((f) => `${f.closest("article").id}: ${f.textContent}`),
    );
    assert.deepEqual(cut, [], "formulas wider than the sheet");
    const pdf = await page.pdf({ format: "A4" });
    writeFileSync(`${SHOTS}/handout.pdf`, pdf);
    assert.equal(pdfPages(pdf), steps.length, "a page per step, no blank page");
    // Each canvas is an image of the PDF (Chromium may write one image more than once).
    const images = (pdf.toString("latin1").match(/\/Subtype\s*\/Image/g) ?? []).length;
    assert.ok(images >= (await page.locator("article canvas").count()), `${images} images`);
  });

  test("a picture of two printed pages", async () => {
    // Pages as the PDF lays them out: each sheet at A4's width within the margins, side by
    // side on white pages.
    await page.setViewportSize({ width: Math.round(A4.width - 2 * MARGIN), height: 1100 });
    const pictures = [];
    for (const k of [1, 17]) {
      pictures.push((await page.locator(`#step-${k}`).screenshot()).toString("base64"));
    }
    const sheet = await context.newPage();
    await sheet.setViewportSize({ width: Math.round(2 * A4.width + 60), height: Math.round(A4.height + 40) });
    await sheet.setContent(
      `<body style="margin:0;padding:20px;background:#777;display:flex;gap:20px">${pictures
        .map(
          (png) =>
            `<div style="width:${A4.width}px;height:${A4.height}px;background:#fff;box-sizing:border-box;padding:${MARGIN}px"><img src="data:image/png;base64,${png}" style="display:block;max-width:100%"></div>`,
        )
        .join("")}</body>`,
    );
    await sheet.screenshot({ path: `${SHOTS}/handout-two-pages.png` });
    await sheet.close();
  });
});

describe("the handout of one step", () => {
  test("?handout=k draws that step alone", async () => {
    const steps = declaredSteps();
    const k = 6;
    const { context, page, problems } = await openHandout(`?handout=${k}`);
    assert.equal(await page.getAttribute("body", "data-handout"), "ready");
    assert.deepEqual(await page.$$eval("article", (all) => all.map((a) => a.id)), [`step-${k}`]);
    assert.equal(await page.locator("article canvas").count(), steps[k - 1]["data-panels"].split(/\s+/).length);
    assert.equal(pdfPages(await page.pdf({ format: "A4" })), 1);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a step that does not exist is a message, and nothing is drawn", async () => {
    const steps = declaredSteps();
    for (const given of ["0", String(steps.length + 1), "two"]) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const problems = watch(page, server.origin);
      await page.goto(`${server.url}?handout=${given}`);
      const alert = page.locator('[role="alert"]');
      await alert.waitFor();
      const message = await alert.textContent();
      assert.ok(message.includes(`steps 1 to ${steps.length}`) && message.includes(`\u201c${given}\u201d`), message);
      assert.equal(await page.locator("article, canvas, figure.explorable").count(), 0);
      assert.equal(await page.locator("a", { hasText: "The handout of every step" }).getAttribute("href"), "./?handout");
      assert.deepEqual(problems, []);
      await context.close();
    }
  });

  test("the walkthrough's Print link leads to the handout", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(server.url + "?walk=3");
    const print = page.locator(".walk-bar .walk-print");
    await print.waitFor();
    assert.equal(await print.textContent(), "Print");
    assert.equal(await print.getAttribute("href"), "./?handout");
    await context.close();
  });
});

describe("the command line's handout", () => {
  test("prints as the page's: one A4 page per step, every panel drawn, no formula cut", { skip: !existsSync(CLI_HANDOUT) && `no ${CLI_HANDOUT}: run cargo test --test page handout first` }, async () => {
    const steps = declaredSteps();
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: "dark" });
    const page = await context.newPage();
    await page.goto(pathToFileURL(CLI_HANDOUT).href);
    assert.equal(await page.locator("script").count(), 0);
    const images = await page.$$eval("article img", (all) => all.map((img) => [img.getAttribute("src"), img.naturalWidth]));
    const expected = steps.reduce((sum, step) => sum + step["data-panels"].split(/\s+/).length, 0);
    assert.equal(images.length, expected);
    assert.deepEqual(images.filter(([, width]) => width === 0), [], "panels that do not load");
    await page.emulateMedia({ media: "print" });
    const heights = await page.$$eval("article.handout-step", (all) => all.map((sheet) => sheet.getBoundingClientRect().height));
    heights.forEach((height, i) => assert.ok(height <= A4.height - 2 * MARGIN, `step ${i + 1} is ${height} px tall`));
    const cut = await page.$$eval(".tex-display", (all) => all.filter((f) => f.scrollWidth > f.clientWidth + 1).length);
    assert.equal(cut, 0, "formulas wider than the sheet");
    assert.equal(pdfPages(await page.pdf({ format: "A4" })), steps.length);
    await context.close();
  });
});
