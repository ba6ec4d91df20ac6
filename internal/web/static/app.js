// fanmail's own page behaviour, loaded from /static because the
// Content-Security-Policy allows no inline script or event handler.
(function () {
  "use strict";

  // A form with data-confirm asks before it is sent (deleting a segment,
  // cancelling a campaign, deactivating a member).
  document.addEventListener("submit", function (e) {
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  });

  // A link with data-back returns to the previous page when there is one;
  // its href is where it leads otherwise.
  document.addEventListener("click", function (e) {
    var a = e.target.closest && e.target.closest("a[data-back]");
    if (a && window.history.length > 1) {
      e.preventDefault();
      window.history.back();
    }
  });
})();
