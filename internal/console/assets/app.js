// Drop-down menus are <details class="dropdown"> elements, which open and
// close without script; this only closes an open one when the user clicks
// elsewhere or presses Escape, as menus are expected to behave.
(function () {
  "use strict";
  function closeAll(except) {
    document.querySelectorAll("details.dropdown[open]").forEach(function (d) {
      if (d !== except && !d.contains(except)) {
        d.removeAttribute("open");
      }
    });
  }
  document.addEventListener("click", function (e) {
    closeAll(e.target instanceof Element ? e.target.closest("details.dropdown") : null);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") {
      return;
    }
    var open = document.querySelector("details.dropdown[open]");
    if (open) {
      open.removeAttribute("open");
      var summary = open.querySelector("summary");
      if (summary) {
        summary.focus();
      }
    }
  });
})();
