/* secgate HTML report: filters, search, sorting and paging over the embedded findings.
   Every value from a scanner is put on the page with textContent, never as markup. */
(function () {
  "use strict";
  var source = document.getElementById("secgate-data");
  var rows = JSON.parse(source.textContent).findings;
  var DECISION_RANK = { block: 0, warn: 1, pass: 2, ignore: 3, none: 4 };
  var state = { severity: "", tool: "", category: "", decision: "", q: "",
                sort: "severity", dir: 1, page: 0, size: 100 };
  var expanded = {};
  var tbody = document.querySelector("#findings-table tbody");

  rows.forEach(function (f, i) {
    f.i = i;
    f.q = [f.m, f.rule, f.rn || "", f.loc, f.pkg || "", f.t.join(" "), f.c, f.d, f.s,
           f.ids.map(function (x) { return x[0]; }).join(" "), f.kx ? "kev" : "",
           f.epss ? "epss" : "", f.rch || ""].join("\n").toLowerCase();
  });

  function byText(key) {
    return function (a, b) { return a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0; };
  }
  var ORDER = {
    severity: function (a, b) { return (b.r - a.r) || (b.sc - a.sc); },
    decision: function (a, b) { return DECISION_RANK[a.d] - DECISION_RANK[b.d]; },
    tool: function (a, b) { return byText("tt")(a, b); },
    category: byText("c"),
    rule: byText("rule"),
    location: byText("loc")
  };
  rows.forEach(function (f) { f.tt = f.t.join(","); });

  function matches(f) {
    if (state.severity && f.s !== state.severity) { return false; }
    if (state.category && f.c !== state.category) { return false; }
    if (state.decision && f.d !== state.decision) { return false; }
    if (state.tool && f.t.indexOf(state.tool) < 0) { return false; }
    if (state.q && f.q.indexOf(state.q) < 0) { return false; }
    return true;
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function link(label, url) {
    var a = el("a", label);
    a.href = url;
    a.rel = "noopener noreferrer";
    a.target = "_blank";
    return a;
  }

  function detailList(f) {
    var dl = el("dl", null, "finding-details");
    function add(label, value) {
      if (value === undefined || value === null || value === "" ||
          (value.length !== undefined && value.length === 0)) { return; }
      dl.appendChild(el("dt", label));
      var dd = el("dd");
      if (value instanceof Node) { dd.appendChild(value); } else { dd.textContent = String(value); }
      dl.appendChild(dd);
    }
    add("Message", f.m);
    add("Location", f.loc);
    if (f.snip) { add("Snippet", el("pre", f.snip)); }
    add("Decision", f.d + (f.why ? ": " + f.why : "") + (f.by ? " [" + f.by + "]" : ""));
    if (f.exp) { add("Accepted until", f.exp); }
    add("Found by", f.t.join(", "));
    add("Sources", (f.src || []).join("; "));
    if (f.ids.length) {
      var ids = el("span", null, "id-list");
      f.ids.forEach(function (pair) {
        ids.appendChild(pair[1] ? link(pair[0], pair[1]) : el("span", pair[0]));
      });
      add("Ids", ids);
    }
    add("Package", f.pkg);
    add("Fixed versions", (f.fix || []).join(", "));
    add("Known exploited (CISA KEV)", f.kev);
    add("EPSS", f.epss);
    add("Reachability", f.rch);
    var rule = el("span", f.rule + (f.rn ? " — " + f.rn : ""));
    if (f.help) { rule.appendChild(document.createTextNode(" ")); rule.appendChild(link("help", f.help)); }
    add("Rule", rule);
    add("Severity", f.s + " (score " + f.sc + ")");
    add("Baseline", f.b);
    add("Secret", f.sec);
    add("Suppression", f.supp);
    add("Fingerprint", f.fp);
    return dl;
  }

  function rowFor(f) {
    var tr = el("tr", null, "finding");
    tr.setAttribute("data-index", String(f.i));
    var sev = el("td"); sev.appendChild(el("span", f.s, "sev sev-" + f.s));
    if (f.kx) { sev.appendChild(el("span", "KEV", "badge badge-kev")); }
    if (f.ru) { sev.appendChild(el("span", "unreachable", "badge badge-unreachable")); }
    tr.appendChild(sev);
    tr.appendChild(el("td", f.d, "dec-" + f.d));
    tr.appendChild(el("td", f.t.join(", ")));
    tr.appendChild(el("td", f.c));
    tr.appendChild(el("td", f.rule));
    tr.appendChild(el("td", f.loc));
    tr.appendChild(el("td", f.m.length > 240 ? f.m.slice(0, 239) + "…" : f.m, "message"));
    tr.addEventListener("click", function () {
      expanded[f.i] = !expanded[f.i];
      render();
    });
    return tr;
  }

  function render() {
    var list = rows.filter(matches);
    var order = ORDER[state.sort];
    list.sort(function (a, b) { return (order(a, b) * state.dir) || (a.i - b.i); });
    var pages = Math.max(1, Math.ceil(list.length / state.size));
    if (state.page >= pages) { state.page = pages - 1; }
    var start = state.page * state.size;
    var shown = list.slice(start, start + state.size);
    var fragment = document.createDocumentFragment();
    shown.forEach(function (f) {
      fragment.appendChild(rowFor(f));
      if (expanded[f.i]) {
        var tr = el("tr", null, "details");
        var td = el("td");
        td.colSpan = 7;
        td.appendChild(detailList(f));
        tr.appendChild(td);
        fragment.appendChild(tr);
      }
    });
    tbody.replaceChildren(fragment);
    var text = list.length ? "Showing " + (start + 1) + "–" + (start + shown.length) + " of " +
      list.length : "No finding matches";
    if (list.length !== rows.length) { text += " (filtered from " + rows.length + ")"; }
    document.getElementById("shown").textContent = text;
    document.getElementById("page").textContent = "Page " + (state.page + 1) + " of " + pages;
    document.getElementById("prev").disabled = state.page === 0;
    document.getElementById("next").disabled = state.page >= pages - 1;
    document.querySelectorAll("th[data-sort]").forEach(function (th) {
      var key = th.getAttribute("data-sort");
      if (key === state.sort) {
        th.setAttribute("aria-sort", state.dir === 1 ? "descending" : "ascending");
      } else {
        th.removeAttribute("aria-sort");
      }
    });
  }

  document.querySelectorAll("select[data-filter]").forEach(function (select) {
    select.addEventListener("change", function () {
      state[select.getAttribute("data-filter")] = select.value;
      state.page = 0;
      render();
    });
  });
  document.getElementById("search").addEventListener("input", function (event) {
    state.q = event.target.value.trim().toLowerCase();
    state.page = 0;
    render();
  });
  document.getElementById("page-size").addEventListener("change", function (event) {
    state.size = parseInt(event.target.value, 10) || 100;
    state.page = 0;
    render();
  });
  document.getElementById("controls").addEventListener("submit", function (event) {
    event.preventDefault();
  });
  document.getElementById("prev").addEventListener("click", function () {
    state.page = Math.max(0, state.page - 1);
    render();
  });
  document.getElementById("next").addEventListener("click", function () {
    state.page += 1;
    render();
  });
  document.querySelectorAll("th[data-sort]").forEach(function (th) {
    th.addEventListener("click", function () {
      var key = th.getAttribute("data-sort");
      state.dir = key === state.sort ? -state.dir : 1;
      state.sort = key;
      render();
    });
  });
  render();
}());
