// The attendance screen: one key per change on the focused row, arrows between rows,
// Enter saves, and a summary that follows every change. Without JavaScript the form
// still works with clicks (radio buttons and one submit).
(function () {
  "use strict";
  const form = document.getElementById("attendance-form");
  if (!form) return;
  const KEYS = { "1": "1", c: "1", "2": "2", p: "2", "3": "3", k: "3" };
  const rows = Array.from(form.querySelectorAll(".sheet-row"));

  function checkedRadio(row) {
    return row.querySelector("input[type=radio]:checked") || row.querySelector("input[type=radio]");
  }

  function refresh() {
    const counts = {};
    rows.forEach(function (row) {
      const radio = checkedRadio(row);
      row.dataset.status = radio.value;
      counts[radio.value] = (counts[radio.value] || 0) + 1;
    });
    form.querySelectorAll("[data-count]").forEach(function (el) {
      el.textContent = counts[el.dataset.count] || 0;
    });
  }

  form.addEventListener("change", function (event) {
    if (event.target.matches("input[type=radio]")) refresh();
  });

  form.addEventListener("keydown", function (event) {
    const radio = event.target.closest(".status-group input[type=radio]");
    if (!radio || event.altKey || event.ctrlKey || event.metaKey) return;
    const row = radio.closest(".sheet-row");
    const key = KEYS[event.key.toLowerCase()];
    if (key) {
      event.preventDefault();
      const choice = row.querySelector('input[data-key="' + key + '"]');
      choice.checked = true;
      choice.focus();
      refresh();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      // Up and down move between people; left and right still move within a row.
      event.preventDefault();
      const next = rows[rows.indexOf(row) + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) checkedRadio(next).focus();
    } else if (event.key === "Enter") {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // Back from a refused save: take the reader to the reasons.
  const errors = document.getElementById("sheet-errors");
  if (errors) errors.focus();
  refresh();
})();
