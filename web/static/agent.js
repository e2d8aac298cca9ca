/* Agent console: search canned answers as you type, open one, copy it into the chat.
 *
 * Built for speed with several chats open: no page loads, debounced search, stale
 * responses dropped, and the keyboard does everything:
 *   /              focus the search box          ArrowUp / ArrowDown  move through results
 *   Enter          open the selected answer      c or Ctrl+Enter      copy the open answer
 *   Escape         back to the search box (clears it when already there)
 * Enter in the search box opens the answer and moves focus to it, so the next "c" copies
 * instead of typing a "c"; "/" in the search box is a shortcut while the box is empty or all
 * selected, and an ordinary slash after other text (agents search for "T/T").
 * The server returns only relevant matches (a relevance floor, not a fixed count), so the
 * count is the true number of matches, up to RESULTS.
 * All text goes in with textContent / value, never innerHTML.
 */
(function () {
  "use strict";

  var DEBOUNCE_MS = 150;
  var RESULTS = 50; // the API's maximum; searches rarely have this many relevant matches

  var $ = function (id) { return document.getElementById(id); };
  var q = $("q");
  var category = $("category");
  var results = $("results");
  var count = $("result-count");
  var answer = $("answer");
  var copyButton = $("copy");
  var copyStatus = $("copy-status");

  var items = [];      // [{entry_id, title, category}]
  var selected = -1;
  var openId = null;
  var timer = null;
  var generation = 0;  // only the newest search may draw its results
  var titles = {};     // entry id -> title, from /api/entries

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function getJSON(path) {
    return fetch(path, { headers: { Accept: "application/json" } }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) throw new Error(data && data.error ? data.error.message : "HTTP " + response.status);
        return data;
      });
    });
  }

  function pretty(name) { return name.replace(/-/g, " "); }

  // -- categories and the initial list ------------------------------------------------------------

  var allEntries = [];
  getJSON("api/entries").then(function (data) {
    data.categories.forEach(function (c) {
      category.append(el("option", { value: c.name }, pretty(c.name) + " (" + c.count + ")"));
    });
    allEntries = data.entries;
    allEntries.forEach(function (e) { titles[e.id] = e.title; });
    if (!q.value.trim()) showBrowse();
  }).catch(function (error) { count.textContent = "Could not load entries: " + error.message; });

  function showBrowse() {
    // No query: list the category's entries (or all) alphabetically, to browse.
    var list = allEntries.filter(function (e) { return !category.value || e.category === category.value; })
      .map(function (e) { return { entry_id: e.id, title: e.title, category: e.category }; })
      .sort(function (a, b) { return a.title.localeCompare(b.title); });
    draw(list, list.length + " entries" + (category.value ? " in " + pretty(category.value) : ""));
  }

  // -- search -------------------------------------------------------------------------------------

  var searching = false;     // a search is waiting for its debounce or its answer
  var openWhenDrawn = false; // Enter came before the results: open the first one when they are in

  function scheduleSearch() {
    window.clearTimeout(timer);
    searching = true;
    timer = window.setTimeout(search, DEBOUNCE_MS);
  }

  function search() {
    window.clearTimeout(timer);
    timer = null;
    var text = q.value.trim();
    var mine = ++generation;
    if (!text) { searching = false; showBrowse(); drawn(); return; }
    searching = true;
    var params = new URLSearchParams({ q: text, k: String(RESULTS) });
    if (category.value) params.set("category", category.value);
    getJSON("api/search?" + params.toString()).then(function (data) {
      if (mine !== generation) return; // a newer search is on its way
      searching = false;
      draw(data.hits, matches(data.hits.length));
      drawn();
    }).catch(function (error) {
      if (mine !== generation) return;
      searching = openWhenDrawn = false;
      count.textContent = "Search failed: " + error.message;
    });
  }

  function drawn() {
    if (!openWhenDrawn) return;
    openWhenDrawn = false;
    open(null, true);
  }

  // Enter in the search box: open the selected result, or the first of the results on their way.
  function openFromSearch() {
    if (!searching) { open(null, true); return; }
    openWhenDrawn = true;
    if (timer !== null) search(); // do not wait for the debounce
  }

  function matches(n) {
    if (n === 0) return "No matches";
    if (n >= RESULTS) return "The best " + n + " matches";
    return n === 1 ? "1 match" : n + " matches";
  }

  function draw(list, summary) {
    items = list;
    results.replaceChildren();
    list.forEach(function (hit, index) {
      var li = el("li", { id: "r-" + index, role: "option", "aria-selected": "false", "data-entry-id": hit.entry_id });
      li.append(el("span", { class: "r-title" }, hit.title));
      li.append(el("span", { class: "r-cat" }, pretty(hit.category || "")));
      li.addEventListener("click", function () { select(index); open(); });
      results.append(li);
    });
    count.textContent = summary;
    select(list.length ? 0 : -1);
  }

  function select(index) {
    if (selected >= 0 && results.children[selected]) results.children[selected].setAttribute("aria-selected", "false");
    selected = index;
    if (index < 0) { q.removeAttribute("aria-activedescendant"); return; }
    var node = results.children[index];
    node.setAttribute("aria-selected", "true");
    q.setAttribute("aria-activedescendant", node.id);
    node.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    if (!items.length) return;
    select(Math.max(0, Math.min(items.length - 1, selected + step)));
  }

  // -- one entry ----------------------------------------------------------------------------------

  // focusAnswer: move focus from the search box to the opened answer (keyboard opening), so
  // the shortcuts that follow ("c", "/") are shortcuts and not text.
  function open(entryId, focusAnswer) {
    var id = entryId || (items[selected] && items[selected].entry_id);
    if (!id) return;
    getJSON("api/entries/" + encodeURIComponent(id)).then(function (entry) {
      show(entry);
      if (focusAnswer) $("detail-title").focus();
    }).catch(function (error) {
      copyStatus.textContent = "Could not open the entry: " + error.message;
    });
  }

  function show(entry) {
    openId = entry.id;
    $("detail-empty").hidden = true;
    $("detail-body").hidden = false;
    $("detail-title").textContent = entry.title;
    $("detail-meta").textContent = [pretty(entry.category), "for " + entry.audience, entry.id,
      entry.tool ? "tool: " + entry.tool : null].filter(Boolean).join(" \u00b7 ");
    answer.value = entry.answer.replace(/\s+$/, "");
    // As many rows as the text takes where it wraps (up to 24), so most answers need no scrolling.
    answer.rows = 4;
    while (answer.rows < 24 && answer.scrollHeight > answer.clientHeight) answer.rows += 1;
    copyStatus.textContent = "";

    var related = $("related");
    related.replaceChildren();
    (entry.related_entries || []).forEach(function (r) {
      var button = el("button", { type: "button", class: "link", "data-entry-id": r.entry_id }, r.title);
      button.addEventListener("click", function () { open(r.entry_id); });
      var li = el("li");
      li.append(button);
      related.append(li);
    });
    if (!related.children.length) related.append(el("li", { class: "none" }, "None"));

    var source = $("source");
    source.replaceChildren();
    (entry.source_text || []).forEach(function (part) {
      var text = rebrand(part.text || "");
      var figure = el("figure");
      // The caption goes under the text, so the text starts level with the answer beside it.
      figure.append(el("pre", {}, text || "(source text not available)"));
      figure.append(el("figcaption", {}, "help-center.txt lines " + part.start + "\u2013" + part.end +
        (text !== (part.text || "") ? " \u00b7 old brand shown as Ecokara" : "")));
      source.append(figure);
    });
    if (!source.children.length) source.append(el("p", { class: "none" }, "No source lines recorded."));
  }

  // The help-center text predates the brand: show it as the answers say it ("Alibaba.com
  // account" -> "Ecokara.com account"), so an agent comparing the two sees only real differences.
  function rebrand(text) {
    return text.replace(/ALIBABA/g, "ECOKARA").replace(/Alibaba/g, "Ecokara").replace(/alibaba/gi, "ecokara");
  }

  // -- copy ---------------------------------------------------------------------------------------

  function copy() {
    if (!openId) return;
    var text = answer.value;
    var done = function () { copyStatus.textContent = "Copied \u2014 paste it into the chat."; };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text) ? done() : failed(); });
    } else if (fallbackCopy(text)) {
      done();
    } else {
      failed();
    }
  }

  function failed() { copyStatus.textContent = "Copy failed: select the text and press Ctrl+C."; }

  // Older browsers and plain-http pages: copy through a hidden textarea.
  function fallbackCopy(text) {
    var area = el("textarea", { readonly: "", "aria-hidden": "true", class: "offscreen" });
    area.value = text;
    document.body.append(area);
    var focused = document.activeElement;
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    if (focused && focused.focus) focused.focus();
    return ok;
  }

  // -- keyboard -----------------------------------------------------------------------------------

  // Keys are shortcuts unless they are text for a field (the read-only answer box is not one).
  function typingIn(target) {
    if (!target || target.readOnly) return false;
    return target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      copy();
      return;
    }
    var inSearch = event.target === q;
    if (!typingIn(event.target) || inSearch) {
      if (event.key === "ArrowDown") { event.preventDefault(); move(1); return; }
      if (event.key === "ArrowUp") { event.preventDefault(); move(-1); return; }
    }
    if (inSearch && event.key === "Enter") { event.preventDefault(); openFromSearch(); return; }
    if (inSearch && event.key === "/" && !event.ctrlKey && !event.metaKey && !event.altKey &&
        (!q.value || (q.selectionStart === 0 && q.selectionEnd === q.value.length))) {
      event.preventDefault(); // already where "/" leads: keep the text, select it
      q.select();
      return;
    }
    if (event.key === "Escape") {
      if (inSearch && q.value) { q.value = ""; search(); } else { q.focus(); }
      return;
    }
    if (typingIn(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.target.tagName === "BUTTON" && (event.key === "Enter" || event.key === " ")) return; // the button's own click
    if (event.key === "/") { event.preventDefault(); q.focus(); q.select(); }
    else if (event.key === "c") { event.preventDefault(); copy(); }
    else if (event.key === "Enter") { open(); }
  });

  $("search-form").addEventListener("submit", function (event) { event.preventDefault(); openFromSearch(); });
  q.addEventListener("input", scheduleSearch);
  category.addEventListener("change", function () { search(); });
  copyButton.addEventListener("click", copy);
  q.focus();
})();
