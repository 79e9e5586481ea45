// The class form: "+ Thêm bài" adds a lesson row (the formset's empty form); on a new
// class, choosing another type reloads the form with that type's number of lessons while
// nothing else has been typed yet; the "ngoài kế hoạch" warning follows the plan line.
(function () {
  "use strict";
  const form = document.getElementById("class-form");
  if (!form) return;
  const rows = document.getElementById("lesson-rows");
  const template = document.getElementById("lesson-template");
  const total = form.querySelector('input[name="lessons-TOTAL_FORMS"]');
  let typed = false;

  document.getElementById("add-lesson").addEventListener("click", function () {
    const index = Number(total.value);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    const row = rows.lastElementChild;
    const number = row.querySelector('input[name$="-number"]');
    if (number) number.value = String(index + 1);
    const title = row.querySelector('input[name$="-title"]');
    if (title) title.focus();
  });

  form.addEventListener("input", function (event) {
    if (!event.target.matches("select")) typed = true;
  });

  // The "ngoài kế hoạch" warning shows while no plan line is chosen.
  const line = form.querySelector('select[name="plan_line"]');
  const warning = document.getElementById("out-of-plan-warning");
  if (line && warning) {
    line.addEventListener("change", function () { warning.hidden = Boolean(line.value); });
  }

  const reload = form.dataset.typeReload;
  const type = form.querySelector('select[name="class_type"]');
  if (reload && type) {
    type.addEventListener("change", function () {
      if (!typed) window.location.assign(reload + "?type=" + encodeURIComponent(type.value));
    });
  }
})();
