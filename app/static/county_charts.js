// The county's charts on a metric's page, from the figures the page carries as JSON
// (the CSP forbids inline scripts): each station's trend, and a rate's funnel plot.
(function () {
  var source = document.getElementById("chart-data");
  if (!source || !window.echarts) { return; }
  var chart = JSON.parse(source.textContent);
  var labels = chart.labels;
  var escape = window.echarts.format.encodeHTML;  // station names are the county's text
  var drawn = [];

  function draw(id, option) {
    var element = document.getElementById(id);
    if (!element) { return; }
    var instance = window.echarts.init(element, null, { renderer: "svg" });
    instance.setOption(option);
    drawn.push(instance);
  }

  if (chart.trend) {
    var series = chart.trend.stations.map(function (s) {
      return { name: s.name, type: "line", data: s.values, symbol: "circle", symbolSize: 7,
               showSymbol: true, showAllSymbol: true, clip: false };
    });
    if (chart.trend.county.some(function (v) { return v != null; })) {  // not for a median
      series.push({ name: labels.county, type: "line", data: chart.trend.county,
                    symbol: "circle", symbolSize: 7, showSymbol: true, showAllSymbol: true,
                    lineStyle: { width: 3, type: "dashed" }, itemStyle: { color: "#212529" } });
    }
    draw("trend-chart", {
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v; } },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 48, right: 16, top: 16, bottom: 64 },
      xAxis: { type: "category", data: chart.trend.names },
      yAxis: { type: "value" },
      series: series
    });
  }

  if (chart.funnel) {
    var f = chart.funnel;
    var limit = function (name, data, dash) {
      return { name: name, type: "line", data: data, showSymbol: false, silent: true,
               lineStyle: { type: dash, width: 1 }, itemStyle: { color: "#6c757d" } };
    };
    var lowest = Math.min.apply(null, f.low998.map(function (p) { return p[1]; })
      .concat(f.points.map(function (p) { return p.value[1]; })));
    draw("funnel-chart", {
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          if (p.seriesType !== "scatter") { return ""; }
          return escape(p.name) + "<br>" + p.value[1] + " % · " + escape(labels.cases) + " " +
            p.value[0];
        }
      },
      legend: { bottom: 0, data: [labels.stations, labels.limits95, labels.limits998] },
      grid: { left: 48, right: 16, top: 24, bottom: 64 },
      xAxis: { type: "value", name: labels.cases, nameLocation: "middle", nameGap: 24, min: 0 },
      yAxis: { type: "value", name: "%", min: Math.max(0, Math.floor(lowest / 10) * 10),
               max: 100 },
      series: [
        { name: labels.stations, type: "scatter", data: f.points, symbolSize: 11,
          label: { show: true, position: "right", fontSize: 11, formatter: "{b}" },
          markLine: { silent: true, symbol: "none", lineStyle: { color: "#0d6efd" },
                      label: { position: "insideStartTop",
                               formatter: labels.county + " " + f.county + " %" },
                      data: [{ yAxis: f.county }] } },
        limit(labels.limits95, f.low95, "dashed"), limit(labels.limits95, f.high95, "dashed"),
        limit(labels.limits998, f.low998, "solid"), limit(labels.limits998, f.high998, "solid")
      ]
    });
  }

  window.addEventListener("resize", function () {
    drawn.forEach(function (instance) { instance.resize(); });
  });
})();
