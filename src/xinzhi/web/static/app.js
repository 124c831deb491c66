// 新质 Xinzhi: draw every .xz-chart with the vendored ECharts (loaded on first use), on page
// load and in fragments HTMX swaps in. data-option holds the ECharts option as JSON.
(function () {
  "use strict";
  let loading = null;
  function loadEcharts() {
    if (window.echarts) return Promise.resolve(window.echarts);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        const script = document.createElement("script");
        script.src = "/static/vendor/echarts/echarts.min.js";
        script.onload = function () { resolve(window.echarts); };
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }
  function draw(root) {
    const nodes = (root || document).querySelectorAll(".xz-chart[data-option]:not([data-drawn])");
    if (!nodes.length) return;
    loadEcharts().then(function (echarts) {
      nodes.forEach(function (node) {
        const chart = echarts.init(node, null, { renderer: node.dataset.renderer || "canvas" });
        chart.setOption(JSON.parse(node.dataset.option));
        node.setAttribute("data-drawn", "1");
        window.addEventListener("resize", function () { chart.resize(); });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // <select data-autosubmit> submits its form on change (no inline handlers: CSP)
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]") && event.target.form) event.target.form.requestSubmit();
  });
  document.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
