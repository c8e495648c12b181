// The review queue's keyboard shortcuts: each decision button names its key
// in data-key. The buttons are plain submit buttons and work without this.
(function () {
  "use strict";
  var form = document.querySelector("form[data-review]");
  if (!form) return;
  var sent = false;
  form.addEventListener("submit", function (event) {
    // One decision per page: a second keypress while the next page loads
    // must not decide again.
    if (sent) event.preventDefault();
    sent = true;
  });
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    var target = event.target;
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) return;
    var key = (event.key || "").toLowerCase();
    var button = form.querySelector('button[data-key="' + key + '"]');
    if (!button) return;
    event.preventDefault();
    // Reject needs a reason and Ask for changes a note: the key takes you
    // to the field first; the key again (or Enter on the button) decides.
    var needs = button.getAttribute("data-needs");
    var field = needs && document.getElementById(needs);
    if (field && !field.value.trim()) {
      field.focus();
      return;
    }
    if (!sent) button.click();
  });
})();
