/* global document */
// Canbao staff console: progressive enhancement only (every page works without it). Loaded with
// script-src 'self'; no inline handlers.
'use strict';

document.addEventListener('DOMContentLoaded', function () {
  // "Select all" for batch approval.
  var all = document.getElementById('select-all');
  if (all) {
    all.addEventListener('change', function () {
      var boxes = document.querySelectorAll('#batch input[name="item"]');
      for (var i = 0; i < boxes.length; i++) boxes[i].checked = all.checked;
    });
  }

  // Filters apply as soon as a select or the overdue box changes.
  var filters = document.getElementById('filters');
  if (filters) {
    var inputs = filters.querySelectorAll('select, input[type="checkbox"]');
    for (var j = 0; j < inputs.length; j++) {
      inputs[j].addEventListener('change', function () {
        filters.submit();
      });
    }
  }

  // A form cannot be sent twice by a double tap.
  var forms = document.querySelectorAll('form[method="post"]');
  for (var k = 0; k < forms.length; k++) {
    forms[k].addEventListener('submit', function (event) {
      var form = event.currentTarget;
      if (form.dataset.sent === '1') {
        event.preventDefault();
        return;
      }
      form.dataset.sent = '1';
      var buttons = form.querySelectorAll('button[type="submit"]');
      for (var b = 0; b < buttons.length; b++) buttons[b].disabled = true;
    });
  }
});
