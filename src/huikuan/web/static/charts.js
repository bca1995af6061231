// The dashboards' charts (templates/reports/): each <div data-chart="KIND" data-source="ID"> is drawn
// with Apache ECharts (/static/echarts/echarts.min.js) from the JSON in the data-json attribute of the
// element with that id, so no inline script is needed (the Content-Security-Policy allows none). Every chart's figures
// are also in a table on the page, for readers without JavaScript and for screen readers.
(function () {
  "use strict";

  function num(value) { return value === null || value === undefined ? null : Number(value); }

  // The tooltip as plain text lines: its default markers are HTML with style attributes, which the
  // Content-Security-Policy refuses.
  function textTooltip(params) {
    var list = Array.isArray(params) ? params : [params];
    var lines = list.length && list[0].axisValueLabel !== undefined ? [list[0].axisValueLabel] : [];
    list.forEach(function (p) {
      var value = Array.isArray(p.value) ? p.value[p.value.length - 1] : p.value;
      lines.push(p.seriesName + ": " + (value === null || value === undefined ? "—" : value));
    });
    return lines.join("<br>");
  }

  var base = {
    animation: false,
    grid: { left: 8, right: 8, top: 44, bottom: 8, containLabel: true },
    tooltip: { trigger: "axis", formatter: textTooltip },
    legend: { top: 0, type: "scroll" },
  };

  function trend(data) {
    var s = data.series, l = data.labels;
    var money = Object.keys(s.collected).map(function (cur) {
      return { name: l.collected + " " + cur, type: "bar", yAxisIndex: 0, data: s.collected[cur].map(num) };
    });
    return Object.assign({}, base, {
      xAxis: { type: "category", data: s.periods, axisLabel: { hideOverlap: true } },
      // The legend names the series; the left axis is money, the right one counts.
      yAxis: [{ type: "value" }, { type: "value", minInterval: 1, splitLine: { show: false } }],
      series: money.concat([
        { name: l.contacts, type: "line", yAxisIndex: 1, data: s.contacts },
        { name: l.attempts, type: "line", yAxisIndex: 1, data: s.attempts },
      ]),
    });
  }

  function refusals(data) {
    var rows = data.series.refusals.slice().reverse();
    return Object.assign({}, base, {
      legend: { show: false },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: textTooltip },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: rows.map(function (r) { return r[0]; }) },
      series: [{ name: data.labels.refusals, type: "bar", data: rows.map(function (r) { return r[1]; }) }],
    });
  }

  function vintages(data) {
    return Object.assign({}, base, {
      tooltip: { trigger: "item", formatter: textTooltip },
      grid: Object.assign({}, base.grid, { bottom: 28 }),
      xAxis: { type: "value", name: data.labels.months, nameLocation: "middle", nameGap: 26, minInterval: 1 },
      yAxis: { type: "value", min: 0, axisLabel: { formatter: "{value}%" } },
      series: data.series.vintages.map(function (v) {
        return { name: v.name, type: "line", data: v.points.map(function (p) { return [p[0], num(p[1])]; }) };
      }),
    });
  }

  function compare(data) {
    var s = data.series, l = data.labels;
    return Object.assign({}, base, {
      grid: Object.assign({}, base.grid, { right: 24 }),  // room for the last label, 100%
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, formatter: textTooltip },
      xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", data: l.rates.slice().reverse() },
      series: [
        { name: l.mine, type: "bar", data: s.mine.map(num).reverse() },
        { name: l.team, type: "bar", data: s.team.map(num).reverse() },
      ],
    });
  }

  var KINDS = { trend: trend, refusals: refusals, vintages: vintages, compare: compare };

  function draw() {
    if (!window.echarts) return;
    document.querySelectorAll("[data-chart]").forEach(function (box) {
      var source = document.getElementById(box.dataset.source);
      var make = KINDS[box.dataset.chart];
      if (!source || !make) return;
      var chart = window.echarts.init(box, null, { renderer: "svg" });
      chart.setOption(make(JSON.parse(source.dataset.json)));
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
