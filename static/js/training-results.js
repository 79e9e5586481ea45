// The results screen of a class: focus on the first learner; Enter (or Tab) moves down the
// column, Ctrl+Enter saves. With a test the result follows the score as it is typed
// ("7,5" or "7.5"), by the pass mark of the rule in force; the server decides the same way.
(function () {
  "use strict";
  const form = document.getElementById("results-form");
  if (!form) return;
  const inputs = Array.from(form.querySelectorAll(".score-input, .result-input"));
  const passMark = form.dataset.passMark ? Number(form.dataset.passMark) : null;

  function parse(text) {
    const value = text.trim().replace(",", ".");
    if (value === "") return null;
    if (!/^\d{1,2}(\.\d{1,2})?$/.test(value)) return NaN;
    const score = Number(value);
    return score >= 0 && score <= 10 ? score : NaN;
  }

  function refresh() {
    let passed = 0, failed = 0;
    inputs.forEach(function (input) {
      let result = "";
      if (input.classList.contains("score-input")) {
        const score = parse(input.value);
        const badge = input.closest("tr").querySelector(".result-live");
        badge.className = "result-live badge";
        if (Number.isNaN(score)) {
          badge.textContent = form.dataset.invalid;
          badge.classList.add("text-bg-danger");
          input.classList.add("is-invalid");
          return;
        }
        input.classList.remove("is-invalid");
        if (score !== null) result = score >= passMark ? "dat" : "khong_dat";
        badge.textContent = result === "dat" ? form.dataset.passed : result === "khong_dat" ? form.dataset.failed : "";
        if (result) badge.classList.add(result === "dat" ? "text-bg-success" : "text-bg-secondary");
      } else {
        result = input.value;
      }
      if (result === "dat") passed += 1;
      if (result === "khong_dat") failed += 1;
    });
    form.querySelector('[data-count="passed"]').textContent = passed;
    form.querySelector('[data-count="failed"]').textContent = failed;
  }

  form.addEventListener("input", refresh);
  form.addEventListener("change", refresh);
  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !event.target.matches(".score-input, .result-input")) return;
    event.preventDefault();
    const next = inputs[inputs.indexOf(event.target) + 1];
    if (event.ctrlKey || event.metaKey || !next) form.requestSubmit();
    else { next.focus(); if (next.select) next.select(); }
  });

  const errors = document.getElementById("results-errors");
  const culprit = form.querySelector(".is-invalid");
  if (culprit) culprit.focus();
  else if (errors) errors.focus();
  else if (inputs.length) inputs[0].focus();
  refresh();
})();
