/* Copy buttons: <button data-copy="ID" data-copied="Copied"> copies the text
   of element ID (the value of a field: the share panel's link and embed code). The button is hidden in the HTML and shown here, so without
   JavaScript only the selectable text is there. */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("button[data-copy]");
  Array.prototype.forEach.call(buttons, function (button) {
    var source = document.getElementById(button.dataset.copy);
    var status = document.querySelector('[data-copy-status="' + button.dataset.copy + '"]');
    if (!source) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = isField(source) ? source.value : source.textContent.trim();
      var done = function () { if (status) { status.textContent = button.dataset.copied; } };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { select(source); });
      } else {
        select(source);
        try { if (document.execCommand("copy")) { done(); } } catch (e) { /* selected: copy by hand */ }
      }
    });
  });
  function isField(el) { return el.tagName === "INPUT" || el.tagName === "TEXTAREA"; }
  function select(el) {
    if (isField(el)) { el.select(); return; }
    var range = document.createRange();
    range.selectNodeContents(el);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
})();
