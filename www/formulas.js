// A formula wider than the text column scrolls sideways (www/style.css: display formulas
// always, inline ones on narrow screens). So that it can be scrolled from the keyboard as well,
// such a formula is focusable while, and only while, it is too wide: formulas that fit add no
// stop to the tab order. Independent of the figures, so that it works without WebAssembly too.

const watcher = new ResizeObserver((entries) => {
  for (const { target } of entries) {
    if (target.scrollWidth > target.clientWidth) target.tabIndex = 0;
    else target.removeAttribute("tabindex");
  }
});
for (const formula of document.querySelectorAll(".tex, .tex-display")) watcher.observe(formula);
