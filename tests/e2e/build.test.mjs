// The site as a plain `trunk build` or `trunk serve` makes it (Trunk.toml's defaults, no flag)
// is the optimized build: its wasm went through wasm-opt and holds no debug sections. A debug
// build, ten times larger and ten times slower at training, is what `make serve` once served.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const SITE = process.env.SITE_DIR ?? "dist";

/** The custom sections of a WebAssembly module, by name, with their sizes in bytes. */
function customSections(bytes) {
  assert.deepEqual([...bytes.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], "not a WebAssembly module");
  const sections = [];
  let at = 8;
  const leb = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++];
    const size = leb();
    const end = at + size;
    if (id === 0) {
      const nameLength = leb();
      sections.push({ name: new TextDecoder().decode(bytes.subarray(at, at + nameLength)), size });
    }
    at = end;
  }
  return sections;
}

test("Trunk's default build, which `trunk serve` serves, is the optimized one", () => {
  const wasm = readdirSync(SITE).filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, `the site holds ${wasm.length} wasm files`);
  const path = join(SITE, wasm[0]);
  const size = statSync(path).size;
  // The optimized wasm is about 2 MB, the debug one over 50 MB: the bound tells them apart and
  // leaves the size itself to `make bench`, which prints it as served and gzipped.
  assert.ok(size < 4_000_000, `the site's wasm is ${(size / 1e6).toFixed(1)} MB: not the optimized build`);
  const debug = customSections(readFileSync(path)).filter((s) => s.name.startsWith(".debug"));
  assert.deepEqual(debug, [], "the site's wasm carries debug sections");
  const config = readFileSync("Trunk.toml", "utf8");
  assert.match(config, /^\[build\][^[]*^release = true$/m, "Trunk.toml no longer makes the optimized build the default");
});
