/* The worklist's keys and bulk form. Plain JS, no library: the page works without it
   (every row's checkbox and the bulk form post as they are); this adds
   j / k   move the selection to the next / previous row,
   Enter   open the selected row's customer,
   x       tick the selected row, o  expand or fold it,
   "select all on page", the count of rows ticked, and only the bulk form's fields that
   the chosen action uses. Keys are ignored while typing in a field. */
(function () {
  "use strict";
  var list = document.getElementById("worklist");
  var form = document.getElementById("bulk");
  var rows = list ? Array.prototype.slice.call(list.querySelectorAll("li.task")) : [];
  var current = -1;

  function boxes() {
    return rows.map(function (row) { return row.querySelector("input[name=task]"); })
      .filter(Boolean);
  }

  function select(index) {
    if (!rows.length) { return; }
    index = Math.max(0, Math.min(rows.length - 1, index));
    if (current >= 0 && rows[current]) {
      rows[current].classList.remove("selected");
      rows[current].removeAttribute("aria-current");
    }
    current = index;
    var row = rows[current];
    row.classList.add("selected");
    row.setAttribute("aria-current", "true");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "select" || tag === "textarea" || target.isContentEditable;
  }

  function count() {
    var out = document.getElementById("bulk-count");
    var all = document.getElementById("select-page");
    var ticked = boxes().filter(function (box) { return box.checked; }).length;
    if (out) { out.textContent = out.dataset.template.replace("{n}", String(ticked)); }
    if (form) { form.classList.toggle("idle", ticked === 0); }
    if (all) {
      all.checked = ticked > 0 && ticked === boxes().length;
      all.indeterminate = ticked > 0 && ticked < boxes().length;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey ||
        typing(event.target) || !rows.length) { return; }
    var key = event.key;
    if (key === "j" || key === "k") {
      select(current < 0 ? 0 : current + (key === "j" ? 1 : -1));
      event.preventDefault();
    } else if (key === "Enter" && current >= 0 && event.target === rows[current]) {
      window.location.assign(rows[current].dataset.href);
      event.preventDefault();
    } else if (key === "x" && current >= 0) {
      var box = rows[current].querySelector("input[name=task]");
      if (box) { box.checked = !box.checked; count(); }
      event.preventDefault();
    } else if (key === "o" && current >= 0) {
      var more = rows[current].querySelector("details");
      if (more) { more.open = !more.open; }
      event.preventDefault();
    }
  });

  rows.forEach(function (row, index) {
    row.addEventListener("click", function () {
      if (current !== index) {
        if (current >= 0 && rows[current]) {
          rows[current].classList.remove("selected");
          rows[current].removeAttribute("aria-current");
        }
        current = index;
        row.classList.add("selected");
        row.setAttribute("aria-current", "true");
      }
    });
  });

  var all = document.getElementById("select-page");
  if (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
      count();
    });
  }
  boxes().forEach(function (box) { box.addEventListener("change", count); });

  var action = document.getElementById("bulk-action");
  function fields() {
    if (!form || !action) { return; }
    form.querySelectorAll("[data-for]").forEach(function (label) {
      label.hidden = label.dataset.for !== action.value;
    });
  }
  if (action) { action.addEventListener("change", fields); }
  fields();
  count();
})();
