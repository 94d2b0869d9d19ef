/* cleaner report: sorting and filtering. Everything is readable without it. */
(function () {
  'use strict';

  function value(row, index) {
    var cell = row.cells[index];
    if (!cell) { return ''; }
    var v = cell.getAttribute('data-sort');
    return v === null ? cell.textContent.trim() : v;
  }

  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== '' && b !== '' && isFinite(x) && isFinite(y)) { return x - y; }
    return a < b ? -1 : (a > b ? 1 : 0);
  }

  function sortBy(table, th) {
    var index = th.cellIndex;
    var body = table.tBodies[0];
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      var c = compare(value(r1, index), value(r2, index));
      if (c === 0) { c = Number(r1.getAttribute('data-order')) - Number(r2.getAttribute('data-order')); return c; }
      return ascending ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
  }

  function makeSortable(table) {
    if (!table.tHead || !table.tBodies.length) { return; }
    Array.prototype.forEach.call(table.tBodies[0].rows, function (r, i) { r.setAttribute('data-order', String(i)); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
      var button = document.createElement('button');
      button.type = 'button';
      while (th.firstChild) { button.appendChild(th.firstChild); }
      th.appendChild(button);
      button.addEventListener('click', function () { sortBy(table, th); });
    });
  }

  function hasRule(el, rule) {
    return rule === '' || (' ' + (el.getAttribute('data-rules') || '') + ' ').indexOf(' ' + rule + ' ') >= 0;
  }

  function setupFilter() {
    var controls = document.getElementById('filters');
    if (!controls) { return; }
    var select = document.getElementById('rule-filter');
    var box = document.getElementById('findings-filter');
    var count = document.getElementById('filter-count');
    var rows = document.querySelectorAll('#doc-index tbody tr');
    var sections = document.querySelectorAll('section.doc');
    function apply() {
      var rule = select.value;
      var onlyFindings = box.checked;
      var shown = 0;
      function visible(el) {
        return hasRule(el, rule) && (!onlyFindings || Number(el.getAttribute('data-findings')) > 0);
      }
      Array.prototype.forEach.call(rows, function (row) {
        var ok = visible(row);
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      Array.prototype.forEach.call(sections, function (s) { s.hidden = !visible(s); });
      count.textContent = shown + ' of ' + rows.length + ' documents shown';
    }
    select.addEventListener('change', apply);
    box.addEventListener('change', apply);
    controls.hidden = false;
    apply();
  }

  function reveal() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var el = id ? document.getElementById(id) : null;
    var section = el ? el.closest('section.doc') : null;
    if (section && section.hidden) { section.hidden = false; el.scrollIntoView(); }
  }

  Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), makeSortable);
  setupFilter();
  window.addEventListener('hashchange', reveal);
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.open = true; });
  });
}());
