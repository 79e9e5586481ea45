// The organisation tree: a toggle loads its children once (htmx), then shows or hides them.
document.addEventListener("click", function (event) {
  const toggle = event.target.closest(".unit-toggle");
  if (!toggle) return;
  const target = document.getElementById(toggle.getAttribute("aria-controls"));
  const open = toggle.getAttribute("aria-expanded") === "true";
  toggle.setAttribute("aria-expanded", open ? "false" : "true");
  if (target) target.hidden = open;
});
