/* The search page: results as you type, from the split index in indice/ (see ocds_cdmx/site/searchindex.py).
   Every part of the index is a script that calls CDMX.*, because a page opened from disk may add
   scripts but not fetch files. A query loads one word file per word typed, the filter columns it
   uses and the few result files of the page it shows. */
(function () {
  "use strict";
  var CDMX = (window.CDMX = window.CDMX || {});
  var PAGE = 20;
  var root = "";
  var meta = null;
  var columns = {};
  var shards = {};
  var chunks = {};
  var loading = {};
  var split = null;
  var known = null;
  var stop = null;
  var current = { ids: [], shown: 0 };
  var sequence = 0;

  CDMX.meta = function (m) { meta = m; };
  CDMX.column = function (name, b64) {
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var kind = meta.columns[name];
    columns[name] = kind === "u8" ? bytes : kind === "u16" ? new Uint16Array(bytes.buffer)
      : kind === "u32" ? new Uint32Array(bytes.buffer) : new Float64Array(bytes.buffer);
  };
  CDMX.shard = function (prefix, tokens, posts) { shards[prefix] = { tokens: tokens, posts: posts }; };
  CDMX.docs = function (k, rows) { chunks[k] = rows; };

  function load(path) {
    if (!loading[path]) {
      loading[path] = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = root + "indice/" + path;
        s.async = true;
        s.onload = function () { resolve(); };
        s.onerror = function () { delete loading[path]; reject(new Error(path)); };
        document.head.appendChild(s);
      });
    }
    return loading[path];
  }

  function t(key, params) {
    var lang = window.CDMX_LANG ? window.CDMX_LANG() : "es";
    var text = (window.CDMX_TEXTS && window.CDMX_TEXTS[lang][key]) || key;
    if (params) Object.keys(params).forEach(function (k) { text = text.split("{" + k + "}").join(params[k]); });
    return text;
  }
  function codeName(table, code) {
    var lang = window.CDMX_LANG ? window.CDMX_LANG() : "es";
    var names = window.CDMX_TEXTS && window.CDMX_TEXTS.codes[table][code || ""];
    return names ? names[lang] : code;
  }

  function normalize(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  function words(text) {
    return (normalize(text).match(/[a-z0-9&]+/g) || []).filter(function (w) { return w.length > 1 && !stop.has(w); });
  }
  function shardFor(word) {
    var p = word.slice(0, 2);
    while (split.has(p) && word.length > p.length) p = word.slice(0, p.length + 1);
    return p;
  }
  function shardFile(prefix) { return "t/" + prefix.replace(/&/g, "_26_") + ".js"; }
  function lowerBound(list, value) {
    var lo = 0, hi = list.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (list[mid] < value) lo = mid + 1; else hi = mid; }
    return lo;
  }

  function textMatches(ws) {
    var n = meta.n;
    var count = new Uint8Array(n);
    ws.forEach(function (w, wi) {
      var shard = shards[shardFor(w)];
      if (!shard) return;
      var tokens = shard.tokens;
      for (var i = lowerBound(tokens, w); i < tokens.length; i++) {
        var token = tokens[i];
        if (w.length === 2 ? token !== w : token.lastIndexOf(w, 0) !== 0) break;
        var parts = shard.posts[i].split(",");
        var id = 0;
        for (var j = 0; j < parts.length; j++) {
          id += parseInt(parts[j], 36);
          if (count[id] === wi) count[id] = wi + 1;
        }
      }
    });
    var ids = [];
    var want = ws.length;
    for (var k = 0; k < n; k++) if (count[k] === want) ids.push(k);
    return ids;
  }

  function form() {
    var f = document.getElementById("search");
    var get = function (name) { return f.elements[name].value.trim(); };
    return { q: get("q"), agency: get("agency"), year: get("year"), method: get("method"), category: get("category"),
      stage: get("stage"), min: get("min"), max: get("max"), sort: get("sort") || "recent" };
  }

  function query(state) {
    var ws = words(state.q);
    var needed = ws.filter(function (w) { return known.has(shardFor(w)); })
      .map(function (w) { return load(shardFile(shardFor(w))); });
    var filters = [];
    if (state.agency) filters.push(["agency", meta.agencies.map(function (a) { return a[0]; }).indexOf(state.agency)]);
    if (state.year) filters.push(["year", meta.years.indexOf(parseInt(state.year, 10))]);
    if (state.method) filters.push(["method", meta.methods.indexOf(state.method)]);
    if (state.category) filters.push(["category", meta.categories.indexOf(state.category)]);
    if (state.stage) filters.push(["stage", meta.stages.indexOf(state.stage)]);
    var min = state.min === "" ? null : parseFloat(state.min);
    var max = state.max === "" ? null : parseFloat(state.max);
    var byAmount = min !== null || max !== null;
    var sortAmount = state.sort.indexOf("amount") === 0;
    filters.forEach(function (f) { needed.push(load("c-" + f[0] + ".js")); });
    if (byAmount) needed.push(load("c-amount.js"));
    if (sortAmount) needed.push(load("c-byamount.js"));
    return Promise.all(needed).then(function () {
      var ids;
      if (ws.length) ids = textMatches(ws);
      else { ids = new Array(meta.n); for (var i = 0; i < meta.n; i++) ids[i] = i; }
      if (filters.length || byAmount) {
        var amount = columns.amount;
        ids = ids.filter(function (id) {
          for (var k = 0; k < filters.length; k++) if (columns[filters[k][0]][id] !== filters[k][1]) return false;
          if (min !== null && !(amount[id] >= min)) return false;
          if (max !== null && !(amount[id] <= max)) return false;
          return true;
        });
      }
      if (state.sort === "oldest") ids.reverse();
      else if (sortAmount) {
        // The order by amount comes with the index: keep the matches in that order (no sort here).
        var keep = new Uint8Array(meta.n);
        ids.forEach(function (id) { keep[id] = 1; });
        var order = columns.byamount;
        var sorted = [];
        var priced = 0;  // those with an amount come first in the order (meta.priced of them), then the rest
        for (var o = 0; o < order.length; o++) {
          if (keep[order[o]]) { sorted.push(order[o]); if (o < meta.priced) priced++; }
        }
        if (state.sort === "amount-asc") sorted = sorted.slice(0, priced).reverse().concat(sorted.slice(priced));
        ids = sorted;
      }
      return ids;
    });
  }

  function docOf(id) { return chunks[Math.floor(id / meta.chunk)][id % meta.chunk]; }

  function show(ids, from) {
    var slice = ids.slice(from, from + PAGE);
    var files = {};
    slice.forEach(function (id) { files["d/" + Math.floor(id / meta.chunk) + ".js"] = true; });
    return Promise.all(Object.keys(files).map(load)).then(function () { return slice.map(docOf); });
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function render(docs, append) {
    var list = document.getElementById("results");
    if (!append) list.textContent = "";
    docs.forEach(function (d) {
      var li = element("li");
      li.setAttribute("data-ocid", d[0]);
      var a = element("a", "title", d[2]);
      a.href = root + d[1];
      li.appendChild(a);
      var meta1 = element("div", "meta");
      meta1.appendChild(document.createTextNode(meta.agencies[d[3]][1] + " · " + d[4] + " · " +
        codeName("method", meta.methods[d[6]]) + " · " + t("stage") + ": " + codeName("stage", meta.stages[d[7]])));
      li.appendChild(meta1);
      var amount = element("div", "amount", d[5] || t("no_amount"));
      li.appendChild(amount);
      if (d[8].length) {
        var who = element("div", "meta");
        who.appendChild(document.createTextNode(t("supplier") + ": "));
        d[8].forEach(function (s, i) {
          if (i) who.appendChild(document.createTextNode("; "));
          var link = element("a", "", s[0]);
          link.href = root + s[2];
          who.appendChild(link);
          who.appendChild(document.createTextNode(" (" + s[1] + ")"));
        });
        li.appendChild(who);
      }
      var ocid = element("div", "ocid", d[0]);
      li.appendChild(ocid);
      if (window.CDMX_LINK) li.querySelectorAll("a").forEach(window.CDMX_LINK);
      list.appendChild(li);
    });
  }

  function status(text, count, ms) {
    var el = document.getElementById("status");
    el.textContent = text;
    if (count !== undefined) {
      el.setAttribute("data-count", count);
      el.setAttribute("data-ms", ms.toFixed(1));
      el.setAttribute("data-query", JSON.stringify(Array.from(new FormData(document.getElementById("search")))));
    }
  }

  function describe(count, ms) {
    var text = count === 0 ? t("no_results") : count === 1 ? t("one_result") : t("results", { count: count.toLocaleString("en-US") });
    if (count) text += " (" + t("took", { ms: Math.round(ms) }) + ")";
    return text;
  }

  function syncUrl(state) {
    var params = new URLSearchParams();
    Object.keys(state).forEach(function (k) { if (state[k] && !(k === "sort" && state[k] === "recent")) params.set(k, state[k]); });
    var search = params.toString();
    var link = document.getElementById("share-link");
    link.href = "buscar.html" + (search ? "?" + search : "");
    try { history.replaceState(null, "", location.pathname + (search ? "?" + search : "")); } catch (e) { /* file:// in some browsers */ }
  }

  function run() {
    var started = performance.now();
    var mine = ++sequence;
    var state = form();
    syncUrl(state);
    status(t("loading"));
    query(state).then(function (ids) {
      if (mine !== sequence) return null;
      current = { ids: ids, shown: 0 };
      return show(ids, 0).then(function (docs) {
        if (mine !== sequence) return;
        render(docs, false);
        current.shown = docs.length;
        var ms = performance.now() - started;
        status(describe(ids.length, ms), ids.length, ms);
        more();
      });
    }).catch(function () { if (mine === sequence) status(t("failed")); });
  }

  function more() {
    var button = document.getElementById("more");
    button.hidden = current.shown >= current.ids.length;
    button.textContent = t("more");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var f = document.getElementById("search");
    if (!f) return;
    root = f.getAttribute("data-root") || "";
    var params = new URLSearchParams(location.search);
    ["q", "agency", "year", "method", "category", "stage", "min", "max", "sort"].forEach(function (k) {
      if (params.get(k) !== null && f.elements[k]) f.elements[k].value = params.get(k);
    });
    load("meta.js").then(function () {
      split = new Set(meta.split);
      known = new Set(meta.shards);
      stop = new Set(meta.stopwords);
      f.addEventListener("input", function (e) { if (e.target.tagName !== "SELECT") run(); });
      // Text and number boxes already searched on each keystroke: a "change" on leaving them would
      // redraw the results under the pointer.
      f.addEventListener("change", function (e) { if (e.target.tagName === "SELECT") run(); });
      f.addEventListener("submit", function (e) { e.preventDefault(); run(); });
      f.addEventListener("reset", function () { setTimeout(run, 0); });
      document.getElementById("more").addEventListener("click", function () {
        show(current.ids, current.shown).then(function (docs) {
          render(docs, true);
          current.shown += docs.length;
          more();
        });
      });
      document.addEventListener("cdmx:lang", function () {
        show(current.ids, 0).then(function (docs) {
          render(current.ids.slice(0, Math.max(current.shown, PAGE)).length ? docs : [], false);
          current.shown = docs.length;
          if (current.ids) status(describe(current.ids.length, parseFloat(document.getElementById("status").getAttribute("data-ms") || "0")), current.ids.length, parseFloat(document.getElementById("status").getAttribute("data-ms") || "0"));
          more();
        });
      });
      run();
    }).catch(function () { status(t("failed")); });
  });
})();
