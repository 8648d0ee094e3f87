// End-to-end tests of what surrounds the figures: the page's Content-Security-Policy (no
// violation while every kind of control is used, and nothing from the URL becomes HTML), a
// panic in one figure (shown in that figure, logged, the others keep working), and the loading
// line (announced while the wasm loads, and a message when WebAssembly is missing or the wasm
// cannot be fetched).

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { canvasFingerprint, canvasInView, openPage, settle, startSite, stopSite, watch } from "./browser.mjs";

const SITE = process.env.SITE_DIR ?? "dist";

let server;
let browser;

before(async () => ({ server, browser } = await startSite(SITE)));
after(() => stopSite(server, browser));

/** A page of the site at `hash` whose console shows every Content-Security-Policy violation as
 *  an error, with `prepare(page)` run before it loads. Returns { context, page, problems }. */
async function openWatched(hash = "", prepare = async () => {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) =>
      console.error(`CSP violation: ${e.effectiveDirective} blocked ${e.blockedURI || "(inline)"}`),
    );
  });
  const problems = watch(page, server.origin);
  await prepare(page);
  await page.goto(server.url + hash);
  return { context, page, problems };
}

/** Waits until every figure has started. */
async function figuresStarted(page) {
  await page.waitForSelector("#loading", { state: "detached", timeout: 20000 });
  await page.waitForFunction(() => [...document.querySelectorAll(".fig-verdict")].every((v) => v.textContent.length > 0));
}

/** Clicks the button labelled `label` in figure `id`. */
async function clickButton(page, id, label) {
  await page.locator(`#${id} button`, { hasText: label }).first().click();
}

