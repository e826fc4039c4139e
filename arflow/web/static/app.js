/* Behaviour every page shares, kept out of the HTML so the Content-Security-Policy can
   forbid inline scripts (arflow/web/security.py):
   a <select data-submit-on-change> sends its form when a choice is made (the language). */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("select[data-submit-on-change]") &&
        target.form) {
      target.form.submit();
    }
  });
})();
