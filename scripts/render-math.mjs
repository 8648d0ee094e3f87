#!/usr/bin/env node
// Renders the page's TeX to MathML at build time, so that the page needs no KaTeX CSS, fonts or
// script at run time.
//
// Run by Trunk as a post_build hook: it rewrites `$TRUNK_STAGING_DIR/index.html` in place.
// With a path argument it rewrites that file instead (for tests):
//
//     node scripts/render-math.mjs path/to/copy.html
//
// It converts the content of every `<span class="tex">…</span>` (inline) and
// `<div class="tex-display">…</div>` (display mode; `\tag{n}` numbers an equation). The wrapper
// element and its attributes are kept. The TeX is written HTML-escaped in the page (`&lt;`,
// `&gt;`, `&amp;`, …) and is decoded before rendering. KaTeX runs with `strict: "error"` and
// `throwOnError: true`: any TeX it does not accept fails the build with a message naming the
// formula and its line.
//
// Two post-processing steps. KaTeX marks \mathbb, \mathcal, \mathbf, \boldsymbol, … with a
// `mathvariant` attribute, which MathML Core browsers (Chromium) ignore apart from "normal". Such
// tokens are rewritten to the characters of Unicode's Mathematical Alphanumeric Symbols block
// (U+1D400–U+1D7FF), which every browser shows as intended. A token with a character that has no
// such form keeps its attribute. And KaTeX writes the accent of \hat (and \widehat) as the
// ASCII circumflex "^", which Chromium stretches over the base into a hollow triangle; it is
// rewritten to U+02C6 MODIFIER LETTER CIRCUMFLEX ACCENT, which shows as a hat (not stretched
// for \hat).

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import katex from "katex";

function fail(message) {
  process.stderr.write(`render-math: ${message}\n`);
  process.exit(1);
}

function targetFile() {
  if (process.argv.length > 3) fail("usage: render-math.mjs [path/to/index.html]");
  if (process.argv[2]) return process.argv[2];
  const staging = process.env.TRUNK_STAGING_DIR;
  if (!staging) {
    fail("no input: give a path, or run as a Trunk hook (TRUNK_STAGING_DIR is not set)");
  }
  return join(staging, "index.html");
}

// ---------------------------------------------------------------- HTML entities of the TeX

const NAMED = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'", nbsp: "\u00a0" };

function decodeEntities(text) {
  return text.replace(/&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z]+);/g, (whole, name) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X"
        ? parseInt(name.slice(2), 16)
        : parseInt(name.slice(1), 10);
      return String.fromCodePoint(code);
    }
    if (Object.hasOwn(NAMED, name)) return NAMED[name];
    throw new Error(`unknown HTML entity ${whole}`);
  });
}

// ------------------------------------------- mathvariant -> Mathematical Alphanumeric Symbols

// First code point of each style for 'A', 'a', '0' and Greek capital Alpha (null: not in Unicode).
const STYLES = {
  bold: { upper: 0x1d400, lower: 0x1d41a, digit: 0x1d7ce, greek: 0x1d6a8 },
  italic: { upper: 0x1d434, lower: 0x1d44e, digit: null, greek: 0x1d6e2 },
  "bold-italic": { upper: 0x1d468, lower: 0x1d482, digit: null, greek: 0x1d71c },
  script: { upper: 0x1d49c, lower: 0x1d4b6, digit: null, greek: null },
  "bold-script": { upper: 0x1d4d0, lower: 0x1d4ea, digit: null, greek: null },
  fraktur: { upper: 0x1d504, lower: 0x1d51e, digit: null, greek: null },
  "double-struck": { upper: 0x1d538, lower: 0x1d552, digit: 0x1d7d8, greek: null },
  "bold-fraktur": { upper: 0x1d56c, lower: 0x1d586, digit: null, greek: null },
  "sans-serif": { upper: 0x1d5a0, lower: 0x1d5ba, digit: 0x1d7e2, greek: null },
  "bold-sans-serif": { upper: 0x1d5d4, lower: 0x1d5ee, digit: 0x1d7ec, greek: 0x1d756 },
  "sans-serif-italic": { upper: 0x1d608, lower: 0x1d622, digit: null, greek: null },
  "sans-serif-bold-italic": { upper: 0x1d63c, lower: 0x1d656, digit: null, greek: 0x1d790 },
  monospace: { upper: 0x1d670, lower: 0x1d68a, digit: 0x1d7f6, greek: null },
};

// Letters whose styled form lives in the Letterlike Symbols block (holes of the main block).
const HOLES = {
  italic: { h: 0x210e },
  script: {
    B: 0x212c, E: 0x2130, F: 0x2131, H: 0x210b, I: 0x2110, L: 0x2112, M: 0x2133, R: 0x211b,
    e: 0x212f, g: 0x210a, o: 0x2134,
  },
  fraktur: { C: 0x212d, H: 0x210c, I: 0x2111, R: 0x211c, Z: 0x2128 },
  "double-struck": { C: 0x2102, H: 0x210d, N: 0x2115, P: 0x2119, Q: 0x211a, R: 0x211d, Z: 0x2124 },
};

