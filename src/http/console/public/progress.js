/* global window, document */
/* Canbao console, progress page: draws the charts from the page's JSON with ECharts (served from node_modules). */
(function () {
  'use strict';
  var printButton = document.getElementById('print');
  if (printButton) printButton.addEventListener('click', function () { window.print(); });

  var source = document.getElementById('progress-data');
  if (!source || !window.echarts) return;
  var data = JSON.parse(source.textContent || '{}');
  var percent = function (v) { return v === null || v === undefined ? '' : (v * 100).toFixed(1) + '%'; };

  var shareEl = document.getElementById('chart-share');
  if (shareEl && data.children && data.children.length) {
    var share = window.echarts.init(shareEl);
    share.setOption({
      animation: false,
      grid: { left: 48, right: 16, top: 32, bottom: 72 },
      legend: { data: [data.labels.actual, data.labels.target], top: 0 },
      tooltip: { trigger: 'axis', valueFormatter: percent },
      xAxis: { type: 'category', data: data.children.map(function (c) { return c.name; }), axisLabel: { interval: 0, rotate: data.children.length > 6 ? 40 : 0 } },
      yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: percent } },
      series: [
        { name: data.labels.actual, type: 'bar', data: data.children.map(function (c) { return c.share; }), itemStyle: { color: '#0b5cad' },
          label: { show: data.children.length <= 12, position: 'top', formatter: function (p) { return percent(p.value); } } },
        { name: data.labels.target, type: 'line', data: data.children.map(function (c) { return c.target; }), symbol: 'rect', symbolSize: 14,
          lineStyle: { opacity: 0 }, itemStyle: { color: '#b3261e' } },
      ],
    });
    share.on('click', function (p) {
      var child = data.children[p.dataIndex];
      if (child) window.location.href = '/console/progress?region=' + encodeURIComponent(child.code);
    });
    window.addEventListener('resize', function () { share.resize(); });
  }

  var trendEl = document.getElementById('chart-trend');
  if (trendEl && data.trend && data.trend.length) {
    var trend = window.echarts.init(trendEl);
    trend.setOption({
      animation: false,
      grid: { left: 56, right: 56, top: 32, bottom: 40 },
      legend: { data: [data.labels.confirmed, data.labels.share], top: 0 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: data.trend.map(function (d) { return d.date.slice(5); }) },
      yAxis: [{ type: 'value', minInterval: 1 }, { type: 'value', min: 0, max: 1, axisLabel: { formatter: percent } }],
      series: [
        { name: data.labels.confirmed, type: 'line', data: data.trend.map(function (d) { return d.confirmed; }), itemStyle: { color: '#1f7a3d' } },
        { name: data.labels.share, type: 'line', yAxisIndex: 1, data: data.trend.map(function (d) { return d.share; }), itemStyle: { color: '#0b5cad' },
          tooltip: { valueFormatter: percent } },
      ],
    });
    window.addEventListener('resize', function () { trend.resize(); });
  }
  document.body.setAttribute('data-charts', 'ready');
})();
