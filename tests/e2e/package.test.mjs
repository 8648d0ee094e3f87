// End-to-end tests of the package for learning platforms (scripts/package.py, `make package`),
// made from $PACKAGE_SITE_DIR, a build with `trunk build --public-url ./` (`make test-e2e`
// builds it). The test packs the whole page and one figure, checks each imsmanifest.xml against
// the structure IMS Content Packaging and SCORM 1.2 require (read by the browser's XML parser),
// unzips each package where a platform would serve it (a deep path of its own, launched in an
// iframe of the platform's player page), and checks that the launch page draws every figure,
// that links within the page stay on it, and that nothing fails or leaves the package's path.
// A figure the page does not have gets a message and no package.

import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { serve } from "./server.mjs";
import { launch, waitForDrawing, watch } from "./browser.mjs";

const SITE = process.env.PACKAGE_SITE_DIR;
const OUT = "target/e2e-package";
const SHOTS = "target/e2e";
/** Where a platform serves an imported package's files, and its player page. */
const BASE = "/pluginfile.php/42/mod_scorm/content/1/";
// (.html: the test server types files by their extension.)
const PLAYER = "/mod/scorm/player.html";
const FIGURE = "edge-of-stability";

const skip = SITE ? false : "set PACKAGE_SITE_DIR to a build made with --public-url ./ (make test-e2e does)";

