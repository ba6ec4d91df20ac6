// Draws the campaign page's opens and clicks per hour with Chart.js from the
// JSON in #campaign-chart-data (a data block, which the
// Content-Security-Policy allows where it forbids inline script).
(function () {
  "use strict";
  var data = document.getElementById("campaign-chart-data");
  var canvas = document.getElementById("campaign-chart");
  if (!data || !canvas || typeof Chart === "undefined") {
    return;
  }
  var d = JSON.parse(data.textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: d.labels,
      datasets: [
        { label: d.opensLabel, data: d.opens, tension: 0.2 },
        { label: d.clicksLabel, data: d.clicks, tension: 0.2 }
      ]
    },
    options: { interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
  });
})();
