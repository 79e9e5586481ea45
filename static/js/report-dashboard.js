// The report dashboard's charts, drawn from the page's JSON data island (#report-data): this
// period beside the previous one. The same numbers are in the tables beside each chart.
(function () {
  "use strict";

  // Figures not kept yet: a worker computes them; look again in a few seconds.
  const COMPUTING_RELOAD_MS = 3000;

  function draw() {
    if (document.querySelector("[data-computing]")) {
      window.setTimeout(function () { window.location.reload(); }, COMPUTING_RELOAD_MS);
      return;
    }
    const island = document.getElementById("report-data");
    if (!island || !window.Chart) return;
    const data = JSON.parse(island.textContent);
    const locale = document.documentElement.lang || "vi";
    const count = new Intl.NumberFormat(locale, {maximumFractionDigits: 1});
    const percent = new Intl.NumberFormat(locale, {minimumFractionDigits: 1, maximumFractionDigits: 1});
    const styles = getComputedStyle(document.documentElement);
    const colors = [styles.getPropertyValue("--bs-primary").trim() || "#0d6efd", "#adb5bd"];

    data.charts.forEach(function (chart) {
      const canvas = document.getElementById(chart.id);
      if (!canvas) return;
      const isPercent = chart.kind === "percent";
      const format = function (value) {
        if (value === null || value === undefined) return "—";
        return isPercent ? percent.format(value) + "%" : count.format(value);
      };
      const datasets = [{label: data.period, data: chart.current, backgroundColor: colors[0]}];
      if (chart.previous) {
        datasets.push({label: data.previous_period, data: chart.previous, backgroundColor: colors[1]});
      }
      new window.Chart(canvas, {
        type: "bar",
        data: {labels: chart.labels, datasets: datasets},
        options: {
          indexAxis: "y",
          locale: locale,
          maintainAspectRatio: false,
          animation: false,
          scales: {
            x: {
              beginAtZero: true,
              max: isPercent ? 100 : undefined,
              ticks: {callback: function (value) { return isPercent ? value + "%" : count.format(value); }},
            },
            y: {ticks: {autoSkip: false, callback: function (value) {
              const label = this.getLabelForValue(value);
              return label.length > 40 ? label.slice(0, 39) + "…" : label;
            }}},
          },
          plugins: {
            legend: {position: "bottom"},
            tooltip: {callbacks: {label: function (item) { return item.dataset.label + ": " + format(item.raw); }}},
          },
        },
      });
    });
  }

  // Large tables by child unit come from the server when their section is first opened.
  function loadFragments() {
    document.querySelectorAll("details[data-fragment]").forEach(function (details) {
      details.addEventListener("toggle", function () {
        if (!details.open || details.dataset.loaded) return;
        details.dataset.loaded = "1";
        const target = details.querySelector(".report-fragment");
        fetch(details.dataset.fragment, {credentials: "same-origin", headers: {"X-Requested-With": "fetch"}})
          .then(function (response) {
            if (!response.ok) throw new Error(response.status);
            return response.text();
          })
          .then(function (html) { target.outerHTML = html; })
          .catch(function () { delete details.dataset.loaded; });
      });
    });
  }

  function start() {
    draw();
    loadFragments();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
