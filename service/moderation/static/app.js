/* Colombe moderator UI: focus, keyboard shortcuts, actions without reloads, undo, highlights.
   No inline scripts (strict CSP); every call carries the CSRF token in X-CSRF-Token. */
(function () {
  "use strict";

  var meta = document.querySelector('meta[name="csrf-token"]');
  var CSRF = meta ? meta.getAttribute("content") : "";
  var itemsEl = document.getElementById("items");
  var toastEl = document.getElementById("toast");
  var toastTimer = null;

  function toast(message, isError) {
    if (!toastEl) return;
    toastEl.textContent = message;
    toastEl.className = isError ? "error" : "";
    toastEl.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { toastEl.hidden = true; }, 2500);
  }

  if (!itemsEl) return;

  var mode = itemsEl.getAttribute("data-mode");
  var hideStatus = itemsEl.getAttribute("data-hide-status") || "";
  var strings = (document.getElementById("i18n") || document.body).dataset;
  var picker = document.getElementById("reason-picker");
  var help = document.getElementById("help");
  var bulk = document.getElementById("bulk");
  var selectMatching = document.getElementById("select-matching");
  var focused = null;
  var pendingReject = null;  // items waiting for a reason
  var undoStack = [];        // each entry: the ids one action changed

  function visibleItems() {
    return Array.prototype.filter.call(itemsEl.querySelectorAll(".item"), function (el) { return !el.hidden; });
  }

  function itemById(id) {
    return itemsEl.querySelector('.item[data-comment-id="' + String(id).replace(/[^0-9]/g, "") + '"]');
  }

  function setFocus(el, scroll) {
    if (focused) {
      focused.classList.remove("is-focused");
      focused.removeAttribute("aria-current");
    }
    focused = el || null;
    if (focused) {
      focused.classList.add("is-focused");
      focused.setAttribute("aria-current", "true");
      focused.focus({ preventScroll: true });
      if (scroll !== false) focused.scrollIntoView({ block: "nearest" });
    }
  }

  function move(delta) {
    var list = visibleItems();
    if (!list.length) return;
    var i = list.indexOf(focused);
    i = i < 0 ? 0 : Math.max(0, Math.min(list.length - 1, i + delta));
    setFocus(list[i]);
  }

  // ---- selection -----------------------------------------------------------------------
  function selectedItems() {
    return visibleItems().filter(function (el) {
      var cb = el.querySelector(".sel");
      return cb && cb.checked;
    });
  }

  // "one"/"other" templates from the page (French uses "one" for 0 and 1)
  function plural(key, n, shown) {
    var one = strings[key + "One"], other = strings[key + "Other"];
    var useOne = strings.lang === "fr" ? Math.abs(n) <= 1 : n === 1;
    var tpl = (useOne ? one : other) || other || "{n}";
    return tpl.replace("{n}", shown === undefined ? String(n) : shown);
  }

  function updateSelection() {
    var count = selectedItems().length;
    visibleItems().forEach(function (el) {
      var cb = el.querySelector(".sel");
      el.classList.toggle("is-selected", !!(cb && cb.checked));
    });
    var counter = document.getElementById("selected-count");
    if (counter) {
      var n = selectMatching && selectMatching.checked ? Number(bulk.getAttribute("data-total") || 0) : count;
      counter.textContent = plural("selected", n);
    }
    if (bulk) bulk.classList.toggle("active", count > 0 || (selectMatching && selectMatching.checked));
  }

  function toggleSelect(el) {
    var cb = el && el.querySelector(".sel");
    if (!cb) return;
    cb.checked = !cb.checked;
    updateSelection();
  }

  // ---- server calls ----------------------------------------------------------------------
  var currentStatus = "pending";
  function pageFilter() {
    var filter = {};
    try { filter = JSON.parse((bulk && bulk.getAttribute("data-filter")) || "{}"); } catch (e) { filter = {}; }
    return filter;
  }
  if (bulk) currentStatus = pageFilter().status || "pending";

  // ---- counts: every number on the page comes from the last server answer ------------------
  function updateCounts(counts, capped) {
    if (!counts) return;
    capped = capped || [];
    Array.prototype.forEach.call(document.querySelectorAll("[data-status-tab]"), function (tab) {
      var key = tab.getAttribute("data-status-tab");
      if (!(key in counts)) return;
      var n = counts[key];
      tab.setAttribute("data-count", String(n));
      var span = tab.querySelector(".tab-count");
      if (span) span.textContent = "(" + n + (capped.indexOf(key) >= 0 ? "+" : "") + ")";
    });
    if (!(currentStatus in counts)) return;
    var total = counts[currentStatus];
    var shown = total + (capped.indexOf(currentStatus) >= 0 ? "+" : "");
    var match = document.getElementById("match-text");
    if (match) { match.setAttribute("data-n", String(total)); match.textContent = plural("match", total, shown); }
    var label = document.getElementById("matching-label");
    if (label) label.textContent = (strings.matching || "{n}").replace("{n}", shown);
    if (bulk) bulk.setAttribute("data-total", String(total));
    updateSelection();
  }

  function refreshCounts() {
    if (!bulk) return Promise.resolve();
    var query = new URLSearchParams(pageFilter()).toString();
    return fetch("/ui/counts?" + query, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) updateCounts(data.counts, data.capped); })
      .catch(function () { /* the next action brings fresh counts */ });
  }

  function postAction(body) {
    if (bulk && mode === "queue") body.view = pageFilter();
    return fetch("/ui/actions", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": CSRF },
      body: JSON.stringify(body)
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (!resp.ok) throw new Error(data.message || ("HTTP " + resp.status));
        if (data.counts) updateCounts(data.counts, data.capped);
        return data;
      });
    });
  }

  function setStatus(el, status) {
    el.setAttribute("data-status", status);
    var badge = el.querySelector(".badge");
    if (badge) {
      badge.className = "badge status-" + status;
      badge.textContent = strings["status" + status.charAt(0).toUpperCase() + status.slice(1)] || status;
    }
    if (mode === "queue" && hideStatus) el.hidden = status !== hideStatus;
  }

  function applyResults(results) {
    var changed = [];
    (results || []).forEach(function (r) {
      var el = itemById(r.id);
      if (!el) return;
      setStatus(el, r.status);
      var cb = el.querySelector(".sel");
      if (cb) cb.checked = false;
      changed.push(el);
    });
    var pageBox = document.getElementById("select-page");
    if (pageBox) pageBox.checked = false;
    updateSelection();
    updateEmpty();
    return changed;
  }

  function updateEmpty() {
    if (mode !== "queue") return;
    var empty = itemsEl.querySelector(".empty");
    if (empty) empty.hidden = visibleItems().length > 0;
  }

  // ---- refill: when the page runs low, the next comments of the filter come in (no reload) ---
  var refilling = null;
  function refill() {
    if (mode !== "queue" || !hideStatus || refilling) return refilling || Promise.resolve();
    var visible = visibleItems().length;
    var total = Number((bulk && bulk.getAttribute("data-total")) || 0);
    if (visible >= 5 || total <= visible) return Promise.resolve();
    refilling = fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var empty = itemsEl.querySelector(".empty");
        var added = [];
        Array.prototype.forEach.call(doc.querySelectorAll("#items .item"), function (el) {
          if (itemById(el.getAttribute("data-comment-id"))) return;
          var node = document.importNode(el, true);
          itemsEl.insertBefore(node, empty);
          added.push(node);
        });
        var tabs = doc.getElementById("status-tabs");
        if (tabs) {
          var counts = {};
          Array.prototype.forEach.call(tabs.querySelectorAll("[data-status-tab]"), function (t) {
            counts[t.getAttribute("data-status-tab")] = Number(t.getAttribute("data-count"));
          });
          updateCounts(counts, []);
        }
        updateEmpty();
        if (added.length) loadSpans(added);
        if (!focused || focused.hidden) setFocus(visibleItems()[0] || null);
      })
      .catch(function () { /* the pager links still work */ })
      .then(function () { refilling = null; itemsEl.setAttribute("data-refilled", String(Date.now())); });
    return refilling;
  }

  function nextFocusAfter(targets) {
    var list = visibleItems();
    var last = -1;
    targets.forEach(function (t) { last = Math.max(last, list.indexOf(t)); });
    for (var i = last + 1; i < list.length; i++) if (targets.indexOf(list[i]) < 0) return list[i];
    for (var j = last - 1; j >= 0; j--) if (targets.indexOf(list[j]) < 0) return list[j];
    return null;
  }

  function act(action, targets, reason) {
    targets = targets.filter(Boolean);
    if (!targets.length) return Promise.resolve();
    var next = nextFocusAfter(targets);
    var ids = targets.map(function (el) { return Number(el.getAttribute("data-comment-id")); });
    return postAction({ action: action, ids: ids, reason: reason || null }).then(function (data) {
      applyResults(data.results);
      var done = (data.results || []).filter(function (r) { return r.ok; }).map(function (r) { return r.id; });
      if (done.length) undoStack.push(done);
      markUndoable();
      if (focused && focused.hidden) setFocus(next);
      else if (!focused) setFocus(next);
      toast((strings.done || "Done") + " (" + done.length + ")");
      return refill();
    }).catch(function (err) { toast((strings.failed || "Action failed") + ": " + err.message, true); });
  }

  function actOnMatching(action, reason) {
    var filter = pageFilter();
    var next = null;
    return postAction({ action: action, all_matching: true, filter: filter, reason: reason || null }).then(function (data) {
      applyResults(data.results);
      var done = (data.results || []).filter(function (r) { return r.ok; }).map(function (r) { return r.id; });
      if (done.length) undoStack.push(done);
      markUndoable();
      selectMatching.checked = false;
      updateSelection();
      next = visibleItems()[0] || null;
      setFocus(next);
      toast((strings.done || "Done") + " (" + done.length + ")");
      return refill();
    }).catch(function (err) { toast((strings.failed || "Action failed") + ": " + err.message, true); });
  }

  // Undo shows only on the items the last action changed (the only ones `u` would bring back)
  function markUndoable() {
    var last = undoStack[undoStack.length - 1] || [];
    Array.prototype.forEach.call(itemsEl.querySelectorAll(".item"), function (el) {
      el.classList.toggle("can-undo", last.indexOf(Number(el.getAttribute("data-comment-id"))) >= 0);
    });
  }

  // ---- confirmation for "all matching the filter" ------------------------------------------
  var confirmBox = document.getElementById("confirm");
  var confirmThen = null;
  function askConfirm(text, then) {
    if (!confirmBox) { then(); return; }
    document.getElementById("confirm-text").textContent = text;
    confirmThen = then;
    confirmBox.hidden = false;
    document.getElementById("confirm-yes").focus();
  }
  function closeConfirm(yes) {
    if (!confirmBox || confirmBox.hidden) return;
    confirmBox.hidden = true;
    var then = confirmThen;
    confirmThen = null;
    if (yes && then) then();
    else if (focused) focused.focus({ preventScroll: true });
  }
  if (confirmBox) {
    document.getElementById("confirm-yes").addEventListener("click", function () { closeConfirm(true); });
    document.getElementById("confirm-no").addEventListener("click", function () { closeConfirm(false); });
  }
  function confirmMatching(action, reason) {
    var n = Number(bulk.getAttribute("data-total") || 0);
    var key = action === "approve" ? "confirmApprove" : "confirmReject";
    askConfirm(plural(key, n), function () { actOnMatching(action, reason); });
  }

  function undo() {
    var ids = undoStack.pop();
    if (!ids) { toast(strings.nothingToUndo || "Nothing to undo"); return Promise.resolve(); }
    return postAction({ action: "undo", ids: ids }).then(function (data) {
      var changed = applyResults(data.results);
      var back = changed.filter(function (el) { return !el.hidden; });
      if (back.length) setFocus(back[0]);
      markUndoable();
      toast((strings.undone || "Undone") + " (" + (data.count || 0) + ")");
    }).catch(function (err) { toast((strings.failed || "Action failed") + ": " + err.message, true); });
  }

  // ---- reject reason picker ----------------------------------------------------------------
  function openPicker(targets) {
    if (!picker || !targets.length) return;
    pendingReject = targets;
    picker.hidden = false;
    var suggest = targets[0].getAttribute("data-suggest") || "other";
    var btn = picker.querySelector('button[data-reason="' + suggest + '"]') || picker.querySelector("button[data-reason]");
    btn.focus();
  }

  function closePicker(reason) {
    if (!picker || picker.hidden) return;
    var targets = pendingReject || [];
    pendingReject = null;
    picker.hidden = true;
    if (reason) {
      if (targets === "matching") confirmMatching("reject", reason);
      else act("reject", targets, reason);
    } else if (focused) {
      focused.focus({ preventScroll: true });
    }
  }

  if (picker) {
    picker.addEventListener("click", function (e) {
      var btn = e.target.closest("button[data-reason]");
      if (btn) closePicker(btn.getAttribute("data-reason"));
    });
  }

  function toggleHelp(show) {
    if (!help) return;
    help.hidden = show === undefined ? !help.hidden : !show;
    if (!help.hidden) help.querySelector("button").focus();
    else if (focused) focused.focus({ preventScroll: true });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".show-help"), function (b) {
    b.addEventListener("click", function () { toggleHelp(true); });
  });
  if (help) help.querySelector(".close-help").addEventListener("click", function () { toggleHelp(false); });

  // ---- clicks ------------------------------------------------------------------------------
  itemsEl.addEventListener("click", function (e) {
    var item = e.target.closest(".item");
    if (!item) return;
    var ruleButton = e.target.closest("button[data-author-rule]");
    if (ruleButton) { setAuthorRule(item, ruleButton.getAttribute("data-author-rule")); return; }
    var button = e.target.closest("button[data-act]");
    if (button) {
      setFocus(item, false);
      var what = button.getAttribute("data-act");
      if (what === "approve") act("approve", [item]);
      else if (what === "reject") openPicker([item]);
      else if (what === "undo") undo();
      return;
    }
    if (e.target.closest("a, button")) return;  // links and buttons keep their own meaning
    setFocus(item, false);
  });
  itemsEl.addEventListener("change", function (e) {
    if (e.target.classList.contains("sel")) updateSelection();
  });

  if (bulk) {
    document.getElementById("select-page").addEventListener("change", function (e) {
      visibleItems().forEach(function (el) {
        var cb = el.querySelector(".sel");
        if (cb) cb.checked = e.target.checked;
      });
      updateSelection();
    });
    selectMatching.addEventListener("change", updateSelection);
    document.getElementById("bulk-approve").addEventListener("click", function () {
      if (selectMatching.checked) confirmMatching("approve");
      else act("approve", selectedItems());
    });
    document.getElementById("bulk-reject").addEventListener("click", function () {
      var reason = document.getElementById("bulk-reason").value;
      if (selectMatching.checked) confirmMatching("reject", reason);
      else act("reject", selectedItems(), reason);
    });
    document.getElementById("bulk-clear").addEventListener("click", function () {
      visibleItems().forEach(function (el) { var cb = el.querySelector(".sel"); if (cb) cb.checked = false; });
      selectMatching.checked = false;
      document.getElementById("select-page").checked = false;
      updateSelection();
    });
  }

  // ---- keyboard ----------------------------------------------------------------------------
  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (confirmBox && !confirmBox.hidden) {
      if (e.key === "Escape") { e.preventDefault(); closeConfirm(false); }
      return;  // Enter clicks the focused button natively
    }
    if (picker && !picker.hidden) {
      if (e.key === "Escape") { e.preventDefault(); closePicker(null); return; }
      var n = parseInt(e.key, 10);
      var choices = picker.querySelectorAll("button[data-reason]:not([data-reason=''])");
      if (n >= 1 && n <= choices.length) { e.preventDefault(); closePicker(choices[n - 1].getAttribute("data-reason")); }
      return;  // Enter clicks the focused reason button natively
    }
    if (typing(e.target)) return;
    if (help && !help.hidden) {
      if (e.key === "Escape" || e.key === "?") { e.preventDefault(); toggleHelp(false); }
      return;
    }
    switch (e.key) {
      case "j": e.preventDefault(); move(1); break;
      case "k": e.preventDefault(); move(-1); break;
      case "a": if (focused && !focused.hidden) { e.preventDefault(); act("approve", [focused]); } break;
      case "r": if (focused && !focused.hidden) { e.preventDefault(); openPicker([focused]); } break;
      case "x": if (focused && !focused.hidden) { e.preventDefault(); toggleSelect(focused); } break;
      case "u": e.preventDefault(); undo(); break;
      case "?": e.preventDefault(); toggleHelp(); break;
      case "Escape": if (focused) { setFocus(null); } break;
      default: break;
    }
  });

  // ---- highlight spans -------------------------------------------------------------------------
  function highlight(el, spans) {
    var text = el.textContent;
    var frag = document.createDocumentFragment();
    var pos = 0;
    spans.forEach(function (s) {
      if (s.begin < pos || s.end > text.length) return;
      if (s.begin > pos) frag.appendChild(document.createTextNode(text.slice(pos, s.begin)));
      var mark = document.createElement("mark");
      mark.className = "hl";
      mark.setAttribute("data-label", s.label);
      mark.title = s.label + " +" + Number(s.score).toFixed(2);
      mark.textContent = text.slice(s.begin, s.end);
      frag.appendChild(mark);
      pos = s.end;
    });
    if (pos < text.length) frag.appendChild(document.createTextNode(text.slice(pos)));
    el.textContent = "";
    el.appendChild(frag);
  }

  function loadSpans(only) {
    var els = only || Array.prototype.slice.call(itemsEl.querySelectorAll(".item"), 0, 200);
    var batches = [];
    for (var i = 0; i < els.length; i += 8) batches.push(els.slice(i, i + 8));
    batches.reduce(function (chain, batch) {
      return chain.then(function () {
        var ids = batch.map(function (el) { return el.getAttribute("data-comment-id"); });
        return fetch("/ui/spans?ids=" + ids.join(","), { credentials: "same-origin", headers: { "Accept": "application/json" } })
          .then(function (r) { return r.ok ? r.json() : { spans: {} }; })
          .then(function (data) {
            batch.forEach(function (el) {
              var spans = (data.spans || {})[el.getAttribute("data-comment-id")];
              var textEl = el.querySelector(".ctext");
              if (spans && spans.length && textEl) highlight(textEl, spans);
            });
          }).catch(function () { /* highlights are a bonus */ });
      });
    }, Promise.resolve()).then(function () { itemsEl.setAttribute("data-spans-loaded", "1"); });
  }

  // ---- per-author rules -------------------------------------------------------------------------
  function setAuthorRule(item, rule) {
    var box = item.querySelector(".author-actions");
    if (!box) return;
    fetch("/ui/author-rule", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": CSRF },
      body: JSON.stringify({ comment_id: Number(item.getAttribute("data-comment-id")), rule: rule })
    }).then(function (resp) {
      return resp.json().catch(function () { return {}; }).then(function (data) {
        if (!resp.ok) throw new Error(data.message || ("HTTP " + resp.status));
        Array.prototype.forEach.call(document.querySelectorAll(".author-actions"), function (el) {
          if (el.getAttribute("data-author") === data.author && el.getAttribute("data-site") === data.site) {
            el.setAttribute("data-rule", data.rule);
          }
        });
        toast(data.rule ? (strings.authorRuleSaved || "Saved.") : (strings.authorRuleRemoved || "Saved."));
      });
    }).catch(function (err) { toast((strings.failed || "Action failed") + ": " + err.message, true); });
  }

  // ---- density: comfortable (about 5 cards per screen) or compact (about 10) ---------------------
  var density = document.getElementById("density-toggle");
  function applyDensity(compact) {
    document.body.classList.toggle("compact", compact);
    if (density) {
      density.setAttribute("aria-pressed", compact ? "true" : "false");
      density.textContent = compact ? (strings.comfortable || "Comfortable view") : (strings.compact || "Compact view");
    }
  }
  var storedDensity = null;
  try { storedDensity = window.localStorage.getItem("colombe-density"); } catch (e) { storedDensity = null; }
  applyDensity(storedDensity === "compact");
  if (density) density.addEventListener("click", function () {
    var compact = !document.body.classList.contains("compact");
    applyDensity(compact);
    try { window.localStorage.setItem("colombe-density", compact ? "compact" : "comfortable"); } catch (e) { /* private mode */ }
  });

  // Start: focus the target comment in a thread, else the first item of the queue.
  var target = document.getElementById("focus-comment");
  setFocus(target || visibleItems()[0] || null, !!target);
  updateSelection();
  loadSpans();
})();
