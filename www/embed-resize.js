// For a course page that embeds figures of this explorable in iframes (`?embed=<figure id>`):
// include it once, and every such iframe takes the height of its figure, following it as the
// figure changes. Each embedded page posts its height as a message; the iframe it came from is
// found by its window, so a message can only ever size the frame that sent it.
//
//   <script src="/path/of/the/explorable/embed-resize.js" defer></script>

const HEIGHT_MESSAGE = "sgd-stability:height";
// An embedded figure is never shorter or taller than this, whatever a message says.
const MIN_HEIGHT = 120;
const MAX_HEIGHT = 10000;

addEventListener("message", (event) => {
  const { type, height } = event.data ?? {};
  if (type !== HEIGHT_MESSAGE || !Number.isFinite(height)) return;
  for (const frame of document.querySelectorAll("iframe")) {
    if (frame.contentWindow === event.source) {
      frame.style.height = `${Math.min(Math.max(Math.ceil(height), MIN_HEIGHT), MAX_HEIGHT)}px`;
    }
  }
});
