// A campaign's follow-up tree: on a phone it opens two levels (the campaign's unit and
// the units right below it), so the first screen shows figures, not a long list; the
// page as served opens one more level, for a desktop.
(function () {
  "use strict";
  if (!window.matchMedia("(max-width: 767.98px)").matches) return;
  document.querySelectorAll(".progress-tree details[data-depth]").forEach(function (node) {
    if (Number(node.dataset.depth) >= 1) node.open = false;
  });
})();
