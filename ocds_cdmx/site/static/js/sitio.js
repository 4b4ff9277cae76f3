/* The language switch: every page holds Spanish and English; this shows one of them and remembers the
   choice: in localStorage where the site is served, and in the links (?lang=en) for pages opened from
   disk, where Chromium keeps no localStorage from one file to the next. */
(function () {
  "use strict";
  var html = document.documentElement;
  var ATTRS = ["aria-label", "placeholder", "title", "alt", "content"];

  function lang() { return html.classList.contains("lang-en") ? "en" : "es"; }

  function link(a) {
    var href = a.getAttribute("href");
    if (!href || /^(#|[a-z]+:)/i.test(href) || !/\.html($|[?#])/.test(href)) return;
    var url = new URL(href, location.href);
    if (lang() === "en") url.searchParams.set("lang", "en"); else url.searchParams.delete("lang");
    var query = url.searchParams.toString();
    a.setAttribute("href", href.split(/[?#]/)[0] + (query ? "?" + query : "") + url.hash);
  }

  function apply(to) {
    var en = to === "en";
    html.classList.toggle("lang-en", en);
    document.querySelectorAll("[data-en]").forEach(function (el) {
      if (!el.hasAttribute("data-es")) el.setAttribute("data-es", el.textContent);
      el.textContent = en ? el.getAttribute("data-en") : el.getAttribute("data-es");
    });
    ATTRS.forEach(function (name) {
      document.querySelectorAll("[data-en-" + name + "]").forEach(function (el) {
        var keep = "data-es-" + name;
        if (!el.hasAttribute(keep)) el.setAttribute(keep, el.getAttribute(name) || "");
        el.setAttribute(name, en ? el.getAttribute("data-en-" + name) : el.getAttribute(keep));
      });
    });
    document.querySelectorAll("a[href]").forEach(link);
    document.dispatchEvent(new CustomEvent("cdmx:lang", { detail: to }));
  }

  window.CDMX_LANG = lang;
  window.CDMX_LINK = link;
  document.addEventListener("DOMContentLoaded", function () {
    if (lang() === "en") apply("en");
    var button = document.getElementById("lang-switch");
    if (!button) return;
    button.addEventListener("click", function () {
      var to = lang() === "en" ? "es" : "en";
      try { localStorage.setItem("cdmx-lang", to); } catch (e) { /* private mode: this page only */ }
      apply(to);
    });
  });
})();
