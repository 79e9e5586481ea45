// Date boxes (portal.forms.VietnameseDateInput): the typed dd/mm/yyyy stays the value the
// form sends; a calendar button beside it opens the phone's own date picker and writes
// the chosen day back as dd/mm/yyyy. Without JavaScript the box still takes typed dates.
(function () {
  "use strict";
  const CALENDAR = '<svg aria-hidden="true" width="20" height="20" viewBox="0 0 16 16" fill="currentColor">' +
    '<path d="M4 .5a.5.5 0 0 1 1 0V1h6V.5a.5.5 0 0 1 1 0V1h1a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H3a2 2 0 0 1-2-2V3a2 ' +
    '2 0 0 1 2-2h1zM2 5v9a1 1 0 0 0 1 1h10a1 1 0 0 0 1-1V5zm2 2h2v2H4zm3 0h2v2H7zm3 0h2v2h-2zM4 10h2v2H4zm3 ' +
    '0h2v2H7z"/></svg>';
  const two = function (n) { return String(n).padStart(2, "0"); };

  function enhance(box) {
    if (box.dataset.dateInputReady) return;
    box.dataset.dateInputReady = "1";
    const group = document.createElement("div");
    group.className = "input-group date-input-group";
    box.parentNode.insertBefore(group, box);
    group.appendChild(box);
    const button = document.createElement("span");
    button.className = "btn btn-outline-secondary date-picker-button";
    button.innerHTML = CALENDAR;
    const picker = document.createElement("input");
    picker.type = "date";
    picker.tabIndex = -1;  // the typed box is the keyboard's way; this is for fingers
    picker.setAttribute("aria-label", box.dataset.pickerLabel || "");
    button.appendChild(picker);
    group.appendChild(button);

    picker.addEventListener("click", function () {
      // Open the calendar at the day already typed, when it is a whole dd/mm/yyyy.
      const typed = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(box.value.trim());
      if (typed) picker.value = typed[3] + "-" + typed[2] + "-" + typed[1];
      if (picker.showPicker) {
        try { picker.showPicker(); } catch (error) { /* the browser opens it by itself */ }
      }
    });
    picker.addEventListener("change", function () {
      if (!picker.value) return;
      const [year, month, day] = picker.value.split("-");
      box.value = two(day) + "/" + two(month) + "/" + year;
      box.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  document.querySelectorAll("input[data-date-input]").forEach(enhance);
})();
