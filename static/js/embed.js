/* surveyapp website widget. Paste into every page (the key is the site's public key):

     <script>window.surveyapp=window.surveyapp||{q:[],track:function(){surveyapp.q.push(["track",arguments])},identify:function(){surveyapp.q.push(["identify",arguments])}};</script>
     <script async src="https://feedback.example.com/static/js/embed.js" data-site="ws_..."></script>

   Then surveyapp.identify(contactId, signature) for a signed-in customer (signature: hex
   HMAC-SHA256 of the id with the site secret, made on your server) and
   surveyapp.track("checkout.completed", {attributes}). Calls made before this script loads
   are kept in the queue and run in order. Nothing here ever throws into the page: every
   failure is silent to the visitor and logged to the console. No dependencies. */
(function (w, d) {
  "use strict";
  var NAME = "surveyapp";
  var early = w[NAME];
  if (early && early.loaded) return;

  function log(level, text, detail) {
    try { console[level](NAME + ": " + text, detail === undefined ? "" : detail); } catch (e) { /* no console */ }
  }

  var script = d.currentScript;
  var base = null;
  var key = null;
  try {
    base = new URL(script.src).origin;
    key = script.getAttribute("data-site");
  } catch (e) { /* not loaded by a script tag */ }
  var who = {};
  var busy = false;
  var widget = null;
  var lastFocused = null; // outside the widget: where the focus returns when it closes

  d.addEventListener("focusin", function (event) {
    if (!widget || event.target !== widget) lastFocused = event.target;
  }, true);

  function visitorId() {
    try {
      var store = w.localStorage;
      var id = store.getItem(NAME + ".visitor");
      if (!id || !/^[\w-]{16,64}$/.test(id)) {
        var bytes = new Uint8Array(16);
        w.crypto.getRandomValues(bytes);
        id = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
        store.setItem(NAME + ".visitor", id);
      }
      return id;
    } catch (e) {
      return null; // storage blocked: the server treats the visitor as unknown
    }
  }

  function post(path, body) {
    return fetch(base + "/embed/v1/sites/" + encodeURIComponent(key) + "/" + path, {
      method: "POST",
      mode: "cors",
      credentials: "omit",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.status === 204) return null;
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) throw new Error(response.status + " " + (json.detail || json.title || ""));
        return json;
      });
    });
  }

  function identify(contactId, signature) {
    who = contactId == null ? {} : { contact_id: String(contactId), signature: String(signature || "") };
  }

  function track(event, attributes) {
    if (!key || !base) return log("warn", "the script tag needs data-site=\"<site key>\"");
    if (busy || widget) return log("debug", "a survey is already shown; ignored", event);
    busy = true;
    var body = { event: String(event), attributes: attributes || {}, locale: navigator.language || null };
    if (who.contact_id) {
      body.contact_id = who.contact_id;
      body.signature = who.signature;
    } else {
      body.visitor_id = visitorId();
    }
    post("eligibility", body).then(function (answer) {
      if (!answer.show) {
        if (answer.reasons) log("info", "no survey for " + event + " (" + answer.reasons.join(", ") + ")", answer.checks);
        return null;
      }
      return post("show", { offer: answer.offer }).then(function (shown) {
        if (shown && shown.show) render(shown);
        else log("info", "the survey for " + event + " is no longer due");
      });
    }).catch(function (error) {
      log("warn", "track(" + event + ") failed", error && error.message);
    }).then(function () { busy = false; });
  }

  var CSS = [
    ":host{all:initial!important;display:block!important;position:static!important;visibility:visible!important;opacity:1!important}",
    ".w{all:initial;position:fixed;bottom:16px;z-index:2147483000;font:15px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1b1f24;display:block}",
    ".r{right:16px}.l{left:16px}",
    ".w *,.w *::before,.w *::after{box-sizing:border-box;font:inherit;color:inherit;letter-spacing:normal;text-transform:none}",
    ".p{display:flex;flex-direction:column;width:min(400px,calc(100vw - 32px));max-height:calc(100vh - 32px);background:#fff;border:1px solid #c4cad0;border-radius:12px;box-shadow:0 8px 28px rgba(0,0,0,.22);overflow:hidden;animation:in .22s ease-out}",
    ".p[hidden],.tab[hidden]{display:none}",
    ".h{display:flex;align-items:center;gap:4px;padding:6px 6px 6px 14px;background:var(--sa-bg);color:var(--sa-fg)}",
    ".t{flex:1;margin:0;font-size:15px;font-weight:600;color:var(--sa-fg)}",
    "button{all:unset;cursor:pointer;box-sizing:border-box}",
    ".h button{display:inline-flex;align-items:center;justify-content:center;width:36px;height:36px;border-radius:6px;font-size:20px;line-height:1;color:var(--sa-fg)}",
    ".h button:hover{background:rgba(127,127,127,.25)}",
    "button:focus-visible{outline:3px solid var(--sa-fg);outline-offset:-3px}",
    ".tab{display:inline-block;padding:10px 16px;border-radius:8px;background:var(--sa-bg);color:var(--sa-fg);font-weight:600;box-shadow:0 4px 14px rgba(0,0,0,.2)}",
    ".tab:focus-visible{outline:3px solid #1b1f24;outline-offset:2px}",
    "iframe{display:block;width:100%;height:320px;max-height:calc(100vh - 90px);border:0;background:#fff}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@keyframes in{from{opacity:0;transform:translateY(12px)}to{opacity:1;transform:none}}",
    "@media (prefers-reduced-motion:reduce){.p{animation:none}}"
  ].join("");

  function el(tag, attributes, text) {
    var node = d.createElement(tag);
    for (var name in attributes) node.setAttribute(name, attributes[name]);
    if (text) node.textContent = text;
    return node;
  }

  function render(shown) {
    var labels = shown.labels;
    var host = el(NAME + "-widget", { lang: shown.lang });
    var root = host.attachShadow({ mode: "open" });
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet]; // not subject to the page's style-src
    } catch (e) {
      root.appendChild(el("style", {}, CSS));
    }
    host.style.setProperty("--sa-bg", shown.colour);
    host.style.setProperty("--sa-fg", shown.text_colour);
    var box = el("div", { "class": "w " + (shown.position === "bottom_left" ? "l" : "r") });
    var tab = el("button", { type: "button", "class": "tab", "aria-expanded": "false" }, labels.open);
    var panel = el("section", { "class": "p", role: "dialog", "aria-modal": "false", "aria-labelledby": "sa-t" });
    var head = el("div", { "class": "h" });
    var minimize = el("button", { type: "button", "aria-label": labels.minimize, title: labels.minimize }, "\u2013");
    var close = el("button", { type: "button", "aria-label": labels.close, title: labels.close }, "\u00d7");
    var frame = el("iframe", { title: labels.frame, sandbox: "allow-scripts allow-forms allow-same-origin" });
    var live = el("p", { "class": "sr", "aria-live": "polite" });
    head.appendChild(el("h2", { "class": "t", id: "sa-t" }, labels.title));
    head.appendChild(minimize);
    head.appendChild(close);
    panel.appendChild(head);
    panel.appendChild(frame);
    box.appendChild(tab);
    box.appendChild(panel);
    box.appendChild(live);
    root.appendChild(box);

    var answered = false;

    function focusFrame() {
      frame.focus();
      try { frame.contentWindow.postMessage({ surveyapp: true, kind: "focus" }, base); } catch (e) { /* loading */ }
    }

    function open(byVisitor) {
      if (!frame.getAttribute("src")) frame.setAttribute("src", base + shown.frame);
      panel.hidden = false;
      tab.hidden = true;
      tab.setAttribute("aria-expanded", "true");
      if (byVisitor) {
        frame.addEventListener("load", focusFrame, { once: true });
        focusFrame();
      } else {
        setTimeout(function () { live.textContent = labels.opened; }, 200); // once the region exists
      }
    }

    function hasFocus() {
      return d.activeElement === host;
    }

    function minimise() {
      var focused = hasFocus();
      panel.hidden = true;
      tab.hidden = false;
      tab.setAttribute("aria-expanded", "false");
      if (focused) tab.focus();
    }

    function remove() {
      var focused = hasFocus();
      w.removeEventListener("message", onMessage);
      host.remove();
      widget = null;
      if (!answered) post("dismiss", { token: shown.token }).catch(function (error) { log("warn", "dismiss failed", error && error.message); });
      if (focused && lastFocused && lastFocused.isConnected && lastFocused.focus) lastFocused.focus();
    }

    function onMessage(event) {
      var data = event.data;
      if (event.origin !== base || event.source !== frame.contentWindow || !data || !data.surveyapp) return;
      if (data.kind === "size") frame.style.height = Math.max(120, +data.height || 0) + "px";
      else if (data.kind === "close") remove();
      else if (data.kind === "state" && data.state === "done") answered = true;
    }

    tab.addEventListener("click", function () { open(true); });
    minimize.addEventListener("click", minimise);
    close.addEventListener("click", remove);
    root.addEventListener("keydown", function (event) { if (event.key === "Escape") remove(); });
    w.addEventListener("message", onMessage);
    (d.body || d.documentElement).appendChild(host);
    widget = host;
    if (shown.minimized) {
      panel.hidden = true;
      frame.setAttribute("src", base + shown.frame); // ready when the visitor opens the tab
    } else {
      open(false);
    }
  }

  var api = { loaded: true, track: guard(track), identify: guard(identify) };

  function guard(fn) {
    return function () {
      try { return fn.apply(null, arguments); } catch (e) { log("warn", "unexpected error", e); }
    };
  }

  w[NAME] = api;
  var queued = (early && early.q) || [];
  for (var i = 0; i < queued.length; i++) {
    var call = queued[i] || [];
    if (api[call[0]]) api[call[0]].apply(null, call[1] || []);
  }
})(window, document);
