/* Respondent page improvements; the page works without them (two steps, plain form posts).
   1. The follow-up questions of the chosen score band appear at once; one submit sends all.
   2. A score a person's browser shows is posted as provisional: after 3 s of the page being
      visible, on any interaction, or when the page is hidden or closed. Link scanners that
      only fetch the URL never run this. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-survey]");
  if (!form) return;
  var message = document.getElementById("form-message");
  if (message) message.focus();
  var primary = form.getAttribute("data-primary");
  var steps = form.elements.steps;
  var followUps = form.querySelectorAll("fieldset[data-band]");

  function score() {
    var checked = primary && form.querySelector('input[name="' + primary + '"]:checked');
    return checked ? parseInt(checked.value, 10) : null;
  }

  function showBand() {
    var value = score();
    Array.prototype.forEach.call(followUps, function (fieldset) {
      var band = fieldset.getAttribute("data-band").split("-");
      var on = band[0] === "any" || (value !== null && value >= +band[0] && value <= +band[1]);
      fieldset.hidden = !on;
      fieldset.disabled = !on;
    });
  }

  if (followUps.length && steps && steps.value === "first") {
    steps.value = "all";
    var button = form.querySelector("[data-label-all]");
    if (button) button.textContent = button.getAttribute("data-label-all");
    form.addEventListener("change", showBand);
    showBand();
  }

  var url = form.getAttribute("data-provisional");
  if (!url) return;
  var sent = null;
  var submitted = false;
  var timer = null;

  function sendProvisional() {
    var value = score();
    if (submitted || value === null || value === sent) return;
    sent = value;
    var body = new URLSearchParams();
    body.append("csrf_token", form.elements.csrf_token.value);
    body.append("version", form.elements.version.value);
    body.append("score", String(value));
    body.append("lang", document.documentElement.lang);
    if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return;
    fetch(url, { method: "POST", body: body, keepalive: true, credentials: "same-origin" })
      .catch(function () { sent = null; });
  }

  function watchVisibility() {
    clearTimeout(timer);
    if (document.visibilityState === "visible") {
      timer = setTimeout(sendProvisional, 3000);
    } else {
      sendProvisional();
    }
  }

  function onInteraction(event) {
    // A press on the submit button (or Enter) submits: the submit itself stores the score.
    var target = event.target;
    if (event.key === "Enter" || (target.closest && target.closest("[type=submit]"))) return;
    document.removeEventListener("pointerdown", onInteraction);
    document.removeEventListener("keydown", onInteraction);
    sendProvisional();
  }

  form.addEventListener("submit", function () { submitted = true; clearTimeout(timer); });
  document.addEventListener("pointerdown", onInteraction, { passive: true });
  document.addEventListener("keydown", onInteraction);
  document.addEventListener("visibilitychange", watchVisibility);
  window.addEventListener("pagehide", sendProvisional);
  watchVisibility();
})();
