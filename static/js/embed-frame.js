/* The widget's frame (templates/public/embed): tells the embedding page its height and when it
   should close, and takes the focus when the page hands it over. Messages go only to the page
   origin the server checked (data-parent); without it the frame works alone. */
(function () {
  "use strict";
  var parentOrigin = document.body.getAttribute("data-parent");
  if (!parentOrigin || window.parent === window) return;

  function send(message) {
    message.surveyapp = true;
    try { window.parent.postMessage(message, parentOrigin); } catch (e) { /* the page went away */ }
  }

  function size() {
    send({ kind: "size", height: Math.ceil(document.body.getBoundingClientRect().height) });
  }

  function focusFirst() {
    var target = document.querySelector("#form-message, .thanks-title, .message-title") ||
      document.querySelector("input:checked, input:not([type=hidden]), textarea, button");
    if (target) target.focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") send({ kind: "close" });
  });
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    if (event.data && event.data.surveyapp && event.data.kind === "focus") focusFirst();
  });
  if (window.ResizeObserver) new ResizeObserver(size).observe(document.body);
  window.addEventListener("load", size);
  document.addEventListener("change", size);
  send({ kind: "state", state: document.body.getAttribute("data-state") });
  size();
  // After a submit the frame loads the next page: keep the keyboard and screen reader there.
  if (document.hasFocus()) focusFirst();
})();
