/* The hand-off queue in the agent console: buyers waiting for an agent, newest first, with what
   they said and the bot's best matching answers ready to paste; claim, reply, close. Needs the
   admin sign-in (the session cookie is sent to /admin only); posts carry the CSRF token the queue
   hands out. Polls every few seconds. */
(function () {
  "use strict";
  var POLL_MS = 5000;
  var NAME_KEY = "helpbot-agent-name";
  var $ = function (id) { return document.getElementById(id); };
  var list = $("queue-list");
  var status = $("queue-status");
  var panel = $("handoff");
  var nameBox = $("agent-name");
  if (!list || list.closest("[data-queue]").getAttribute("data-queue") !== "on") return; // not signed in
  var csrf = null;
  var openId = null;
  var seen = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function call(method, path, body) {
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
    return fetch(path, { method: method, headers: headers, credentials: "same-origin",
                         body: body === undefined ? undefined : JSON.stringify(body) }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) {
          var error = new Error(data.error && data.error.message ? data.error.message : "The server answered " + r.status + ".");
          error.status = r.status;
          throw error;
        }
        return data;
      });
    });
  }

  function agent() {
    var name = nameBox.value.trim();
    if (!name) { nameBox.focus(); throw new Error("Type your name first (the buyer sees it)."); }
    try { window.localStorage.setItem(NAME_KEY, name); } catch (e) { /* private mode */ }
    return name;
  }

  function say(text) { status.textContent = text; }

  function refresh() {
    call("GET", "/admin/handoffs?limit=30").then(function (data) {
      csrf = data.csrf_token || csrf;
      var waiting = data.handoffs.filter(function (h) { return h.status !== "closed"; });
      list.replaceChildren();
      say(waiting.length === 0 ? "Nobody is waiting." : waiting.length === 1 ? "1 buyer is waiting." :
          waiting.length + " buyers are waiting.");
      waiting.forEach(function (h) {
        var buyer = h.transcript.filter(function (t) { return t.role === "buyer"; }).slice(-2).map(function (t) { return t.text; });
        var item = el("li", { "class": "queue-item queue-" + h.status });
        var open = el("button", { type: "button", "class": "queue-open", "data-id": String(h.id) },
                      (h.question || buyer[buyer.length - 1] || "(no question)"));
        open.addEventListener("click", function () { show(h.id); });
        item.append(open, el("span", { "class": "queue-meta" }, h.created_at.replace("T", " ").slice(0, 16) + " UTC \u00b7 " +
                                (h.status === "claimed" ? "with " + h.claimed_by : "waiting")));
        list.append(item);
      });
      if (openId !== null) poll();
    }, function (error) {
      list.replaceChildren();
      if (error.status === 401 || error.status === 403) {
        var link = el("a", { href: "/admin/sign-in?next=/agent" }, "Sign in");
        status.replaceChildren(link, document.createTextNode(" to see buyers waiting for an agent."));
      } else if (error.status === 404) {
        say("The hand-off queue is off (no admin token is set on the server).");
      } else {
        say("The queue cannot be read right now: " + error.message);
      }
    });
  }

  function show(id) {
    call("GET", "/admin/handoffs/" + id).then(function (h) {
      openId = h.id;
      seen = 0;
      panel.hidden = false;
      $("handoff-title").textContent = h.question || "Buyer waiting";
      $("handoff-state").textContent = h.status === "claimed" ? "Claimed by " + h.claimed_by : h.status === "open" ? "Waiting" : "Closed";
      var log = $("handoff-log");
      log.replaceChildren();
      h.transcript.forEach(function (t) { log.append(el("li", { "class": "turn turn-" + t.role }, (t.role === "buyer" ? "Buyer: " : "Bot: ") + t.text)); });
      h.messages.forEach(add);
      var suggested = $("handoff-suggested");
      suggested.replaceChildren();
      h.suggested.forEach(function (hit) {
        var paste = el("button", { type: "button", "class": "paste" }, "Paste: " + hit.title);
        paste.addEventListener("click", function () { $("reply").value = hit.answer; $("reply").focus(); });
        var item = el("li", {});
        item.append(paste);
        suggested.append(item);
      });
      $("claim").hidden = h.status !== "open";
      $("close").hidden = h.status === "closed";
      $("reply-form").hidden = h.status !== "claimed";
      $("handoff-title").focus();
    }, function (error) { say(error.message); });
  }

  function add(m) {
    seen = Math.max(seen, m.id);
    $("handoff-log").append(el("li", { "class": "turn turn-" + m.role }, (m.role === "agent" ? "You: " : "Buyer: ") + m.text));
  }

  function poll() {
    if (openId === null) return;
    call("GET", "/admin/handoffs/" + openId).then(function (h) {
      h.messages.filter(function (m) { return m.id > seen; }).forEach(add);
    }, function () { /* next time */ });
  }

  function act(action) {
    try {
      call("POST", "/admin/handoffs/" + openId + "/" + action, { agent: agent() }).then(function () {
        show(openId);
        refresh();
      }, function (error) { say(error.message); });
    } catch (error) { say(error.message); }
  }

  $("claim").addEventListener("click", function () { act("claim"); });
  $("close").addEventListener("click", function () { act("close"); });
  $("reply-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var text = $("reply").value.trim();
    if (!text) return;
    try {
      call("POST", "/admin/handoffs/" + openId + "/messages", { agent: agent(), text: text }).then(function (m) {
        $("reply").value = "";
        add(m);
      }, function (error) { say(error.message); });
    } catch (error) { say(error.message); }
  });

  try { nameBox.value = window.localStorage.getItem(NAME_KEY) || ""; } catch (e) { /* private mode */ }
  refresh();
  window.setInterval(refresh, POLL_MS);
})();
