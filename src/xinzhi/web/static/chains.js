// 新质 Xinzhi — chain map: a click on a node of the ECharts graph loads its details (HTMX).
// app.js draws the chart; this waits for it (data-drawn) and listens for clicks. No inline
// scripts: the Content-Security-Policy allows /static only.
(function () {
  "use strict";
  function attach(node) {
    if (node.dataset.clicks || !window.echarts) return;
    const chart = window.echarts.getInstanceByDom(node);
    if (!chart) return;
    node.dataset.clicks = "1";
    chart.on("click", function (params) {
      if (params.dataType !== "node" || !params.data || !params.data.id) return;
      const url = "/chains/" + encodeURIComponent(node.dataset.chain) + "/nodes/" +
        encodeURIComponent(params.data.id);
      window.htmx.ajax("GET", url, { target: "#node-detail", swap: "innerHTML" });
    });
  }
  function watch() {
    document.querySelectorAll(".chain-map[data-chain]").forEach(function (node) {
      if (node.dataset.drawn) { attach(node); return; }
      new MutationObserver(function (changes, observer) {
        if (node.dataset.drawn) { observer.disconnect(); attach(node); }
      }).observe(node, { attributes: true, attributeFilter: ["data-drawn"] });
    });
  }
  document.addEventListener("DOMContentLoaded", watch);
})();
