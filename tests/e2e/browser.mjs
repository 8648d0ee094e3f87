// Launches Debian's Chromium through playwright-core (which gives it a fresh profile each time),
// with the flags a headless run as root on a machine without outside network needs, and watches a page for console errors, failed
// requests and requests that leave the origin.

import { mkdirSync, readFileSync } from "node:fs";
import { chromium } from "playwright-core";
import { serve } from "./server.mjs";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";

export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** Records console errors, page errors, failed requests and foreign requests of `page`. */
export function watch(page, origin) {
  const problems = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") problems.push(`console error: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`failed request: ${req.url()} (${req.failure()?.errorText})`));
  page.on("response", (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  page.on("request", (req) => {
    const url = req.url();
    if (!(url.startsWith(origin + "/") || url.startsWith("data:") || url.startsWith("blob:"))) {
      problems.push(`request left the origin: ${url}`);
    }
  });
  return problems;
}

/** Statistics of a canvas's pixels: how many distinct colours, and the share not equal to the
 *  top-left (background) pixel. */
export async function canvasStats(page, selector) {
  return page.$eval(selector, (canvas) => {
    const ctx = canvas.getContext("2d");
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const colours = new Set();
    let differing = 0;
    const bg = [data[0], data[1], data[2]];
    for (let i = 0; i < data.length; i += 4 * 7) {
      colours.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
      if (data[i] !== bg[0] || data[i + 1] !== bg[1] || data[i + 2] !== bg[2]) differing++;
    }
    return {
      colours: colours.size,
      inkShare: differing / (data.length / (4 * 7)),
      width: canvas.width,
      height: canvas.height,
      cssWidth: canvas.clientWidth,
      cssHeight: canvas.clientHeight,
    };
  });
}

/** A fingerprint of what a canvas shows. */
export async function canvasFingerprint(page, selector) {
  return page.$eval(selector, (canvas) => canvas.toDataURL());
}

/** Opens the site of `server` at `hash` in a fresh context (HiDPI unless `options` says
 *  otherwise) and waits until the figures have started. Returns { context, page, problems }. */
export async function openPage(browser, server, hash = "", options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 2, ...options });
  const page = await context.newPage();
  const problems = watch(page, server.origin);
  await page.goto(server.url + hash);
  await page.waitForSelector("#loading", { state: "detached", timeout: 20000 });
  await page.waitForFunction(() => [...document.querySelectorAll(".fig-verdict")].every((v) => v.textContent.length > 0));
  return { context, page, problems };
}

/** Waits until the figures have been mounted (the loading line goes then) and every one has
 *  finished its animation. With every figure of the page running at once, headless Chromium on
 *  two cores takes about 40 s (figures out of view draw once a second while they run). */
export async function settle(page, timeout = 180000) {
  await page.waitForFunction(
    () => {
      const buttons = [...document.querySelectorAll("button.fig-play")];
      return !document.getElementById("loading") && buttons.length > 0 && buttons.every((b) => b.textContent === "Play");
    },
    null,
    { timeout },
  );
}

/** Does `action` with every section of the page rendered, then leaves them as they were. The
 *  page leaves sections far from the window unrendered (CSS `content-visibility: auto`) until
 *  the reader nears them: a screenshot of the whole page would show them blank, and checks that
 *  read the layout (axe's) would read an out-of-date one. */
export async function withEverySectionRendered(page, action) {
  const sections = (visibility) => document.querySelectorAll("main > section").forEach((s) => (s.style.contentVisibility = visibility));
  await page.evaluate(sections, "visible");
  try {
    return await action();
  } finally {
    await page.evaluate(sections, "");
  }
}

/** Scrolls the canvas `canvas` (a locator) into view, waits until its section is rendered and
 *  the canvas drawn at the size the page's layout gives it, and returns its bounding box. The
 *  page renders a section far from the window only once the reader nears it, in the frame after
 *  the scroll: until then a pointer there reaches the section, not the canvas (what is not
 *  rendered takes no pointer), and a figure there may still hold the size it last measured. */
export async function canvasInView(canvas) {
  await canvas.scrollIntoViewIfNeeded();
  await canvas.evaluate(
    (c) =>
      new Promise((resolve) => {
        const ready = () =>
          c.checkVisibility({ contentVisibilityAuto: true }) &&
          c.width === Math.round(c.clientWidth * devicePixelRatio) &&
          c.height === Math.round(c.clientHeight * devicePixelRatio);
        const check = () => (ready() ? resolve() : requestAnimationFrame(check));
        requestAnimationFrame(() => requestAnimationFrame(check));
      }),
  );
  return canvas.boundingBox();
}

/** A screenshot of the whole page, every section rendered. */
export async function fullPageScreenshot(page, path) {
  await withEverySectionRendered(page, () => page.screenshot({ path, fullPage: true }));
}

/** Waits until the canvas `selector` of `target` (a page or a frame) shows a drawing: more than
 *  20 colours and 2 % ink. Returns its statistics; fails with them after `timeout` ms. */
export async function waitForDrawing(target, selector, timeout = 20000) {
  const end = Date.now() + timeout;
  for (;;) {
    const stats = await canvasStats(target, selector);
    if (stats.colours > 20 && stats.inkShare > 0.02) return stats;
    if (Date.now() > end) throw new Error(`${selector} stays blank: ${JSON.stringify(stats)}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/** The button of figure `figure` whose whole label is `label`: a preset's label may contain a
 *  control's ("Digits: step-size switch" contains "Step"), so a part of a label is not enough. */
export function figureButton(page, figure, label) {
  const whole = new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s*$`);
  return page.locator(`#${figure} .fig-buttons button`, { hasText: whole });
}

/** What a test file starts with: the built site (SITE_DIR, default dist) served on a free port,
 *  Chromium launched, and the screenshot folder target/e2e made. Returns { server, browser }. */
export async function startSite(root = process.env.SITE_DIR ?? "dist") {
  mkdirSync("target/e2e", { recursive: true });
  return { server: await serve(root), browser: await launch() };
}

/** Closes what `startSite` opened (either may be missing when it failed half-way). */
export async function stopSite(server, browser) {
  await browser?.close();
  await server?.close();
}

/** axe-core's findings on `page`, of any impact, one line per rule. axe is injected as an inline
 *  script, which the page's own policy rightly refuses: open the page's context with bypassCSP. */
export async function axeFindings(page) {
  await page.addScriptTag({ content: readFileSync("node_modules/axe-core/axe.min.js", "utf8") });
  const violations = await page.evaluate(async () => (await window.axe.run(document, { resultTypes: ["violations"] })).violations);
  return violations.map((v) => `${v.impact} ${v.id} (${v.help}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`);
}
