// Progressive enhancement only: every page works without this file.
// - Workers page: a WebSocket on /live (the registry's wrk:events); on any worker event the table is reloaded
//   from /workers?partial=1 (debounced); on (re)connect and on a gap in `seq` the table is resynced.
//   A dropped connection is retried with backoff (1 s doubling to 15 s).
// - Buttons with data-confirm ask before submitting.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
  });

  var box = document.getElementById("workers");
  if (!box || !("WebSocket" in window)) return;
  var state = document.getElementById("live-state");
  var refreshUrl = box.getAttribute("data-refresh");
  var lastSeq = null, retry = 1000, timer = null, inflight = false, again = false;

  function show(text, value) { if (state) { state.textContent = text; state.setAttribute("data-state", value); } }

  function resync() {
    if (inflight) { again = true; return; }
    inflight = true;
    fetch(refreshUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) { box.innerHTML = html; box.setAttribute("data-synced", String(Date.now())); })
      .catch(function () { /* the next event or reconnect resyncs */ })
      .finally(function () { inflight = false; if (again) { again = false; resync(); } });
  }

  function soon() { clearTimeout(timer); timer = setTimeout(resync, 150); }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + box.getAttribute("data-live"));
    show("connecting…", "connecting");
    socket.onopen = function () { retry = 1000; show("live", "open"); };
    socket.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if (data.event === "ping") return;
      if (data.event === "hello") { lastSeq = null; soon(); return; }
      if (typeof data.seq === "number") {
        if (lastSeq !== null && data.seq > lastSeq + 1) soon();  // missed events: resync
        lastSeq = data.seq;
      }
      soon();
    };
    socket.onclose = function () {
      show("reconnecting…", "closed");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }
  connect();
})();