describe("the page's Content-Security-Policy", () => {
  test("the built page declares it, allows no inline script, and has none", () => {
    const html = readFileSync(join(SITE, "index.html"), "utf8");
    const meta = html.match(/<meta http-equiv="Content-Security-Policy" content="([^"]+)">/);
    assert.ok(meta, "the built page has no Content-Security-Policy meta element");
    const directives = Object.fromEntries(meta[1].split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert.deepEqual(directives["default-src"], ["'none'"]);
    assert.deepEqual(directives["script-src"], ["'self'", "'wasm-unsafe-eval'"]);
    assert.deepEqual(directives["style-src"], ["'self'"]);
    // Strings never become HTML or script; the one Trusted Types policy names the worker script.
    assert.deepEqual(directives["require-trusted-types-for"], ["'script'"]);
    assert.deepEqual(directives["trusted-types"], ["worker-script"]);
    const inlineAllowed = Object.keys(directives).filter((k) => directives[k].includes("'unsafe-inline'"));
    assert.deepEqual(inlineAllowed, ["style-src-attr"], "only style attributes may be inline");
    assert.ok(!meta[1].includes("'unsafe-eval'"), meta[1]);
    assert.ok(html.indexOf(meta[0]) < html.indexOf("<script"), "the policy must come before the first script");
    const inline = [...html.matchAll(/<script(?![^>]*\ssrc=)[^>]*>/g)].map((m) => m[0]);
    assert.deepEqual(inline, [], "the built page has inline scripts");
  });

  test("no violation while the figures run and every kind of control is used", async () => {
    const { context, page, problems } = await openWatched();
    await figuresStarted(page);
    await settle(page);
    const slider = page.locator("#quadratic-1d-eta-slider");
    await slider.focus();
    for (let i = 0; i < 10; i++) await page.keyboard.press("ArrowRight");
    await page.locator("#quadratic-1d-eta").fill("0.5");
    await page.locator("#quadratic-1d-eta").press("Enter");
    await clickButton(page, "quadratic-1d", "Replay");
    await clickButton(page, "quadratic-1d", "Step");
    await clickButton(page, "quadratic-1d", "Defaults");
    const downloads = [];
    page.on("download", (d) => downloads.push(d.suggestedFilename()));
    await clickButton(page, "quadratic-1d", "PNG");
    await clickButton(page, "quadratic-1d", "CSV");
    await clickButton(page, "edge-of-stability", "Save run");
    await page.locator("#edge-of-stability select").first().selectOption({ index: 1 });
    const canvas = page.locator("#rescaling canvas").first();
    const box = await canvasInView(canvas);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 3, box.y + box.height / 2);
    await page.mouse.up();
    await page.setViewportSize({ width: 600, height: 900 });
    await page.waitForTimeout(300);
    for (let i = 0; downloads.length < 3 && i < 50; i++) await page.waitForTimeout(100);
    assert.deepEqual(downloads.sort(), ["edge-of-stability-run.json", "quadratic-1d.csv", "quadratic-1d.png"]);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("a parameter in the URL is only ever shown as text, never parsed as HTML", async () => {
    let dialogs = 0;
    const payload = encodeURIComponent('<img src=x onerror="alert(1)">');
    const { context, page, problems } = await openWatched(`#quadratic-1d.eta=${payload}`, async (p) => {
      p.on("dialog", (d) => {
        dialogs++;
        d.dismiss();
      });
    });
    await figuresStarted(page);
    const message = await page.locator("#quadratic-1d-eta-msg").textContent();
    assert.ok(message.includes('<img src=x onerror="alert(1)">'), `the refusal does not quote the value: ${message}`);
    assert.match(message, /from the link/, `no refusal message: ${message}`);
    assert.equal(await page.locator("img").count(), 0, "the URL's markup became an element");
    assert.equal(dialogs, 0);
    assert.deepEqual(problems, []);
    // And the policy is in force: the browser refuses to parse a string as HTML.
    const parsed = await page.evaluate(() => {
      try {
        document.body.insertAdjacentHTML("beforeend", "<b>markup</b>");
        return "parsed";
      } catch (e) {
        return e.message;
      }
    });
    assert.match(parsed, /requires 'TrustedHTML'/);
    await context.close();
  });
});

describe("a panic in one figure", () => {
  test("is shown in that figure and logged, and the other figures keep working", async () => {
    const { context, page, problems } = await openPage(browser, server);
    await settle(page);
    const unknown = await page.evaluate(() => {
      try {
        window.wasmBindings.fail_figure_for_test("no-such-figure");
        return "accepted";
      } catch (e) {
        return String(e);
      }
    });
    assert.match(unknown, /no figure has the id "no-such-figure"/);

    await page.evaluate(() => window.wasmBindings.fail_figure_for_test("interpolation"));
    const alert = page.locator("#interpolation .fig-error[role=alert]");
    await alert.waitFor({ timeout: 5000 });
    const text = await alert.textContent();
    assert.match(text, /interpolation.*stopped with an internal error: the test asked this figure to fail/);
    assert.match(text, /other figures keep working/);
    assert.equal(await page.locator("#interpolation canvas").count(), 0, "the failed figure still shows its drawing");

    // Another figure still responds to its controls: its drawing changes.
    const before = await canvasFingerprint(page, "#quadratic-1d-cobweb");
    await page.locator("#quadratic-1d-eta").fill("0.7");
    await page.locator("#quadratic-1d-eta").press("Enter");
    await page.waitForFunction(
      (old) => document.querySelector("#quadratic-1d-cobweb").toDataURL() !== old,
      before,
      { timeout: 5000 },
    );
    // The animation loop goes on: a figure replays after the panic.
    await clickButton(page, "sharpness-vs-lr", "Replay");
    await page.waitForFunction(() => document.querySelector("#sharpness-vs-lr button.fig-play").textContent === "Pause");
    await settle(page);
    // A resize reaches every figure but the failed one, which stays failed without new errors.
    await page.setViewportSize({ width: 900, height: 900 });
    await page.waitForTimeout(300);

    const logged = problems.filter((p) => p.startsWith("console error:") && p.includes("stopped with an internal error"));
    assert.equal(logged.length, 1, `the panic was not logged once: ${JSON.stringify(problems)}`);
    // The trap that ends the panicking call reaches the page as one uncaught RuntimeError.
    const others = problems.filter((p) => !logged.includes(p));
    assert.deepEqual(others.map((p) => p.replace(/:.*/s, "")), ["page error"], JSON.stringify(problems));
    assert.match(others[0], /unreachable/);
    assert.equal(await page.locator(".fig-error").count(), 1, "more than the one figure failed");
    await context.close();
  });
});

describe("the loading line", () => {
  test("is an announced status while the wasm loads", async () => {
    let release;
    const held = new Promise((ok) => (release = ok));
    const { context, page, problems } = await openWatched("", (p) =>
      p.route("**/*_bg.wasm", async (route) => {
        await held;
        await route.continue();
      }),
    );
    const loading = page.locator("#loading");
    await loading.waitFor({ state: "visible" });
    assert.equal(await loading.getAttribute("role"), "status");
    assert.equal(await loading.textContent(), "Loading the figures…");
    release();
    await figuresStarted(page);
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("says that the figures need WebAssembly when the browser has none", async () => {
    const { context, page, problems } = await openWatched("", (p) =>
      p.addInitScript(() => {
        delete window.WebAssembly;
      }),
    );
    const loading = page.locator("#loading.failed");
    await loading.waitFor({ timeout: 10000 });
    assert.match(await loading.textContent(), /need WebAssembly, which this browser does not provide/);
    assert.match(await loading.textContent(), /The text and the formulas read fine without them/);
    assert.equal(await loading.getAttribute("role"), "status");
    assert.ok(await page.locator("math").count() > 50, "the text lost its formulas");
    assert.deepEqual(problems, []);
    await context.close();
  });

  test("says that the figures could not be loaded when the wasm cannot be fetched", async () => {
    const { context, page, problems } = await openWatched("", (p) => p.route("**/*_bg.wasm", (route) => route.abort()));
    const loading = page.locator("#loading.failed");
    await loading.waitFor({ timeout: 10000 });
    assert.match(await loading.textContent(), /could not be loaded .*; reloading the page may help/);
    // Expected: the aborted requests (preload and fetch) and the loader's own report.
    const unexpected = problems.filter((p) => !/_bg\.wasm|could not be loaded|Failed to load resource/.test(p));
    assert.deepEqual(unexpected, []);
    assert.ok(problems.some((p) => p.startsWith("console error: The figures could not be loaded")), JSON.stringify(problems));
    await context.close();
  });
});
