/* Emoji of the sandbox page as images, as Slack shows them: no system emoji font needed.
 * Emoji.html(escapedHtml) replaces every emoji character with an <img class="emoji"> whose
 * alt is the character (copy and paste keep it); Emoji.text(plain) maps them to :shortcodes:
 * for places that cannot hold an image (select options). Unknown emoji get a neutral badge
 * with their shortcode as the title. */
(function (global) {
  "use strict";

  const svg = (body) => "data:image/svg+xml," + encodeURIComponent(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 20">${body}</svg>`);
  const circle = (fill) => `<circle cx="10" cy="10" r="9" fill="${fill}"/>`;
  const bang = (color) => `<rect x="8.6" y="3.5" width="2.8" height="8.5" rx="1.4" fill="${color}"/><circle cx="10" cy="15.2" r="1.6" fill="${color}"/>`;
  const check = (color) => `<path d="M5 10.5l3.2 3.2L15 6.8" fill="none" stroke="${color}" stroke-width="2.6" stroke-linecap="round" stroke-linejoin="round"/>`;
  const cross = (color) => `<path d="M6 6l8 8M14 6l-8 8" stroke="${color}" stroke-width="2.6" stroke-linecap="round"/>`;
  const clock = `${circle("#f4a300")}<circle cx="10" cy="10.5" r="6.2" fill="#fff"/><path d="M10 6.5v4.2l2.8 1.8" fill="none" stroke="#333" stroke-width="1.6" stroke-linecap="round"/>`;
  const hourglass = `<path d="M5 2h10v2.5c0 2.5-3 4-3 5.5s3 3 3 5.5V18H5v-2.5c0-2.5 3-4 3-5.5S5 7 5 4.5z" fill="#d9a441" stroke="#6b4e16" stroke-width="1.2"/><path d="M7 16.5h6c0-1.6-2-2.6-3-3.6-1 1-3 2-3 3.6z" fill="#6b4e16"/>`;
  const page = (lines) => `<path d="M4 1.5h8.5L16 5v13.5H4z" fill="#fff" stroke="#8a8a8a" stroke-width="1.2"/><path d="M12.5 1.5V5H16" fill="none" stroke="#8a8a8a" stroke-width="1.2"/>${lines}`;
  const rules = `<path d="M6.5 8h7M6.5 11h7M6.5 14h5" stroke="#4a90d9" stroke-width="1.3"/>`;

  const ICONS = {
    "❗": ["exclamation", `${circle("#fde8e8")}${bang("#d9302c")}`],
    "❕": ["grey_exclamation", `${circle("#eee")}${bang("#888")}`],
    "⚠": ["warning", `<path d="M10 1.8L19 17.8H1z" fill="#f7c600" stroke="#8a6d00" stroke-width="1"/><rect x="9" y="6.5" width="2" height="6.5" rx="1" fill="#333"/><circle cx="10" cy="15.2" r="1.2" fill="#333"/>`],
    "⏰": ["alarm_clock", clock],
    "⏱": ["stopwatch", clock],
    "🕐": ["clock1", clock],
    "⌛": ["hourglass", hourglass],
    "⏳": ["hourglass_flowing_sand", hourglass],
    "✅": ["white_check_mark", `<rect x="1" y="1" width="18" height="18" rx="4" fill="#2eb67d"/>${check("#fff")}`],
    "✔": ["heavy_check_mark", check("#1d7a4f")],
    "☑": ["ballot_box_with_check", `<rect x="2" y="2" width="16" height="16" rx="3" fill="#fff" stroke="#555" stroke-width="1.4"/>${check("#1d7a4f")}`],
    "❌": ["x", cross("#d9302c")],
    "✖": ["heavy_multiplication_x", cross("#333")],
    "🎉": ["tada", `<path d="M2 18l4.5-12 7.5 7.5z" fill="#f4a300" stroke="#a8630a" stroke-width="1"/><circle cx="14" cy="4" r="1.6" fill="#e01e5a"/><circle cx="17" cy="9" r="1.4" fill="#36c5f0"/><circle cx="10" cy="2.8" r="1.2" fill="#2eb67d"/><path d="M12 7l3-3M13.5 10.5l4-1" stroke="#4a154b" stroke-width="1.2" stroke-linecap="round"/>`],
    "🔔": ["bell", `<path d="M10 2.5c3.2 0 5 2.4 5 5.6v4l2 2.4H3l2-2.4v-4C5 4.9 6.8 2.5 10 2.5z" fill="#f7c600" stroke="#a8860a" stroke-width="1"/><circle cx="10" cy="16.6" r="1.8" fill="#a8860a"/>`],
    "📅": ["date", `<rect x="2" y="3" width="16" height="15" rx="2" fill="#fff" stroke="#8a8a8a" stroke-width="1.2"/><rect x="2" y="3" width="16" height="4.5" rx="2" fill="#e01e5a"/><path d="M5.5 10.5h2M9 10.5h2M12.5 10.5h2M5.5 14h2M9 14h2" stroke="#555" stroke-width="1.6"/>`],
    "📆": ["calendar", `<rect x="2" y="3" width="16" height="15" rx="2" fill="#fff" stroke="#8a8a8a" stroke-width="1.2"/><rect x="2" y="3" width="16" height="4.5" rx="2" fill="#4a90d9"/>`],
    "📄": ["page_facing_up", page(rules)],
    "📋": ["clipboard", `<rect x="3.5" y="3" width="13" height="16" rx="1.5" fill="#c8955a" stroke="#7a5530" stroke-width="1"/><rect x="5.5" y="5" width="9" height="12" fill="#fff"/><rect x="7" y="1.5" width="6" height="3" rx="1" fill="#888"/>${rules}`],
    "📝": ["memo", `${page(rules)}<path d="M9 16l7.5-7.5 1.8 1.8L10.8 17.8 8.5 18.4z" fill="#f4a300" stroke="#7a5530" stroke-width=".8"/>`],
    "🖼": ["frame_with_picture", `<rect x="1.5" y="3" width="17" height="14" rx="1" fill="#c8955a"/><rect x="3.5" y="5" width="13" height="10" fill="#bfe3f7"/><path d="M3.5 15l4.5-5 3 3 2-2 3.5 4z" fill="#2eb67d"/>`],
    "🔄": ["arrows_counterclockwise", `<rect x="1" y="1" width="18" height="18" rx="4" fill="#4a90d9"/><path d="M14.5 8A4.8 4.8 0 0 0 5.6 7.5M5.5 12a4.8 4.8 0 0 0 8.9.5" fill="none" stroke="#fff" stroke-width="1.8"/><path d="M4.5 4.5v3.5H8M15.5 15.5V12H12" fill="none" stroke="#fff" stroke-width="1.8"/>`],
    "🏠": ["house", `<path d="M10 2L2 9h2.5v9h11V9H18z" fill="#e8a33d" stroke="#7a5530" stroke-width="1"/><rect x="8" y="12" width="4" height="6" fill="#7a5530"/>`],
    "🚀": ["rocket", `<path d="M13.5 2.5c2.5 0 4 1.5 4 4-1 3.5-4 6.5-7 8l-5-5c1.5-3 4.5-6 8-7z" fill="#d8dde6" stroke="#555" stroke-width="1"/><circle cx="12.5" cy="7.5" r="1.8" fill="#4a90d9"/><path d="M5.5 9.5l-3 1 2.5-4 3-.5zM10.5 14.5l-1 3 4-2.5.5-3z" fill="#e01e5a"/><path d="M4.5 13.5l-2.5 4 4-2.5z" fill="#f4a300"/>`],
    "ℹ": ["information_source", `<rect x="1" y="1" width="18" height="18" rx="4" fill="#4a90d9"/><circle cx="10" cy="5.5" r="1.5" fill="#fff"/><rect x="8.8" y="8" width="2.4" height="7.5" rx="1" fill="#fff"/>`],
    "👍": ["+1", `${circle("#f7c600")}<path d="M6 9.5h2.5l2.5-5c1.3 0 2 .8 1.6 2.3L12 9h3.2c.9 0 1.5.8 1.3 1.6l-1 4.4c-.2.6-.7 1-1.3 1H6z" fill="#fff" stroke="#a8860a" stroke-width=".8"/>`],
    "⭐": ["star", `<path d="M10 1.5l2.6 5.6 6 .7-4.5 4.1 1.2 6-5.3-3-5.3 3 1.2-6L1.4 7.8l6-.7z" fill="#f7c600" stroke="#a8860a" stroke-width=".8"/>`],
  };
  const FALLBACK = `${circle("#e8e8e8")}<circle cx="7" cy="8" r="1.2" fill="#666"/><circle cx="13" cy="8" r="1.2" fill="#666"/><path d="M6.5 12.5c2 2 5 2 7 0" fill="none" stroke="#666" stroke-width="1.3" stroke-linecap="round"/>`;
  const PATTERN = /(?:\p{Extended_Pictographic}|\p{Regional_Indicator}{2})(?:\uFE0F|\u200D\p{Extended_Pictographic}\uFE0F?)*/gu;
  // characters that Extended_Pictographic lists but every text font draws (© ® ™ ↔ ...)
  const TEXT_SYMBOLS = new Set(["©", "®", "™", "↔", "↕", "‼", "⁉", "▶", "◀", "⌨", "⏏", "Ⓜ", "➡", "⬅", "⬆", "⬇", "⤴", "⤵"]);

  function bare(ch) { return ch.replace(/\uFE0F/g, ""); }
  function entry(ch) { return ICONS[bare(ch)] || ICONS[Array.from(bare(ch))[0]]; }

  function img(ch) {
    const known = entry(ch);
    const name = known ? known[0] : "emoji";
    const src = svg(known ? known[1] : FALLBACK);
    const alt = ch.replace(/"/g, "");
    return `<img class="emoji" alt="${alt}" title=":${name}:" data-emoji="${name}" src="${src}">`;
  }

  /* HTML that is already escaped (emoji are not special in HTML, so escaping keeps them). */
  function html(escaped) {
    return String(escaped).replace(PATTERN, (ch) => (TEXT_SYMBOLS.has(bare(ch)) ? ch : img(ch)));
  }
  /* Plain text for places without images: the emoji's :shortcode:. */
  function text(plain) {
    return String(plain).replace(PATTERN, (ch) => {
      if (TEXT_SYMBOLS.has(bare(ch))) return ch;
      const known = entry(ch);
      return known ? `:${known[0]}:` : ":emoji:";
    });
  }
  /* Every text node under `root` outside images, inputs and scripts: emoji become images. */
  function inElement(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: (n) => (n.parentElement && n.parentElement.closest("script, style, textarea, option, select, input")
        ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
    });
    const hits = [];
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      PATTERN.lastIndex = 0;
      if (PATTERN.test(n.nodeValue)) hits.push(n);
    }
    hits.forEach((n) => {
      const span = document.createElement("span");
      span.innerHTML = html(n.nodeValue.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" }[c])));
      n.replaceWith(...span.childNodes);
    });
  }

  global.Emoji = { html, text, inElement, names: Object.fromEntries(Object.entries(ICONS).map(([k, v]) => [v[0], k])) };
})(window);
