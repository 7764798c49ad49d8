/* The dashboard's charts: every element with a data-chart attribute is an Apache ECharts chart
   whose option (JSON, written by the server) is in the <script type="application/json"> right after
   it. No inline script anywhere (CSP script-src 'self'); charts added by htmx are drawn too.
   Tooltips are drawn on the canvas (renderMode richText), never as HTML: chart data may carry
   crawled text (site names, titles), which must not become markup. */
(function () {
  "use strict";

  var drawn = [];

  function optionOf(el) {
    var data = el.nextElementSibling;
    if (!data || data.tagName !== "SCRIPT" || data.getAttribute("type") !== "application/json") {
      return null;
    }
    try {
      return JSON.parse(data.textContent);
    } catch (e) {
      return null;
    }
  }

  // A pie slice of zero has no arc: its label and leader line would only pile up on the others'.
  function hideZeroSliceLabels(option) {
    (option.series || []).forEach(function (series) {
      if (series.type !== "pie" || !Array.isArray(series.data)) {
        return;
      }
      series.data = series.data.map(function (item) {
        var value = item !== null && typeof item === "object" ? item.value : item;
        if (Number(value) !== 0) {
          return item;
        }
        var hidden = typeof item === "object" ? Object.assign({}, item) : {value: item};
        hidden.label = {show: false};
        hidden.labelLine = {show: false};
        return hidden;
      });
    });
  }

  function prepare(option, el) {
    hideZeroSliceLabels(option);
    option.tooltip = Object.assign({trigger: "axis"}, option.tooltip || {}, {renderMode: "richText"});
    option.aria = {enabled: true, label: {description: el.getAttribute("aria-label") || ""}};
    if (window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches) {
      option.animation = false;
    }
    if (!option.textStyle) {
      option.textStyle = {fontFamily: "\"Noto Sans CJK SC\", \"Source Han Sans SC\", \"PingFang SC\", \"Microsoft YaHei\", sans-serif"};
    }
    return option;
  }

  function draw(root) {
    if (!window.echarts) {
      return;
    }
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.getAttribute("data-chart-drawn")) {
        return;
      }
      var option = optionOf(el);
      if (!option) {
        el.classList.add("chart-failed");
        el.textContent = "图表数据无法读取";
        return;
      }
      var chart = window.echarts.init(el, null, {renderer: "canvas"});
      chart.setOption(prepare(option, el));
      el.setAttribute("data-chart-drawn", "1");
      drawn.push(chart);
      if (window.ResizeObserver) {  // follows its box (a narrower window, a folded panel)
        new window.ResizeObserver(function () {
          if (!chart.isDisposed()) {
            chart.resize();
          }
        }).observe(el);
      }
    });
  }

  function resize() {
    drawn = drawn.filter(function (chart) {
      if (chart.isDisposed() || !document.body.contains(chart.getDom())) {
        if (!chart.isDisposed()) {
          chart.dispose();
        }
        return false;
      }
      chart.resize();
      return true;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(document); });
  } else {
    draw(document);
  }
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); resize(); });
  window.addEventListener("resize", resize);
}());
