/* Refund Desk: keeps deadline countdowns current and focus sensible after htmx swaps. No dependencies. */
(function () {
  "use strict";

  var MINUTE = 60 * 1000;
  var HOUR = 60 * MINUTE;
  var DAY = 24 * HOUR;

  function loadStrings() {
    var node = document.getElementById("countdown-strings");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (e) {
      return null;
    }
  }

  var strings = null;
  var plurals = null;

  function phrase(unit, count, overdue) {
    var forms = strings[unit + (overdue ? "_overdue" : "")];
    if (!forms) return null;
    var category = plurals ? plurals.select(count) : count === 1 ? "one" : "other";
    var template = forms[category] || forms.other || forms.many;
    return template ? template.replace("{n}", String(count)) : null;
  }

  function render(el, now) {
    var deadline = Date.parse(el.getAttribute("datetime"));
    if (isNaN(deadline)) return;
    var delta = deadline - now;
    var overdue = delta < 0;
    var remaining = Math.abs(delta);
    var text;
    if (remaining >= DAY) {
      text = phrase("day", Math.floor(remaining / DAY), overdue);
    } else if (remaining >= HOUR) {
      text = phrase("hour", Math.floor(remaining / HOUR), overdue);
    } else if (remaining >= MINUTE) {
      text = phrase("minute", Math.floor(remaining / MINUTE), overdue);
    } else {
      text = strings.now;
    }
    if (text && el.textContent !== text) el.textContent = text;
    el.classList.toggle("countdown--overdue", overdue);
  }

  function refresh(root) {
    if (!strings) return;
    var now = Date.now();
    var nodes = (root || document).querySelectorAll("time[data-countdown]");
    for (var i = 0; i < nodes.length; i++) render(nodes[i], now);
  }

  document.addEventListener("DOMContentLoaded", function () {
    strings = loadStrings();
    try {
      plurals = new Intl.PluralRules(document.documentElement.lang || "en");
    } catch (e) {
      plurals = null;
    }
    refresh(document);
    window.setInterval(function () { refresh(document); }, 30 * 1000);
  });

  // After htmx swaps in a fragment: update its countdowns and put keyboard focus on its message,
  // since the button that had focus was replaced.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.elt;
    if (!target || !target.querySelectorAll) return;
    refresh(target);
    var message = target.querySelector("[data-focus-after-swap]");
    if (message) message.focus();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var region = document.getElementById("queue-results");
    if (region && event.detail && event.detail.target === region) region.setAttribute("aria-busy", "true");
  });
  document.addEventListener("htmx:afterRequest", function () {
    var region = document.getElementById("queue-results");
    if (region) region.setAttribute("aria-busy", "false");
  });
})();
