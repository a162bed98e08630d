/* global window, document, fetch, URLSearchParams, FormData */
/*
 * Canbao console, community work: the segment preview refreshed as the filter changes, the running campaign's
 * counts polled and drawn as a funnel with ECharts (served from node_modules), the visit results upload.
 * Progressive enhancement: every page works without it except the upload, which needs the file as the body.
 */
(function () {
  'use strict';

  // ---- live preview (segments page and campaign form)
  var previewBox = document.getElementById('preview');
  var form = document.getElementById('segment-form') || document.getElementById('campaign-form');
  if (previewBox && form) {
    var timer = null;
    var seq = 0;
    var refresh = function () {
      var params = new URLSearchParams(new FormData(form));
      params.delete('_csrf');
      params.delete('name');
      if (form.id === 'campaign-form') params.set('bare', '1');
      var mine = ++seq;
      fetch('/console/segments/preview?' + params.toString(), { credentials: 'same-origin' })
        .then(function (r) { return r.text(); })
        .then(function (text) {
          if (mine !== seq) return;
          previewBox.innerHTML = text;
          var section = previewBox.querySelector('[data-filter]');
          if (section && form.id === 'segment-form') {
            window.history.replaceState(null, '', '/console/segments?filter=' + encodeURIComponent(section.getAttribute('data-filter')));
          }
        })
        .catch(function () { /* the previous preview stays */ });
    };
    var later = function () {
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 350);
    };
    form.addEventListener('change', later);
    form.addEventListener('input', later);
    if (form.id === 'segment-form') {
      form.addEventListener('submit', function (e) {
        e.preventDefault();
        refresh();
      });
    }
  }

  // ---- running campaign: live counts and the funnel
  var source = document.getElementById('campaign-data');
  if (source) {
    var data = JSON.parse(source.textContent || '{}');
    var funnelChart = null;
    var townChart = null;
    var draw = function (d) {
      if (!window.echarts) return;
      var funnelEl = document.getElementById('chart-funnel');
      var townEl = document.getElementById('chart-townships');
      if (funnelEl && !funnelChart) funnelChart = window.echarts.init(funnelEl);
      if (townEl && !townChart) townChart = window.echarts.init(townEl);
      if (funnelChart) {
        funnelChart.setOption({
          animation: false,
          tooltip: { trigger: 'item' },
          series: [{
            type: 'funnel', sort: 'none', left: '10%', width: '80%', minSize: '8%', gap: 2,
            label: { show: true, position: 'inside', formatter: '{b}: {c}' },
            data: d.funnel.map(function (k) { return { name: d.labels[k], value: d.counts[k] }; }),
          }],
        });
      }
      if (townChart) {
        townChart.setOption({
          animation: false,
          tooltip: { trigger: 'axis' },
          legend: { top: 0, data: d.funnel.map(function (k) { return d.labels[k]; }) },
          grid: { left: 48, right: 16, top: 40, bottom: 64 },
          xAxis: { type: 'category', data: d.byTownship.map(function (t) { return (t.name || '') + ' ' + t.township; }), axisLabel: { interval: 0, rotate: d.byTownship.length > 5 ? 30 : 0 } },
          yAxis: { type: 'value', minInterval: 1 },
          series: d.funnel.map(function (k) { return { name: d.labels[k], type: 'bar', data: d.byTownship.map(function (t) { return t[k]; }) }; }),
        }, true);
      }
    };
    var update = function (d) {
      var cells = document.querySelectorAll('#counts [data-count]');
      for (var i = 0; i < cells.length; i++) cells[i].textContent = String(d.counts[cells[i].getAttribute('data-count')]);
      var status = document.getElementById('campaign-status');
      if (status) status.textContent = d.statusLabel;
      // Buttons the new status no longer allows are hidden (the server refuses them anyway).
      var buttons = document.querySelectorAll('button[id^="action-"]');
      for (var b = 0; b < buttons.length; b++) buttons[b].hidden = d.actions.indexOf(buttons[b].id.slice(7)) < 0;
      var body = document.querySelector('#townships tbody');
      if (body) {
        body.textContent = '';
        d.byTownship.forEach(function (t) {
          var tr = document.createElement('tr');
          var name = document.createElement('td');
          name.textContent = (t.name || '') + ' ' + t.township;
          tr.appendChild(name);
          d.funnel.forEach(function (k) {
            var td = document.createElement('td');
            td.textContent = String(t[k]);
            tr.appendChild(td);
          });
          body.appendChild(tr);
        });
      }
      draw(d);
    };
    draw(data);
    var poll = function () {
      fetch('/console/campaigns/' + encodeURIComponent(data.id) + '/live', { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (d) {
          if (d) {
            data = d;
            update(d);
          }
        })
        .catch(function () { /* try again on the next tick */ })
        .finally(function () {
          if (data.status !== 'FINISHED') window.setTimeout(poll, 3000);
        });
    };
    window.setTimeout(poll, 3000);
    window.addEventListener('resize', function () {
      if (funnelChart) funnelChart.resize();
      if (townChart) townChart.resize();
    });
  }

  // ---- visit results upload: the workbook is sent as the request body, the report shown below
  var upload = document.getElementById('results-form');
  if (upload) {
    upload.addEventListener('submit', function (e) {
      e.preventDefault();
      var input = document.getElementById('results-file');
      var box = document.getElementById('results-report');
      var button = document.getElementById('upload');
      var file = input && input.files && input.files[0];
      if (!file || !box) return;
      if (button) button.disabled = true;
      var csrf = upload.querySelector('input[name="_csrf"]');
      fetch(upload.getAttribute('action'), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/octet-stream', 'x-csrf-token': csrf ? csrf.value : '' },
        body: file,
      })
        .then(function (r) { return r.text(); })
        .then(function (text) { box.innerHTML = text; })
        .catch(function () { box.textContent = upload.getAttribute('data-failed') || ''; })
        .finally(function () {
          if (button) button.disabled = false;
          delete upload.dataset.sent;
        });
    });
  }
})();
