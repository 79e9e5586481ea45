// The attendance screen: focus starts on the first person; one key per change on the
// focused row, arrows between rows, Enter saves, and a summary that follows every change.
// Marking "vắng có lý do" moves to its reason; saving with a reason missing takes the
// secretary to that box with the message. Without JavaScript the form still works with
// clicks (radio buttons and one submit), and the server asks for the missing reasons.
(function () {
  "use strict";
  const form = document.getElementById("attendance-form");
  if (!form) return;
  const KEYS = { "1": "1", c: "1", "2": "2", p: "2", "3": "3", k: "3" };
  const EXCUSED = "2";
  const rows = Array.from(form.querySelectorAll(".sheet-row"));
  const phone = window.matchMedia("(max-width: 767.98px)");
  let markedByPointer = false;

  function checkedRadio(row) {
    return row.querySelector("input[type=radio]:checked") || row.querySelector("input[type=radio]");
  }

  function reasonBox(row) {
    return row.querySelector(".sheet-reason");
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

  function clearMissing(row) {
    const box = reasonBox(row);
    row.classList.remove("is-culprit");
    box.classList.remove("is-invalid");
    box.removeAttribute("aria-invalid");
    const message = row.querySelector(".sheet-reason-missing");
    if (message) message.remove();
  }

  function showMissing(row) {
    const box = reasonBox(row);
    let message = row.querySelector(".sheet-reason-missing");
    if (!message) {
      message = document.createElement("div");
      message.className = "invalid-feedback d-block sheet-reason-missing";
      message.id = box.name + "-missing";
      message.setAttribute("role", "alert");
      message.textContent = form.dataset.reasonMissing;
      box.insertAdjacentElement("afterend", message);
    }
    row.classList.add("is-culprit");
    box.classList.add("is-invalid");
    box.setAttribute("aria-invalid", "true");
    box.setAttribute("aria-describedby", message.id);
    box.focus({ preventScroll: true });
    row.scrollIntoView({ block: "center" });  // above the sticky footer, message included
  }

  function missingReason() {
    return rows.find(function (row) {
      return checkedRadio(row).dataset.key === EXCUSED && !reasonBox(row).value.trim();
    });
  }

  form.addEventListener("pointerdown", function (event) {
    markedByPointer = Boolean(event.target.closest(".status-group"));
  });

  form.addEventListener("change", function (event) {
    if (!event.target.matches("input[type=radio]")) return;
    refresh();
    // A tap on "vắng có lý do" goes on to its reason; arrows within the row do not.
    if (markedByPointer && event.target.dataset.key === EXCUSED) reasonBox(event.target.closest(".sheet-row")).focus();
    markedByPointer = false;
  });

  form.addEventListener("input", function (event) {
    if (event.target.matches(".sheet-reason") && event.target.value.trim()) clearMissing(event.target.closest(".sheet-row"));
  });

  form.addEventListener("keydown", function (event) {
    const radio = event.target.closest(".status-group input[type=radio]");
    if (!radio || event.altKey || event.ctrlKey || event.metaKey) return;
    markedByPointer = false;
    const row = radio.closest(".sheet-row");
    const key = KEYS[event.key.toLowerCase()];
    if (key) {
      event.preventDefault();
      const choice = row.querySelector('input[data-key="' + key + '"]');
      choice.checked = true;
      refresh();
      if (key === EXCUSED) reasonBox(row).focus(); else choice.focus();
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

  form.addEventListener("submit", function (event) {
    const row = missingReason();
    if (row) {
      event.preventDefault();
      showMissing(row);
    }
  });

  // The legend is for a keyboard: on a phone it stays folded, out of the first screen.
  const legend = document.getElementById("sheet-legend");
  if (legend && phone.matches) legend.open = false;

  // Back from a refused save: to the first missing reason, else to the list of problems.
  // Otherwise start on the first person, not fifteen Tabs away.
  const errors = document.getElementById("sheet-errors");
  const culprit = missingReason();
  if (errors && culprit) showMissing(culprit);
  else if (errors) errors.focus();
  else if (rows.length) checkedRadio(rows[0]).focus({ preventScroll: phone.matches });
  refresh();
})();
