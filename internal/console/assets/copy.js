// Copy buttons: <button data-copy="#selector" data-copied="text"> copies the
// text of the element the selector names and says so on the button for a
// moment. Without the clipboard (an insecure origin) the text is selected
// instead, for the user to copy.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var btn = e.target instanceof Element ? e.target.closest("button[data-copy]") : null;
    if (!btn) {
      return;
    }
    var src = document.querySelector(btn.getAttribute("data-copy"));
    if (!src) {
      return;
    }
    var text = src.textContent.trim();
    var label = btn.textContent;
    var done = function () {
      btn.textContent = btn.getAttribute("data-copied") || label;
      setTimeout(function () { btn.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(src); });
    } else {
      selectText(src);
    }
  });
  function selectText(el) {
    var range = document.createRange();
    range.selectNodeContents(el);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
})();
