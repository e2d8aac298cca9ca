/* Ecokara help widget.
 *
 * Embed with one tag: <script src="https://HOST/static/widget.js" defer></script>
 * The script finds the API next to its own address (HOST/), builds a launcher button and
 * a chat panel inside a shadow root (the host page's CSS cannot reach in, ours cannot
 * leak out) and loads widget.css from the same place.
 * Options (attributes on the script tag):
 *   data-mode="inline" data-target="ID"  fill the element #ID instead of a floating launcher
 *   data-open="true"                     start with the panel open
 *
 * Security: every piece of text (questions, answers, tool results) goes into the page
 * through textContent / DOM APIs, never innerHTML, so "<img onerror=...>" stays text.
 */
(function () {
  "use strict";

  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || window.__ecokaraHelpWidget) return; // loaded twice: keep the first
  window.__ecokaraHelpWidget = true;

  var BASE = new URL("..", script.src).href; // .../static/widget.js -> .../
  var MODE = script.getAttribute("data-mode") === "inline" ? "inline" : "floating";
  var SESSION_KEY = "ecokara-helpbot-session";

  // What the widget itself says after "Talk to an agent" (the one place to change it): the
  // request joins the service team's queue and an agent answers in this chat when free.
  var HANDOFF_QUEUED = "Your request is in the queue for our service team. An agent will reply here, " +
    "in this chat, as soon as one is free. Keep this window open; you can keep typing your question meanwhile.";
  var HANDOFF_FAILED = "Your request could not be passed to the service team just now: ";
  var HANDOFF_POLL_MS = 4000; // how often the widget asks for the agent's replies while queued

  var PAYMENT_METHODS = [
    ["tt", "T/T (wire transfer)"], ["credit_card", "Credit/debit card"],
    ["online_bank_payment", "Online Bank Payment (e-Checking)"], ["western_union", "Western Union"],
    ["boleto", "Boleto"], ["pay_later", "Pay Later"], ["online_transfer", "Online Transfer"],
    ["domestic_wire", "Domestic wire transfer"]
  ];
  var FEE_METHODS = [
    ["western_union", "Western Union"], ["domestic_wire", "Domestic wire transfer"], ["tt", "T/T"],
    ["credit_card", "Credit/debit card"], ["apple_pay", "Apple Pay"], ["boleto", "Boleto"],
    ["online_bank_payment", "Online Bank Payment"], ["online_transfer", "Online Transfer"], ["pay_later", "Pay Later"]
  ];

  // The four tool forms. Field names are the API's (= the Python parameter names);
  // "when" shows a field only for one value of another field.
  var TOOLS = {
    password_check: {
      label: "Check a password",
      intro: "Checked against Ecokara's password rules. It is never stored or shown again.",
      fields: [{ name: "password", label: "Password", type: "password", required: true }]
    },
    fee_estimate: {
      label: "Estimate fees",
      intro: "Trade Assurance service charge, Pay Later fees or payment method limits.",
      fields: [
        { name: "kind", label: "Estimate", type: "select", options: [
          ["trade_assurance", "Trade Assurance service charge"], ["pay_later", "Pay Later fees"],
          ["payment_method", "Payment method limits"]] },
        { name: "order_amount", label: "Order amount (USD)", type: "amount", required: true, when: ["kind", "trade_assurance"] },
        { name: "logistics", label: "Shipping", type: "select", when: ["kind", "trade_assurance"], options: [
          ["ecokara", "Ecokara logistics"], ["third_party", "Third-party logistics"]] },
        { name: "principal", label: "Loan amount (USD)", type: "amount", required: true, when: ["kind", "pay_later"] },
        { name: "months", label: "Term (months)", type: "integer", value: "6", when: ["kind", "pay_later"] },
        { name: "method", label: "Payment method", type: "select", options: FEE_METHODS, when: ["kind", "payment_method"] },
        { name: "amount", label: "Amount", type: "amount", required: true, when: ["kind", "payment_method"] },
        { name: "currency", label: "Currency", type: "text", value: "USD", when: ["kind", "payment_method"] },
        { name: "buyer_country", label: "Your country (2-letter code, optional)", type: "text", when: ["kind", "payment_method"] }
      ]
    },
    dispute_deadlines: {
      label: "Dispute deadlines",
      intro: "Enter the dates you know; only the opening date is needed.",
      fields: [
        { name: "opened_on", label: "Dispute opened on", type: "date", required: true },
        { name: "proposal_on", label: "Proposal received on", type: "date" },
        { name: "agreement_on", label: "Agreement reached on", type: "date" },
        { name: "in_transit", label: "The order is still in transit", type: "checkbox" },
        { name: "delivered_on", label: "Delivery date", type: "date" },
        { name: "escalated_on", label: "Escalated on", type: "date" },
        { name: "return_received_on", label: "Returned goods received on", type: "date" }
      ]
    },
    payment_arrival: {
      label: "Payment arrival",
      intro: "When will the supplier receive my payment?",
      fields: [
        { name: "method", label: "Payment method", type: "select", options: PAYMENT_METHODS },
        { name: "paid_on", label: "Paid on", type: "date", required: true },
        { name: "currency", label: "Currency", type: "text", value: "USD" },
        { name: "account_number", label: "Supplier account number (optional)", type: "text" },
        { name: "transfer", label: "Transfer type", type: "select", options: [
          ["", "Not sure"], ["international", "International"], ["domestic", "Domestic"]] }
      ]
    }
  };

  // -- small DOM helpers ------------------------------------------------------------------------

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "text") node.textContent = value;
        else if (key === "className") node.className = value;
        else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) node.append(child);
    });
    return node;
  }

  // "2026-03-03" -> "Tuesday 3 March 2026", the date format of every reply.
  var DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  function longDate(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!parts) return iso || "";
    var when = new Date(Date.UTC(+parts[1], +parts[2] - 1, +parts[3]));
    return DAYS[when.getUTCDay()] + " " + when.getUTCDate() + " " + MONTHS[when.getUTCMonth()] + " " + when.getUTCFullYear();
  }

  var uid = 0;
  function nextId(prefix) { uid += 1; return "hb-" + prefix + "-" + uid; }

  // Text with http(s) links made clickable; everything else stays text.
  function appendLinkified(parent, text) {
    var pattern = /https?:\/\/[^\s<>"')\]]+/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text)) !== null) {
      var url = match[0].replace(/[.,;:!?]+$/, "");
      if (match.index > last) parent.append(document.createTextNode(text.slice(last, match.index)));
      parent.append(el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: url }));
      last = match.index + url.length;
      pattern.lastIndex = last;
    }
    if (last < text.length) parent.append(document.createTextNode(text.slice(last)));
  }

  // Plain text -> paragraphs; runs of "1. step" lines -> <ol>, "- item" lines -> <ul>.
  function renderText(parent, text) {
    var list = null;
    var listTag = null;
    String(text).split(/\r?\n/).forEach(function (raw) {
      var line = raw.replace(/\s+$/, "");
      var numbered = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
      var bullet = numbered ? null : /^\s*[-\u2022*]\s+(.*)$/.exec(line);
      if (numbered || bullet) {
        var tag = numbered ? "ol" : "ul";
        if (listTag !== tag) {
          list = el(tag);
          if (numbered && numbered[1] !== "1") list.setAttribute("start", numbered[1]);
          parent.append(list);
          listTag = tag;
        }
        var item = el("li");
        appendLinkified(item, numbered ? numbered[2] : bullet[1]);
        list.append(item);
        return;
      }
      list = null;
      listTag = null;
      if (!line.trim()) return;
      var para = el("p");
      appendLinkified(para, line);
      parent.append(para);
    });
  }

  // -- the API ----------------------------------------------------------------------------------

  function api(method, path, body) {
    var options = { method: method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    return fetch(BASE + path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          var message = data && data.error && data.error.message ? data.error.message : "The help service answered " + response.status + ".";
          var error = new Error(message);
          error.status = response.status;
          throw error;
        }
        return data;
      });
    }, function () {
      throw new Error("Could not reach the help service. Check your connection and try again.");
    });
  }

  function loadSession() {
    try { return window.sessionStorage.getItem(SESSION_KEY); } catch (e) { return null; }
  }
  function saveSession(id) {
    try { window.sessionStorage.setItem(SESSION_KEY, id); } catch (e) { /* storage off: per page */ }
  }

  // -- the widget -------------------------------------------------------------------------------

  function Widget(host) {
    this.sessionId = loadSession();
    this.lastQuestion = null;
    this.lastWasPassword = false;
    this.root = host.attachShadow({ mode: "open" });
    this.build();
    if (this.sessionId) this.resumeHandoff(); // a page reload while waiting for an agent keeps waiting
  }

  Widget.prototype.resumeHandoff = function () {
    var self = this;
    api("GET", "api/handoff/messages?session_id=" + encodeURIComponent(this.sessionId) + "&after=0").then(function (state) {
      if (state.status === "open" || state.status === "claimed") {
        (state.messages || []).forEach(function (m) { self.handoffSeen = Math.max(self.handoffSeen || 0, m.id); });
        self.handoffStatus = state.status;
        self.startPolling();
      }
    }, function () { /* no hand-off service reachable: the chat works as usual */ });
  };

  Widget.prototype.build = function () {
    var self = this;
    var shell = el("div", { className: "hb-root hb-" + MODE, hidden: true });
    var css = el("link", { rel: "stylesheet", href: BASE + "static/widget.css" });
    // Show nothing until the stylesheet is in, so the page never flashes raw markup.
    css.addEventListener("load", function () { shell.hidden = false; });
    css.addEventListener("error", function () { shell.hidden = false; });
    this.root.append(css, shell);

    var panelId = nextId("panel");
    var titleId = nextId("title");
    this.panel = el("section", {
      className: "hb-panel", id: panelId, "aria-labelledby": titleId,
      role: MODE === "floating" ? "dialog" : "region"
    });
    if (MODE === "floating") {
      this.panel.hidden = true;
      this.launcher = el("button", {
        type: "button", className: "hb-launcher", "aria-expanded": "false", "aria-controls": panelId,
        "aria-label": "Open Ecokara help chat", onclick: function () { self.toggle(); }
      }, [el("span", { className: "hb-launcher-icon", "aria-hidden": "true", text: "?" }), el("span", { className: "hb-launcher-text", text: "Help" })]);
      shell.append(this.launcher);
    }

    var header = el("header", { className: "hb-header" }, [
      el("h2", { id: titleId, className: "hb-title", text: "Ecokara Help" }),
      el("button", { type: "button", className: "hb-agent", text: "Talk to an agent", onclick: function () { self.handoff(); } })
    ]);
    if (MODE === "floating") {
      header.append(el("button", {
        type: "button", className: "hb-close", "aria-label": "Close help chat", text: "\u00d7",
        onclick: function () { self.close(); }
      }));
    }

    this.log = el("ol", { className: "hb-log", "aria-label": "Conversation" });
    // Replies are announced from here (short text), not from the log, to avoid double reading.
    this.live = el("div", { className: "hb-sr hb-live", role: "status", "aria-live": "polite", "aria-atomic": "true" });

    var toolbar = el("div", { className: "hb-tools", role: "group", "aria-label": "Tools" });
    this.toolButtons = {};
    Object.keys(TOOLS).forEach(function (name) {
      var button = el("button", {
        type: "button", className: "hb-tool-button", "data-tool": name, "aria-expanded": "false",
        text: TOOLS[name].label, onclick: function () { self.toggleTool(name); }
      });
      self.toolButtons[name] = button;
      toolbar.append(button);
    });
    this.toolArea = el("div", { className: "hb-tool-area", hidden: true });

    var inputId = nextId("q");
    this.input = el("input", {
      id: inputId, className: "hb-input", type: "text", name: "question", autocomplete: "off",
      placeholder: "Type your question", enterkeyhint: "send"
    });
    this.sendButton = el("button", { type: "submit", className: "hb-send", text: "Send" });
    var form = el("form", { className: "hb-form", onsubmit: function (event) {
      event.preventDefault();
      self.send(self.input.value);
    } }, [el("label", { className: "hb-sr", for: inputId, text: "Your question" }), this.input, this.sendButton]);

    this.panel.append(header, this.log, this.live, toolbar, this.toolArea, form);
    shell.append(this.panel);
    this.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        if (!self.toolArea.hidden) { self.closeTool(); event.stopPropagation(); }
        else if (MODE === "floating") self.close();
      }
    });
    this.addBot({ kind: "smalltalk", text: "Hi! I'm the Ecokara help assistant. Ask me about orders, payments, RFQs, disputes or your account." }, { announce: false });
    if (MODE === "inline" || script.getAttribute("data-open") === "true") this.open(false);
  };

  Widget.prototype.open = function (focus) {
    this.panel.hidden = false;
    if (this.launcher) {
      this.launcher.setAttribute("aria-expanded", "true");
      this.launcher.setAttribute("aria-label", "Close Ecokara help chat");
    }
    if (focus !== false) this.input.focus();
  };

  Widget.prototype.close = function () {
    if (MODE !== "floating") return;
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.setAttribute("aria-label", "Open Ecokara help chat");
    this.launcher.focus(); // back to where the visitor opened it
  };

  Widget.prototype.toggle = function () {
    if (this.panel.hidden) this.open(); else this.close();
  };

  Widget.prototype.announce = function (text) {
    var live = this.live;
    live.textContent = "";
    // A new text node after a tick, so the same reply twice is announced twice.
    window.setTimeout(function () { live.textContent = text.length > 400 ? text.slice(0, 400) + "\u2026" : text; }, 50);
  };

  Widget.prototype.scrollDown = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  // Long answers: show their start, not their end; short ones: scroll to the bottom.
  Widget.prototype.reveal = function (item) {
    if (item.offsetHeight > this.log.clientHeight - 24) this.log.scrollTop = item.offsetTop - 8;
    else this.scrollDown();
  };

  Widget.prototype.addUser = function (text) {
    var item = el("li", { className: "hb-msg hb-user" }, [
      el("span", { className: "hb-sr", text: "You: " }), el("div", { className: "hb-bubble", text: text })
    ]);
    this.log.append(item);
    this.scrollDown();
  };

  Widget.prototype.addBot = function (reply, options) {
    var self = this;
    var bubble = el("div", { className: "hb-bubble" });
    renderText(bubble, reply.text || "");
    var item = el("li", { className: "hb-msg hb-bot", "data-kind": reply.kind || "answer" }, [
      el("span", { className: "hb-sr", text: "Assistant: " }), bubble
    ]);
    if (reply.kind === "tool" && reply.tool && !reply.result && TOOLS[reply.tool]) {
      item.append(el("div", { className: "hb-quick" }, [el("button", {
        type: "button", className: "hb-chip", text: "Use the " + TOOLS[reply.tool].label.toLowerCase() + " form",
        onclick: function () { self.openTool(reply.tool); }
      })]));
    }
    if (reply.suggestions && reply.suggestions.length) {
      var label = reply.kind === "answer" ? "Related questions" : reply.kind === "fallback" ? "Related help articles" : "Choose one";
      var chips = el("div", { className: "hb-quick", role: "group", "aria-label": label });
      reply.suggestions.forEach(function (suggestion) {
        chips.append(el("button", {
          type: "button", className: "hb-chip", "data-entry-id": suggestion.entry_id, text: suggestion.title,
          onclick: function () { self.send(suggestion.title); }
        }));
      });
      item.append(chips);
    }
    if (reply.kind === "answer" && reply.entry_id) item.append(this.feedbackBar(reply.entry_id));
    if (reply.kind === "fallback") {
      item.append(el("div", { className: "hb-quick" }, [el("button", {
        type: "button", className: "hb-chip hb-chip-agent", text: "Talk to an agent",
        onclick: function () { self.handoff(); }
      })]));
    }
    this.log.append(item);
    this.reveal(item);
    if (!options || options.announce !== false) this.announce("Assistant: " + (reply.text || ""));
    return item;
  };

  Widget.prototype.addNote = function (text, kind) {
    var item = el("li", { className: "hb-msg hb-note" + (kind ? " hb-" + kind : "") }, [el("div", { className: "hb-bubble", text: text })]);
    this.log.append(item);
    this.scrollDown();
    this.announce(text);
  };

  Widget.prototype.feedbackBar = function (entryId) {
    var self = this;
    var status = el("span", { className: "hb-feedback-status", role: "status" });
    var yes = el("button", { type: "button", className: "hb-vote", "data-helpful": "true", "aria-pressed": "false", text: "Yes" });
    var no = el("button", { type: "button", className: "hb-vote", "data-helpful": "false", "aria-pressed": "false", text: "No" });
    var bar = el("div", { className: "hb-feedback", role: "group", "aria-label": "Was this answer helpful?" }, [
      el("span", { className: "hb-feedback-label", text: "Helpful?" }), yes, no, status
    ]);
    // aria-disabled, not disabled: a disabled button drops the keyboard focus to the page body,
    // and the visitor who voted with Enter would have to find their place again.
    function lock(locked) {
      [yes, no].forEach(function (b) { b.setAttribute("aria-disabled", locked ? "true" : "false"); });
    }
    function vote(helpful, button) {
      if (button.getAttribute("aria-disabled") === "true") return; // sending, or already voted
      lock(true);
      status.textContent = "Sending\u2026";
      api("POST", "api/feedback", { session_id: self.ensureSession(), entry_id: entryId, helpful: helpful }).then(function () {
        button.setAttribute("aria-pressed", "true");
        status.textContent = helpful ? "Thanks for your feedback!" : "Thanks. Sorry it didn't help \u2014 you can talk to an agent.";
      }, function (error) {
        // Not saved (e.g. 503): say so and let the visitor try again.
        lock(false);
        status.textContent = "Your feedback could not be saved. " + error.message;
      });
    }
    yes.addEventListener("click", function () { vote(true, yes); });
    no.addEventListener("click", function () { vote(false, no); });
    lock(false);
    return bar;
  };

  Widget.prototype.setBusy = function (busy) {
    this.busy = busy;
    this.sendButton.disabled = busy;
    this.log.setAttribute("aria-busy", busy ? "true" : "false");
    if (busy) {
      this.typing = el("li", { className: "hb-msg hb-bot hb-typing", "aria-hidden": "true" }, [el("div", { className: "hb-bubble", text: "\u2026" })]);
      this.log.append(this.typing);
      this.scrollDown();
    } else if (this.typing) {
      this.typing.remove();
      this.typing = null;
    }
  };

  Widget.prototype.send = function (text) {
    var self = this;
    var question = String(text || "").trim();
    if (!question || this.busy) return;
    this.input.value = "";
    this.addUser(question);
    this.lastQuestion = question;
    this.setBusy(true);
    if (this.handoffOpen) { // an agent has (or will have) this conversation: the message is for them
      api("POST", "api/handoff/messages", { session_id: this.sessionId, text: question }).then(function (message) {
        self.setBusy(false);
        self.handoffSeen = Math.max(self.handoffSeen || 0, message.id);
      }, function (error) {
        self.setBusy(false);
        if (error.status === 409) { self.handoffOpen = false; } // closed meanwhile: the bot answers again
        self.addNote(error.message, "error");
      });
      this.input.focus();
      return;
    }
    var body = { question: question };
    if (this.sessionId) body.session_id = this.sessionId;
    api("POST", "api/ask", body).then(function (reply) {
      self.setBusy(false);
      if (reply.session_id) { self.sessionId = reply.session_id; saveSession(reply.session_id); }
      // Never pass a password on to an agent as "the last question".
      self.lastWasPassword = reply.tool === "password_check";
      self.addBot(reply);
      if (reply.kind === "handoff") self.startPolling(); // the chat queued this conversation for an agent
    }, function (error) {
      self.setBusy(false);
      self.addNote(error.message, "error");
    });
    this.input.focus();
  };

  Widget.prototype.ensureSession = function () {
    // A conversation needs its own id before it can wait for an agent (never a shared "anonymous").
    if (!this.sessionId) {
      var bytes = new Uint8Array(16);
      window.crypto.getRandomValues(bytes);
      this.sessionId = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      saveSession(this.sessionId);
    }
    return this.sessionId;
  };

  Widget.prototype.handoff = function () {
    var self = this;
    if (this.handoffOpen) { this.addNote(HANDOFF_QUEUED, "handoff"); return; } // a second click: still queued
    var body = { session_id: this.ensureSession() };
    if (this.lastQuestion && !this.lastWasPassword) body.question = this.lastQuestion;
    api("POST", "api/handoff", body).then(function () {
      self.addNote(HANDOFF_QUEUED, "handoff");
      self.startPolling();
    }, function (error) {
      self.addNote(HANDOFF_FAILED + error.message, "error");
    });
  };

  // The agent's replies arrive by polling (GET /api/handoff/messages): queued -> an agent joins ->
  // their messages -> closed, when the bot answers again.
  Widget.prototype.startPolling = function () {
    var self = this;
    this.handoffOpen = true;
    if (this.pollTimer) return;
    this.handoffSeen = this.handoffSeen || 0;
    this.pollTimer = window.setInterval(function () { self.poll(); }, HANDOFF_POLL_MS);
  };

  Widget.prototype.stopPolling = function () {
    if (this.pollTimer) window.clearInterval(this.pollTimer);
    this.pollTimer = null;
    this.handoffOpen = false;
  };

  Widget.prototype.poll = function () {
    var self = this;
    if (!this.sessionId || this.polling) return;
    this.polling = true;
    var query = "?session_id=" + encodeURIComponent(this.sessionId) + "&after=" + (this.handoffSeen || 0);
    api("GET", "api/handoff/messages" + query).then(function (state) {
      self.polling = false;
      if (state.status === "claimed" && self.handoffStatus !== "claimed") {
        self.addNote((state.agent ? state.agent + ", an agent," : "An agent") + " has joined this chat.", "handoff");
      }
      (state.messages || []).forEach(function (message) {
        self.handoffSeen = Math.max(self.handoffSeen, message.id);
        if (message.role === "agent") self.addAgent(message.text, state.agent);
      });
      if (state.status === "closed" || state.status === "none") {
        if (self.handoffStatus && self.handoffStatus !== "closed") self.addNote(state.text || "The agent has closed this chat.", "handoff");
        self.stopPolling();
      }
      self.handoffStatus = state.status;
    }, function () {
      self.polling = false; // try again at the next tick
    });
  };

  Widget.prototype.addAgent = function (text, agent) {
    var bubble = el("div", { className: "hb-bubble" });
    renderText(bubble, text);
    var item = el("li", { className: "hb-msg hb-bot hb-from-agent", "data-kind": "agent" }, [
      el("span", { className: "hb-sr", text: (agent || "Agent") + ": " }),
      el("span", { className: "hb-agent-name", "aria-hidden": "true", text: agent || "Agent" }), bubble
    ]);
    this.log.append(item);
    this.reveal(item);
    this.announce((agent || "Agent") + ": " + text);
  };

  // -- tool forms -------------------------------------------------------------------------------

  Widget.prototype.toggleTool = function (name) {
    if (this.openToolName === name) this.closeTool(); else this.openTool(name);
  };

  Widget.prototype.closeTool = function () {
    var name = this.openToolName;
    this.toolArea.hidden = true;
    this.toolArea.replaceChildren();
    this.openToolName = null;
    if (name) {
      this.toolButtons[name].setAttribute("aria-expanded", "false");
      this.toolButtons[name].focus();
    }
  };

  Widget.prototype.openTool = function (name) {
    var self = this;
    var spec = TOOLS[name];
    if (this.openToolName) this.toolButtons[this.openToolName].setAttribute("aria-expanded", "false");
    this.openToolName = name;
    this.toolButtons[name].setAttribute("aria-expanded", "true");
    var headingId = nextId("tool");
    var error = el("p", { className: "hb-form-error", role: "alert" });
    var form = el("form", { className: "hb-tool-form", "data-tool": name, "aria-labelledby": headingId, novalidate: true });
    var controls = {};
    var rows = {};
    spec.fields.forEach(function (field) {
      var id = nextId("f");
      var control;
      if (field.type === "select") {
        control = el("select", { id: id, name: field.name });
        field.options.forEach(function (option) { control.append(el("option", { value: option[0], text: option[1] })); });
      } else if (field.type === "checkbox") {
        control = el("input", { id: id, name: field.name, type: "checkbox" });
      } else {
        control = el("input", {
          id: id, name: field.name, value: field.value || null, required: !!field.required,
          type: field.type === "password" ? "password" : field.type === "date" ? "date" : "text",
          inputmode: field.type === "amount" ? "decimal" : field.type === "integer" ? "numeric" : null,
          autocomplete: "off", spellcheck: "false"
        });
      }
      controls[field.name] = control;
      var row = el("div", { className: "hb-field hb-field-" + (field.type === "checkbox" ? "check" : "text") },
        field.type === "checkbox" ? [control, el("label", { for: id, text: field.label })]
                                  : [el("label", { for: id, text: field.label + (field.required ? " *" : "") }), control]);
      rows[field.name] = row;
      form.append(row);
    });
    function applyWhen() {
      spec.fields.forEach(function (field) {
        if (field.when) rows[field.name].hidden = controls[field.when[0]].value !== field.when[1];
      });
    }
    spec.fields.forEach(function (field) {
      if (field.type === "select") controls[field.name].addEventListener("change", applyWhen);
    });
    applyWhen();
    var submit = el("button", { type: "submit", className: "hb-send", text: "Calculate" });
    if (name === "password_check") submit.textContent = "Check";
    form.append(error, el("div", { className: "hb-form-actions" }, [
      submit, el("button", { type: "button", className: "hb-secondary", text: "Close", onclick: function () { self.closeTool(); } })
    ]));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var params = {};
      var missing = [];
      spec.fields.forEach(function (field) {
        if (rows[field.name].hidden) return;
        var control = controls[field.name];
        if (field.type === "checkbox") { if (control.checked) params[field.name] = true; return; }
        var value = field.type === "password" ? control.value : control.value.trim();
        if (value === "") { if (field.required) missing.push(field.label); return; }
        params[field.name] = value;
      });
      if (missing.length) {
        error.textContent = "Please fill in: " + missing.join(", ") + ".";
        return;
      }
      error.textContent = "";
      if (form.getAttribute("aria-busy") === "true") return;
      form.setAttribute("aria-busy", "true"); // not submit.disabled: that would drop the focus
      var focused = self.root.activeElement;
      var entered = self.describeInputs(spec, controls, rows);
      api("POST", "api/tools/" + name, params).then(function (result) {
        form.removeAttribute("aria-busy");
        var asked = self.addToolRequest(spec, entered);
        var shown = self.addToolResult(name, result);
        // What was entered and its result together when they fit (the open form leaves the
        // conversation little room); else the start of the result.
        if (shown.offsetTop + shown.offsetHeight - asked.offsetTop <= self.log.clientHeight) {
          self.log.scrollTop = asked.offsetTop - 8;
        }
        // The form stays open for the next run (a second password, another date); the focus
        // stays where it was, or goes to the emptied password box.
        if (name === "password_check") { controls.password.value = ""; controls.password.focus(); }
        else if (focused && focused.isConnected) focused.focus();
      }, function (failure) {
        form.removeAttribute("aria-busy");
        error.textContent = failure.message;
      });
    });
    this.toolArea.replaceChildren(el("h3", { id: headingId, className: "hb-tool-title", text: spec.label }),
      el("p", { className: "hb-tool-intro", text: spec.intro }), form);
    this.toolArea.hidden = false;
    var first = form.querySelector("input, select");
    if (first) first.focus();
  };

  // What the visitor entered, as they saw it (option labels, dates in words), for the transcript.
  // Never a password: it is shown as checked, not as text or a mask of its length.
  Widget.prototype.describeInputs = function (spec, controls, rows) {
    var lines = [];
    spec.fields.forEach(function (field) {
      if (rows[field.name].hidden) return;
      var control = controls[field.name];
      var value;
      if (field.type === "password") value = control.value ? "checked, not shown" : "";
      else if (field.type === "checkbox") value = control.checked ? "yes" : "";
      else if (field.type === "select") value = control.value === "" ? "" : control.options[control.selectedIndex].text;
      else if (field.type === "date") value = longDate(control.value);
      else value = control.value.trim();
      if (value) lines.push(field.label + ": " + value);
    });
    return lines;
  };

  Widget.prototype.addToolRequest = function (spec, lines) {
    var bubble = el("div", { className: "hb-bubble" }, [el("strong", { text: spec.label })]);
    if (lines.length) {
      bubble.append(el("ul", { className: "hb-inputs" }, lines.map(function (line) { return el("li", { text: line }); })));
    }
    var item = el("li", { className: "hb-msg hb-user hb-tool-input" }, [el("span", { className: "hb-sr", text: "You: " }), bubble]);
    this.log.append(item);
    return item;
  };

  // The server words every result (the same words as the chat); the widget only shows them.
  Widget.prototype.addToolResult = function (name, result) {
    return this.addBot({ kind: "tool", tool: name, result: result, text: result.text || "" });
  };

  // -- start ------------------------------------------------------------------------------------

  function start() {
    var host;
    if (MODE === "inline") {
      host = document.getElementById(script.getAttribute("data-target") || "");
      if (!host) { host = el("div"); script.after(host); }
    } else {
      host = el("div", { id: "ecokara-help-widget" });
      document.body.append(host);
    }
    host.classList.add("ecokara-help-host");
    var widget = new Widget(host);
    window.EcokaraHelp = {
      open: function () { widget.open(); },
      close: function () { widget.close(); },
      ask: function (text) { widget.open(false); widget.send(text); }
    };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
