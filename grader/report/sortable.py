"""Click-to-sort tables for the self-contained pages (the class report, the course page).

One small inline script, :data:`SORTABLE_JS`: a click (or Enter) on a heading of a
``<table class="sortable">`` sorts its body by that column, again to reverse. A cell's
``data-v`` attribute, when present, is its numeric sort key; otherwise its text is. Without
JavaScript the table is a plain table. The pages' Content-Security-Policy allows this one
script by its hash (:func:`script_csp`), and nothing else.
"""

from __future__ import annotations

import base64
import hashlib

from markupsafe import Markup

__all__ = ["SORTABLE_JS", "script_csp", "sortable_script"]

SORTABLE_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.querySelectorAll("thead th");
  heads.forEach(function (th, col) {
    th.tabIndex = 0;
    th.classList.add("sorter");
    function key(row) {
      var cell = row.cells[col];
      if (!cell) return "";
      var v = cell.getAttribute("data-v");
      return v === null ? cell.textContent.trim().toLowerCase() : parseFloat(v);
    }
    function sort() {
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        return (x < y ? -1 : x > y ? 1 : 0) * dir;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
    });
  });
});
"""


def sortable_script() -> Markup:
    """The ``<script>`` element to put at the end of a page's body."""
    return Markup(f"<script>{SORTABLE_JS}</script>")


def script_csp() -> str:
    """The CSP source that allows :data:`SORTABLE_JS` and no other script."""
    digest = hashlib.sha256(SORTABLE_JS.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