/** Runs the packer; returns its exit status and what it printed. */
function pack(out, figure) {
  const args = ["scripts/package.py", "--site", SITE, "--out", out, ...(figure ? ["--figure", figure] : [])];
  const run = spawnSync("python3", args, { encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Every file under `dir`, relative to it, with forward slashes. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => relative(dir, path).split("\\").join("/"))
    .sort();
}

/** The player page of a platform: the package's launch file in an iframe. */
function playerPage(launchFile) {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Course: SGD</title></head>
<body style="margin: 0">
<iframe id="package" title="package" src="${BASE}${launchFile}" style="width: 100%; height: 900px; border: 0"></iframe>
</body>
</html>`;
}

let browser;
const packages = {};

before(async () => {
  if (!SITE) return;
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  mkdirSync(SHOTS, { recursive: true });
  for (const [name, figure] of [["page", ""], ["figure", FIGURE]]) {
    const zip = `${OUT}/${name}.zip`;
    const run = pack(zip, figure);
    assert.equal(run.status, 0, run.stderr);
    const dir = `${OUT}/${name}`;
    execFileSync("python3", ["-m", "zipfile", "-e", zip, dir]);
    packages[name] = { zip, dir, manifest: readFileSync(join(dir, "imsmanifest.xml"), "utf8") };
  }
  browser = await launch();
});

after(async () => {
  await browser?.close();
});

/** What the manifest says, read by the browser's XML parser, or the parser's error. */
async function readManifest(xml) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const read = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, "application/xml");
    const error = doc.querySelector("parsererror");
    if (error) return { error: error.textContent };
    const CP = "http://www.imsproject.org/xsd/imscp_rootv1p1p2";
    const ADLCP = "http://www.adlnet.org/xsd/adlcp_rootv1p2";
    const all = (name) => [...doc.getElementsByTagNameNS(CP, name)];
    const root = doc.documentElement;
    return {
      root: { name: root.localName, namespace: root.namespaceURI, identifier: root.getAttribute("identifier") },
      schema: all("schema")[0]?.textContent,
      schemaVersion: all("schemaversion")[0]?.textContent,
      defaultOrganization: all("organizations")[0]?.getAttribute("default"),
      organizations: all("organization").map((o) => o.getAttribute("identifier")),
      items: all("item").map((i) => ({ identifier: i.getAttribute("identifier"), ref: i.getAttribute("identifierref"), title: i.getElementsByTagNameNS(CP, "title")[0]?.textContent })),
      resources: all("resource").map((r) => ({
        identifier: r.getAttribute("identifier"),
        type: r.getAttribute("type"),
        scormType: r.getAttributeNS(ADLCP, "scormtype"),
        href: r.getAttribute("href"),
        files: [...r.getElementsByTagNameNS(CP, "file")].map((f) => f.getAttribute("href")),
      })),
      identifiers: [...doc.querySelectorAll("[identifier]")].map((e) => e.getAttribute("identifier")),
    };
  }, xml);
  await context.close();
  return read;
}

/** Opens the platform's player page for package `name` launched by `launchFile`; returns the
 *  package's frame once its figures have started, with the problems and paths requested. */
async function openInPlayer(name, launchFile) {
  const server = await serve(packages[name].dir, BASE, { [PLAYER]: playerPage(launchFile) });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = watch(page, server.origin);
  const paths = [];
  page.on("request", (request) => paths.push(new URL(request.url()).pathname));
  await page.goto(server.origin + PLAYER);
  const frame = page.frameLocator("#package");
  await frame.locator(".fig-verdict").first().waitFor({ timeout: 30000 });
  const handle = await page.$("#package");
  const content = await handle.contentFrame();
  await content.waitForSelector("#loading", { state: "detached", timeout: 30000 });
  return { server, context, page, frame: content, problems, paths };
}

describe("the package for learning platforms", { skip }, () => {
  test("each imsmanifest.xml has the structure the specifications require and lists every file", async () => {
    for (const [name, launchFile] of [["page", "index.html"], ["figure", "launch.html"]]) {
      const { manifest, dir } = packages[name];
      const m = await readManifest(manifest);
      assert.equal(m.error, undefined, `${name}: imsmanifest.xml does not parse: ${m.error}`);
      assert.deepEqual(m.root.name, "manifest");
      assert.equal(m.root.namespace, "http://www.imsproject.org/xsd/imscp_rootv1p1p2");
      assert.ok(m.root.identifier, "the manifest has no identifier");
      assert.equal(m.schema, "ADL SCORM");
      assert.equal(m.schemaVersion, "1.2");
      // Identifiers are unique; the default organization and every item's resource exist.
      assert.equal(new Set(m.identifiers).size, m.identifiers.length, `duplicate identifiers: ${m.identifiers}`);
      assert.ok(m.organizations.includes(m.defaultOrganization), "the default organization does not exist");
      const resources = new Map(m.resources.map((r) => [r.identifier, r]));
      assert.ok(m.items.length > 0, "no item to launch");
      for (const item of m.items) {
        assert.ok(resources.has(item.ref), `item ${item.identifier} refers to no resource`);
        assert.ok(item.title?.length > 5, `item ${item.identifier} has no title`);
      }
      // The launch resource is a web page, a SCORM asset (it reports nothing to the platform).
      const launched = resources.get(m.items[0].ref);
      assert.equal(launched.href, launchFile);
      assert.equal(launched.type, "webcontent");
      assert.equal(launched.scormType, "asset");
      // Every file of the package is listed, every listed file is in it, the launch file too.
      const inZip = filesUnder(dir).filter((f) => f !== "imsmanifest.xml");
      const listed = [...new Set(m.resources.flatMap((r) => r.files))].sort();
      assert.deepEqual(listed, inZip, `${name}: the files listed are not the files packed`);
      assert.ok(inZip.includes(launchFile), `${name}: the launch file ${launchFile} is not packed`);
      assert.ok(inZip.some((f) => f.endsWith(".wasm")), `${name}: no wasm packed`);
    }
  });

  test("the whole page, launched from the package under a platform's path, draws every figure", async () => {
    const { server, context, page, frame, problems, paths } = await openInPlayer("page", "index.html");
    const figures = await frame.$$eval("figure.explorable", (all) => all.map((f) => f.id));
    assert.equal(figures.length, 11, `the page has ${figures.length} figures`);
    for (const figure of figures) {
      const canvas = await frame.$eval(`#${figure} canvas`, (c) => c.id);
      await frame.locator(`#${canvas}`).scrollIntoViewIfNeeded();
      await waitForDrawing(frame, `#${canvas}`, 60000);
    }
    // A link within the page stays on the page (the package drops the site's <base>).
    const before = await frame.evaluate(() => location.pathname);
    await frame.locator('#contents a[href="#sec-edge-of-stability"]').click();
    await frame.waitForFunction(() => location.hash === "#sec-edge-of-stability");
    assert.equal(await frame.evaluate(() => location.pathname), before, "the contents' link left the page");
    assert.ok(await frame.evaluate(() => !document.getElementById("loading")), "the page was loaded again");
    await page.screenshot({ path: `${SHOTS}/package-page.png` });
    const foreign = paths.filter((path) => path !== PLAYER && !path.startsWith(BASE));
    assert.deepEqual(foreign, [], "requests outside the package's path");
    assert.deepEqual(problems, []);
    await context.close();
    await server.close();
  });

  test("one figure's package launches its embed view, and its link to the whole page stays in the package", async () => {
    const { server, context, page, frame, problems, paths } = await openInPlayer("figure", "launch.html");
    assert.deepEqual(await frame.$$eval("figure.explorable", (all) => all.map((f) => f.id)), [FIGURE]);
    for (const canvas of await frame.$$eval(`#${FIGURE} canvas`, (all) => all.map((c) => c.id))) {
      await waitForDrawing(frame, `#${canvas}`, 60000);
    }
    const href = await frame.locator("a", { hasText: "Open in the full explorable" }).evaluate((a) => a.href);
    assert.ok(href.startsWith(`${server.origin}${BASE}index.html#${FIGURE}`), `the full page's link is ${href}`);
    await page.screenshot({ path: `${SHOTS}/package-figure.png` });
    const foreign = paths.filter((path) => path !== PLAYER && !path.startsWith(BASE));
    assert.deepEqual(foreign, [], "requests outside the package's path");
    assert.deepEqual(problems, []);
    await context.close();
    await server.close();
  });

  test("a figure the page does not have gets a message, and no package is made", () => {
    const out = `${OUT}/unknown.zip`;
    const run = pack(out, "no-such-figure");
    assert.equal(run.status, 2);
    assert.match(run.stderr, /the page has no figure “no-such-figure”; its figures are interpolation, /);
    assert.equal(existsSync(out), false, "a package was written");
    assert.deepEqual(readdirSync(OUT).filter((f) => f.endsWith(".tmp") || /^tmp/.test(f)), [], "a half-written file was left");
  });
});