// Greek after the 25 capitals (U+0391..U+03A9): nabla at 25, the 25 lower-case letters
// (U+03B1..U+03C9) from 26, then these symbols.
const GREEK_TAIL = ["\u2202", "\u03f5", "\u03d1", "\u03f0", "\u03d5", "\u03f1", "\u03d6"];

function styledChar(ch, variant) {
  const style = STYLES[variant];
  const hole = HOLES[variant]?.[ch];
  if (hole) return String.fromCodePoint(hole);
  const c = ch.codePointAt(0);
  let base = null;
  let offset = 0;
  if (c >= 0x41 && c <= 0x5a) [base, offset] = [style.upper, c - 0x41];
  else if (c >= 0x61 && c <= 0x7a) [base, offset] = [style.lower, c - 0x61];
  else if (c >= 0x30 && c <= 0x39) [base, offset] = [style.digit, c - 0x30];
  else if (style.greek !== null) {
    if (c >= 0x391 && c <= 0x3a9 && c !== 0x3a2) [base, offset] = [style.greek, c - 0x391];
    else if (c === 0x2207) [base, offset] = [style.greek, 25];
    else if (c >= 0x3b1 && c <= 0x3c9) [base, offset] = [style.greek, 26 + c - 0x3b1];
    else if (GREEK_TAIL.includes(ch)) [base, offset] = [style.greek, 51 + GREEK_TAIL.indexOf(ch)];
  }
  return base === null ? null : String.fromCodePoint(base + offset);
}

function unicodeVariants(mathml) {
  return mathml.replace(
    /<(mi|mn|mo|mtext)((?:\s+[a-z-]+="[^"]*")*?)\s+mathvariant="([a-z-]+)"((?:\s+[a-z-]+="[^"]*")*)>([^<]*)<\/\1>/g,
    (whole, tag, before, variant, after, text) => {
      if (variant === "normal" || !STYLES[variant]) return whole;
      const chars = [...decodeEntities(text)];
      const styled = chars.map((ch) => styledChar(ch, variant));
      if (chars.length === 0 || styled.includes(null)) return whole;
      // A styled single letter must not be italicised again by the browser.
      const normal = tag === "mi" && styled.length === 1 ? ' mathvariant="normal"' : "";
      return `<${tag}${before}${after}${normal}>${styled.join("")}</${tag}>`;
    },
  );
}

// ------------------------------------------------------------------------------------ hats

// The accent closing an <mover accent="true">: "^" with or without a stretchy attribute.
const CARET_ACCENT = /<mo( stretchy="(?:true|false)")?>\^<\/mo><\/mover>/g;

function hats(mathml) {
  return mathml.replace(CARET_ACCENT, (whole, stretchy) =>
    `<mo${stretchy ?? ' stretchy="false"'}>\u02c6</mo></mover>`,
  );
}

// ------------------------------------------------------------------------------- rendering

function render(tex, displayMode) {
  const html = katex.renderToString(tex, {
    output: "mathml",
    displayMode,
    throwOnError: true,
    strict: "error",
  });
  // KaTeX wraps the <math> element in <span class="katex">; the page wants the <math> alone.
  const math = html.match(/<math[\s\S]*<\/math>/);
  if (!math) throw new Error("KaTeX returned no <math> element");
  return hats(unicodeVariants(math[0]));
}

function lineOf(text, index) {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

const file = targetFile();
let html;
try {
  html = readFileSync(file, "utf8");
} catch (err) {
  fail(`cannot read ${file}: ${err.message}`);
}

// An element whose class is exactly "tex" (inline) or "tex-display" (display), up to the first
// closing tag of the same name: TeX never contains "</span>" or "</div>".
const ELEMENT =
  /<(span|div)(\s[^>]*?)?\sclass="(tex|tex-display)"([^>]*)>([\s\S]*?)<\/\1>/g;

let inline = 0;
let display = 0;
const errors = [];
const out = html.replace(ELEMENT, (whole, tag, before = "", cls, after, body, index) => {
  const displayMode = cls === "tex-display";
  if (/^\s*<math[\s>]/.test(body)) return whole; // rendered already
  let tex;
  try {
    tex = decodeEntities(body).trim();
  } catch (err) {
    errors.push(`line ${lineOf(html, index)}: ${err.message} in ${JSON.stringify(body)}`);
    return whole;
  }
  if (tex === "") {
    errors.push(`line ${lineOf(html, index)}: empty <${tag} class="${cls}">`);
    return whole;
  }
  try {
    const math = render(tex, displayMode);
    displayMode ? display++ : inline++;
    return `<${tag}${before} class="${cls}"${after}>${math}</${tag}>`;
  } catch (err) {
    errors.push(`line ${lineOf(html, index)}: KaTeX cannot render ${JSON.stringify(tex)}\n  ${err.message}`);
    return whole;
  }
});

if (errors.length > 0) {
  fail(`${errors.length} formula(s) in ${file} failed:\n${errors.join("\n")}`);
}

// Anything left that still looks like a TeX wrapper was not matched (for example a nested tag).
const leftover = out.match(/class="tex(-display)?"[^>]*>(?!<math[\s>])/);
if (leftover) {
  fail(`line ${lineOf(out, leftover.index)}: a TeX element was not converted: ${leftover[0]}`);
}

writeFileSync(file, out);
console.log(
  `render-math: rendered ${inline + display} formulas (${inline} inline, ${display} display) in ${file}`,
);
