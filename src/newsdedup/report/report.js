"use strict";
// newsdedup report: every piece of run data becomes text nodes (textContent / createTextNode),
// never markup; links are built from fixed prefixes and encodeURIComponent, external links
// only for http(s) urls.
(function () {
  const DATA = JSON.parse(document.getElementById("data").textContent);
  const EXECUTION = JSON.parse(document.getElementById("execution").textContent || "{}");
  const PAGE = 50, PAGE_MEMBERS = 20;
  const main = document.getElementById("main");
  // the tables and texts are unpacked after the overview is shown
  let D, C, M, B, R, N, TEXTS, docIndex, clusterIndex;
  let clusterSize, clusterMinSim, flagsByCluster, removedByDoc, matchesByDoc, rejectByDoc, across;
  const loaded = (async () => {
    const tables = JSON.parse(new TextDecoder().decode(await inflate64(DATA.tables)));
    ({ docs: D, clusters: C, matches: M, boilerplate: B, rejects: R } = tables);
    N = D.id.length;
    derive();
    TEXTS = await unpackTexts(DATA.texts);
  })();
  loaded.catch(() => {});  // reported when a view needs the tables
  const state = { clusters: { sort: "size", minSize: 2, maxSim: "", source: "", flagged: false, page: 0 },
                  documents: { query: "", status: "", page: 0 }, passages: { minScore: "", page: 0 },
                  rejects: { page: 0 } };

  // ---- building elements ------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c === null || c === undefined || c === false) continue;
      e.append(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return e;
  }
  const fmt = (n) => Number(n).toLocaleString("en-US");
  const docLink = (i, label) => el("a", { href: "#doc/" + encodeURIComponent(D.id[i]), class: "doc" }, label === undefined ? D.id[i] : label);
  const clusterLink = (c, label) => el("a", { href: "#cluster/" + encodeURIComponent(C.id[c]), class: "cluster" }, label === undefined ? C.id[c] : label);
  function externalLink(url) {
    if (!url) return null;
    if (/^https?:\/\//i.test(url)) return el("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, url);
    return el("span", {}, url);
  }
  const paragraphs = (i) => (TEXTS[i] ? TEXTS[i].split("\n\n") : []);

  // ---- texts: word-coded, deflated (newsdedup/report/textpack.py) ----------------------
  async function inflate64(b64) {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  async function unpackTexts(packed) {
    const vocab = JSON.parse(new TextDecoder().decode(await inflate64(packed.vocab)));
    const ids = await inflate64(packed.ids);
    const texts = [];
    let parts = [], value = 0, scale = 1;
    for (let i = 0; i < ids.length; i++) {
      const b = ids[i];
      value += (b & 127) * scale;
      scale *= 128;
      if (b < 128) {
        if (value === 0) { texts.push(parts.join(" ")); parts = []; } else parts.push(vocab[value - 1]);
        value = 0; scale = 1;
      }
    }
    return texts;
  }

  // ---- derived indexes ----------------------------------------------------------------
  function derive() {
    docIndex = new Map(D.id.map((id, i) => [id, i]));
    clusterIndex = new Map(C.id.map((id, i) => [id, i]));
    clusterSize = C.members.map((m) => m.length);
    clusterMinSim = C.members.map((m, c) => m.reduce((low, i) => (i === C.canonical[c] ? low : Math.min(low, D.similarity[i] ?? 1)), 1));
    flagsByCluster = new Map();
    for (const f of DATA.flags) {
      const c = clusterIndex.get(f.cluster);
      if (!flagsByCluster.has(c)) flagsByCluster.set(c, []);
      flagsByCluster.get(c).push(f);
    }
    removedByDoc = new Map();
    B.doc.forEach((d, j) => { if (!removedByDoc.has(d)) removedByDoc.set(d, []); removedByDoc.get(d).push(j); });
    matchesByDoc = new Map();
    M.a.forEach((a, k) => {
      for (const d of [a, M.b[k]]) { if (!matchesByDoc.has(d)) matchesByDoc.set(d, []); matchesByDoc.get(d).push(k); }
    });
    rejectByDoc = new Map(R.doc.map((d, k) => [d, k]));
    // shared passages grouped by the pair of documents, best pair first
    const groups = new Map();
    M.a.forEach((a, k) => {
      if (M.same[k]) return;
      const key = a + " " + M.b[k];
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(k);
    });
    across = [...groups.values()].map((ks) => ks.sort((x, y) => M.pa[x] - M.pa[y] || M.pb[x] - M.pb[y]))
      .map((ks) => ({ ks, best: Math.max(...ks.map((k) => M.score[k])) }))
      .sort((x, y) => y.best - x.best || x.ks[0] - y.ks[0]);
  }

  // ---- small SVG bar charts -----------------------------------------------------------
  const SVG = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function bars(title, rows, unit) {
    const rowH = 18, labelW = 130, barW = 220, width = labelW + barW + 70;
    const max = Math.max(1e-9, ...rows.map((r) => r[1]));
    const chart = svg("svg", { width, height: rows.length * rowH + 4, role: "img", class: "bars" });
    chart.append(svg("title", {}, title));
    rows.forEach(([label, value], i) => {
      const y = i * rowH + 2;
      chart.append(svg("text", { x: labelW - 6, y: y + 13, "text-anchor": "end" }, label));
      chart.append(svg("rect", { x: labelW, y: y + 2, width: Math.max(1, (value / max) * barW), height: rowH - 5, class: "bar" }));
      chart.append(svg("text", { x: labelW + Math.max(1, (value / max) * barW) + 4, y: y + 13 }, unit ? value.toFixed(2) + unit : fmt(value)));
    });
    return el("figure", {}, el("figcaption", {}, title), rows.length ? chart : el("p", { class: "muted" }, "none"));
  }
  // ---- views --------------------------------------------------------------------------
  function section(title, ...children) { return el("section", {}, el("h2", {}, title), ...children); }
  function count(name, label) {
    return el("div", { class: "count" }, el("span", { class: "n", "data-count": name }, fmt(DATA.counts[name])), el("span", {}, label));
  }

  function overview() {
    const c = DATA.counts;
    const parts = [];
    if (DATA.flags.length) parts.push(flagsSection());
    parts.push(section("The run at a glance",
      el("div", { class: "flow" }, count("inputs", "inputs"), el("span", { class: "arrow" }, "→"),
        count("rejected", "rejected"), count("kept", "kept"), count("duplicates", "duplicates")),
      el("div", { class: "flow" }, count("clusters", "clusters"), count("clusters_with_duplicates", "with duplicates"),
        count("matches", "paragraph matches"), count("matches_across_clusters", "across clusters"),
        count("boilerplate_paragraphs", "paragraphs removed"), count("boilerplate_chars_removed", "chars removed"),
        count("pairs_examined", "pairs examined"), count("read_with_warnings", "read with warnings")),
      el("p", { class: "muted" }, `clean text: ${fmt(c.clean_chars)} of ${fmt(c.raw_chars)} characters; newsdedup ${DATA.version}`),
      DATA.shown.documents < DATA.shown.of ? el("p", { id: "shown-part" }, `This page shows ${fmt(DATA.shown.documents)} of the ` +
        `${fmt(DATA.shown.of)} documents (clusters with duplicates, largest first, then documents sharing passages; ` +
        "setting report_max_docs); the counts and charts above are of the whole run, and the tables hold every document.") : null));
    const P = DATA.plots;
    const timings = Object.entries((EXECUTION && EXECUTION.timings_s) || {});
    parts.push(el("div", { class: "plots" },
      bars("boilerplate removed, by reason (paragraphs)", P.boilerplate_by_reason),
      bars("cluster sizes (clusters)", P.cluster_sizes),
      bars("match scores within clusters", P.scores_within),
      bars("match scores across clusters", P.scores_across),
      el("div", { id: "timings" }, bars(`stage timings (workers: ${(EXECUTION && EXECUTION.workers) || "?"}${memoryNote()})`, timings, " s"))));
    return el("div", {}, ...parts);
  }

  function memoryNote() {
    const m = EXECUTION && EXECUTION.peak_memory_mb;
    return m ? `; peak memory ${fmt(m.this_process)} MB, largest helper ${fmt(m.largest_child)} MB` : "";
  }

  function flagTexts(f) {
    const texts = [];
    if (f.far_members.length) {
      texts.push(`${f.far_members.length} member(s) joined through other members: no verified pair with the canonical, ` +
        `down to ${Math.round(f.least_aligned * 100)}% of a member's text aligned with it`);
    }
    if (f.outsized_from) texts.push(`${f.size} members: much larger than most clusters (flagged from ${f.outsized_from})`);
    return texts;
  }
  const FLAGS_SHOWN = 10;
  function flagsSection() {
    const shown = DATA.flags.slice(0, FLAGS_SHOWN);
    const list = el("ul", { class: "flags" }, ...shown.map((f) => el("li", { "data-flag": f.cluster },
      el("a", { href: "#cluster/" + encodeURIComponent(f.cluster), class: "cluster" }, f.cluster), " ",
      f.far_members.length ? el("span", { class: "tag warn" }, "far members") : null,
      f.outsized_from ? el("span", { class: "tag warn" }, "large") : null, flagTexts(f).join("; "))));
    return section(`Possible chaining (${fmt(DATA.flags.length)} clusters)`, el("p", { class: "muted" },
      "Clusters that may be held together by a chain of copies rather than by one story: look at them before trusting them."),
      list, DATA.flags.length > shown.length ? el("p", {}, `… ${fmt(DATA.flags.length - shown.length)} more: `,
        el("a", { href: "#clusters", id: "flagged-link" }, "the cluster list, flagged only")) : null);
  }

  function pager(total, st, rerender, size = PAGE) {
    const pages = Math.max(1, Math.ceil(total / size));
    st.page = Math.min(st.page, pages - 1);
    const prev = el("button", { type: "button" }, "‹ previous"), next = el("button", { type: "button" }, "next ›");
    prev.disabled = st.page === 0; next.disabled = st.page >= pages - 1;
    prev.addEventListener("click", () => { st.page--; rerender(); });
    next.addEventListener("click", () => { st.page++; rerender(); });
    const from = total ? st.page * size + 1 : 0, to = Math.min(total, (st.page + 1) * size);
    return el("div", { class: "pager" }, prev, ` ${fmt(from)}–${fmt(to)} of ${fmt(total)} `, next);
  }
  function input(st, key, attrs, rerender) {
    const e = el("input", attrs);
    e.value = st[key];
    e.addEventListener(attrs.type === "checkbox" ? "change" : "input", () => {
      st[key] = attrs.type === "checkbox" ? e.checked : e.value; st.page = 0; rerender();
    });
    if (attrs.type === "checkbox") e.checked = st[key];
    return e;
  }

  function clusterList() {
    const st = state.clusters;
    const box = el("div");
    const rerender = () => box.replaceChildren(clusterRows());
    const sort = el("select", {}, ...[["size", "largest first"], ["similarity", "least similar member first"], ["id", "by id"]]
      .map(([v, l]) => el("option", { value: v }, l)));
    sort.value = st.sort;
    sort.addEventListener("change", () => { st.sort = sort.value; st.page = 0; rerender(); });
    const controls = el("div", { class: "controls" },
      el("label", {}, "sort ", sort),
      el("label", {}, "size at least ", input(st, "minSize", { type: "number", min: "1", class: "num" }, rerender)),
      el("label", {}, "a member's similarity below ", input(st, "maxSim", { type: "number", step: "0.05", min: "0", max: "1", class: "num" }, rerender)),
      el("label", {}, "source or url contains ", input(st, "source", { type: "search" }, rerender)),
      el("label", {}, input(st, "flagged", { type: "checkbox" }, rerender), " flagged only"));
    rerender();
    return section("Clusters", controls, box);
  }
  function clusterRows() {
    const st = state.clusters;
    const minSize = Number(st.minSize) || 1, maxSim = st.maxSim === "" ? null : Number(st.maxSim);
    const needle = st.source.trim().toLowerCase();
    let rows = [];
    for (let c = 0; c < C.id.length; c++) {
      if (clusterSize[c] < minSize) continue;
      if (maxSim !== null && !(clusterMinSim[c] < maxSim)) continue;
      if (st.flagged && !flagsByCluster.has(c)) continue;
      if (needle && !C.members[c].some((i) => (D.source[i] || "").toLowerCase().includes(needle) || (D.url[i] || "").toLowerCase().includes(needle))) continue;
      rows.push(c);
    }
    const key = { size: (x, y) => clusterSize[y] - clusterSize[x], similarity: (x, y) => clusterMinSim[x] - clusterMinSim[y], id: () => 0 }[st.sort];
    rows.sort((x, y) => key(x, y) || x - y);
    const page = rows.slice(st.page * PAGE, (st.page + 1) * PAGE);
    const table = el("table", { class: "list", id: "cluster-list" },
      el("thead", {}, el("tr", {}, ...["cluster", "size", "least similarity", "canonical", "title", ""].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...page.map((c) => el("tr", { "data-cluster": C.id[c] },
        el("td", {}, clusterLink(c)), el("td", { class: "num" }, clusterSize[c]),
        el("td", { class: "num" }, clusterSize[c] > 1 ? clusterMinSim[c].toFixed(3) : ""),
        el("td", {}, docLink(C.canonical[c])), el("td", { class: "title" }, D.title[C.canonical[c]] || ""),
        el("td", {}, flagsByCluster.has(c) ? el("span", { class: "tag warn" }, "flagged") : null)))));
    return el("div", {}, pager(rows.length, st, () => main.querySelector("#cluster-list").parentElement.replaceWith(clusterRows())), table);
  }

  // aligned rows of a canonical and a member: [canonical paragraph | null, member paragraph | null, score | null]
  function alignRows(nCanon, nMember, pairs) {
    const byMember = new Map(pairs.map(([pc, pm, s]) => [pm, [pc, s]]));
    const matchedCanon = new Set(pairs.map(([pc]) => pc));
    const rows = [];
    let next = 0;
    for (let pm = 0; pm < nMember; pm++) {
      const hit = byMember.get(pm);
      if (!hit) { rows.push([null, pm, null]); continue; }
      for (; next < hit[0]; next++) if (!matchedCanon.has(next)) rows.push([next, null, null]);
      rows.push([hit[0], pm, hit[1]]);
      next = Math.max(next, hit[0] + 1);
    }
    for (; next < nCanon; next++) if (!matchedCanon.has(next)) rows.push([next, null, null]);
    return rows;
  }
  function wordDiff(a, b) {
    const x = a.match(/\S+\s*/g) || [], y = b.match(/\S+\s*/g) || [];
    if (x.length * y.length > 250000) return [[[a, true]], [[b, true]]];
    const n = x.length, m = y.length, L = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
    const same = (i, j) => x[i].trim() === y[j].trim();
    for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = same(i, j) ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
    const left = [], right = [];
    let i = 0, j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && same(i, j)) { left.push([x[i++], false]); right.push([y[j++], false]); }
      else if (j < m && (i >= n || L[i][j + 1] >= L[i + 1][j])) right.push([y[j++], true]);
      else left.push([x[i++], true]);
    }
    return [left, right];
  }
  function marked(pieces, cls) {
    return pieces.map(([t, changed]) => (changed ? el("span", { class: cls }, t) : document.createTextNode(t)));
  }
  function pairsBetween(canon, member) {
    const out = [];
    for (const k of matchesByDoc.get(member) || []) {
      if (!M.same[k]) continue;
      if (M.a[k] === canon && M.b[k] === member) out.push([M.pa[k], M.pb[k], M.score[k]]);
      else if (M.b[k] === canon && M.a[k] === member) out.push([M.pb[k], M.pa[k], M.score[k]]);
    }
    return out;
  }
  function sideBySide(canon, member) {
    const cp = paragraphs(canon), mp = paragraphs(member);
    const grid = el("div", { class: "aligned" },
      el("div", { class: "head" }, "canonical ", docLink(canon)), el("div", { class: "head" }, "member ", docLink(member)));
    for (const [pc, pm, score] of alignRows(cp.length, mp.length, pairsBetween(canon, member))) {
      let kind, left, right;
      if (pc === null) { kind = "added"; left = []; right = [document.createTextNode(mp[pm])]; }
      else if (pm === null) { kind = "missing"; left = [document.createTextNode(cp[pc])]; right = []; }
      else if (cp[pc] === mp[pm]) { kind = "same"; left = [document.createTextNode(cp[pc])]; right = [document.createTextNode(mp[pm])]; }
      else { kind = "edited"; const [l, r] = wordDiff(cp[pc], mp[pm]); left = marked(l, "del"); right = marked(r, "ins"); }
      const label = kind === "edited" ? `edited ${score.toFixed(1)}` : kind === "same" ? "" : kind;
      grid.append(el("div", { class: "cell left " + kind, "data-kind": kind }, label ? el("span", { class: "tag " + kind }, label) : null, ...left),
                  el("div", { class: "cell right " + kind, "data-kind": kind }, ...right));
    }
    return grid;
  }
  function clusterView(c) {
    if (c === undefined) return el("p", {}, "No such cluster.");
    const canon = C.canonical[c];
    const members = C.members[c].filter((i) => i !== canon).sort((x, y) => (D.similarity[x] ?? 1) - (D.similarity[y] ?? 1) || x - y);
    const flags = (flagsByCluster.get(c) || []).flatMap(flagTexts).map((t) => el("p", { class: "warn" }, "⚠ ", t));
    const far = new Set((flagsByCluster.get(c) || []).flatMap((f) => f.far_members));
    const legend = el("p", { class: "legend" }, el("span", { class: "tag edited" }, "edited"), " words ",
      el("span", { class: "del" }, "only in the canonical"), " / ", el("span", { class: "ins" }, "only in the member"), "; ",
      el("span", { class: "tag added" }, "added"), " paragraph only in the member; ", el("span", { class: "tag missing" }, "missing"), " only in the canonical");
    const memberBlock = (m) => el("section", { class: "member", "data-member": D.id[m] },
      el("h3", {}, docLink(m), ` similarity ${(D.similarity[m] ?? 0).toFixed(3)} `,
        far.has(D.id[m]) ? el("span", { class: "tag warn" }, "far from the canonical") : null, el("span", { class: "muted" }, D.source[m] || "")),
      sideBySide(canon, m));
    // members a page at a time (PAGE_MEMBERS), least similar first: a cluster of thousands stays quick
    const st = { page: 0 }, box = el("div");
    const rerender = () => box.replaceChildren(
      ...(members.length > PAGE_MEMBERS ? [pager(members.length, st, rerender, PAGE_MEMBERS)] : []),
      ...members.slice(st.page * PAGE_MEMBERS, (st.page + 1) * PAGE_MEMBERS).map(memberBlock));
    rerender();
    return el("section", { id: "cluster-view" }, el("h2", {}, "Cluster ", C.id[c]),
      el("p", {}, `${clusterSize[c]} member(s); canonical `, docLink(canon), " ", el("span", { class: "title" }, D.title[canon] || "")),
      ...flags, members.length ? legend : el("p", {}, "A single document: nothing to compare."), box);
  }

  function documentList() {
    const st = state.documents;
    const box = el("div");
    const rerender = () => box.replaceChildren(documentRows());
    const status = el("select", {}, ...[["", "any status"], ["kept", "kept"], ["duplicate", "duplicate"], ["rejected", "rejected"]]
      .map(([v, l]) => el("option", { value: v }, l)));
    status.value = st.status;
    status.addEventListener("change", () => { st.status = status.value; st.page = 0; rerender(); });
    rerender();
    return section("Documents", el("div", { class: "controls" },
      el("label", {}, "id or title contains ", input(st, "query", { type: "search" }, rerender)), status), box);
  }
  function documentRows() {
    const st = state.documents, needle = st.query.trim().toLowerCase();
    const rows = [];
    for (let i = 0; i < N; i++) {
      if (st.status && D.status[i] !== st.status) continue;
      if (needle && !D.id[i].toLowerCase().includes(needle) && !(D.title[i] || "").toLowerCase().includes(needle)) continue;
      rows.push(i);
    }
    rows.sort((x, y) => (D.id[x] < D.id[y] ? -1 : D.id[x] > D.id[y] ? 1 : 0));
    const page = rows.slice(st.page * PAGE, (st.page + 1) * PAGE);
    return el("div", {}, pager(rows.length, st, () => main.querySelector("#document-list").parentElement.replaceWith(documentRows())),
      el("table", { class: "list", id: "document-list" },
        el("thead", {}, el("tr", {}, ...["document", "status", "title", "cluster", "clean chars", "removed"].map((h) => el("th", {}, h)))),
        el("tbody", {}, ...page.map((i) => el("tr", {}, el("td", {}, docLink(i)), el("td", {}, D.status[i]),
          el("td", { class: "title" }, D.title[i] || ""), el("td", {}, D.cluster[i] >= 0 ? clusterLink(D.cluster[i]) : ""),
          el("td", { class: "num" }, fmt(D.clean_chars[i])), el("td", { class: "num" }, (removedByDoc.get(i) || []).length))))));
  }

  function documentView(i) {
    if (i === undefined) return el("p", {}, "No such document.");
    const meta = el("dl", { class: "meta" });
    const add = (k, v) => { if (v !== null && v !== undefined && v !== "") meta.append(el("dt", {}, k), el("dd", {}, v)); };
    add("document", D.id[i]); add("status", D.status[i]); add("source", D.source[i]); add("url", externalLink(D.url[i]));
    add("date", D.date[i]);
    if (D.cluster[i] >= 0) {
      add("cluster", clusterLink(D.cluster[i])); add("canonical", docLink(C.canonical[D.cluster[i]]));
      add("similarity", D.similarity[i] === null ? "" : D.similarity[i].toFixed(3));
    }
    add("characters", `${fmt(D.clean_chars[i])} clean of ${fmt(D.raw_chars[i])}`); add("warning", D.warning[i]);
    if (rejectByDoc.has(i)) add("rejected", R.error[rejectByDoc.get(i)]);
    const kept = paragraphs(i), removed = removedByDoc.get(i) || [];
    const removedAt = new Map(removed.map((j) => [B.para[j], j]));
    const body = el("div", { class: "text", id: "document-text" });
    const matchesOf = new Map();
    for (const k of matchesByDoc.get(i) || []) {
      const [mine, other, otherPara] = M.a[k] === i ? [M.pa[k], M.b[k], M.pb[k]] : [M.pb[k], M.a[k], M.pa[k]];
      if (!matchesOf.has(mine)) matchesOf.set(mine, []);
      matchesOf.get(mine).push([other, otherPara, M.score[k], M.same[k]]);
    }
    let k = 0;
    const total = kept.length + removed.length;
    for (let p = 0; p < total; p++) {
      if (removedAt.has(p)) {
        const j = removedAt.get(p);
        body.append(el("p", { class: "removed", "data-reason": B.reasons[B.reason[j]] }, el("span", { class: "tag reason" }, B.reasons[B.reason[j]]), TEXTS[N + j]));
      } else if (k < kept.length) {
        const refs = (matchesOf.get(k) || []).map(([o, op, s, same]) => el("span", { class: "ref" }, same ? "copy in " : "shared with ", docLink(o, `${D.id[o]} ¶${op}`), ` ${s.toFixed(1)}`));
        body.append(el("p", { class: "kept", "data-para": k }, kept[k], refs.length ? el("span", { class: "refs" }, ...refs) : null));
        k++;
      }
    }
    return el("section", { id: "document-view" }, el("h2", {}, D.title[i] || D.id[i]), meta,
      el("p", { class: "legend" }, "Removed paragraphs are shown in place, greyed, with their reason."), body);
  }

  function passages() {
    const st = state.passages;
    const box = el("div");
    const rerender = () => box.replaceChildren(passageRows());
    rerender();
    return section("Shared passages across stories", el("p", { class: "muted" },
      "Paragraphs two documents of different clusters share (quotes, syndicated passages), by pair of documents."), el("div", { class: "controls" },
      el("label", {}, "best score at least ", input(st, "minScore", { type: "number", min: "0", max: "100", class: "num" }, rerender))), box);
  }
  function passageRows() {
    const st = state.passages, min = st.minScore === "" ? -1 : Number(st.minScore);
    const rows = across.filter((g) => g.best >= min);
    const para = (d, p) => paragraphs(d)[p] || "";
    const page = rows.slice(st.page * PAGE, (st.page + 1) * PAGE);
    return el("div", { id: "passage-list" }, pager(rows.length, st, () => main.querySelector("#passage-list").replaceWith(passageRows())),
      ...page.map(({ ks, best }) => {
        const a = M.a[ks[0]], b = M.b[ks[0]];
        const grid = el("div", { class: "aligned" },
          el("div", { class: "head" }, docLink(a), " ", el("span", { class: "muted" }, D.title[a] || "")),
          el("div", { class: "head" }, docLink(b), " ", el("span", { class: "muted" }, D.title[b] || "")));
        for (const k of ks) {
          grid.append(el("div", { class: "cell" }, el("span", { class: "tag" }, `¶${M.pa[k]} · score ${M.score[k].toFixed(1)}`), para(a, M.pa[k])),
                      el("div", { class: "cell" }, el("span", { class: "tag" }, `¶${M.pb[k]}`), para(b, M.pb[k])));
        }
        return el("div", { class: "passage" }, el("div", { class: "head" }, `${ks.length} shared paragraph(s), best score `,
          el("span", { class: "score" }, best.toFixed(1))), grid);
      }));
  }

  function rejects() {
    const st = state.rejects;
    const box = el("div");
    const rows = () => {
      const page = R.id.map((_, k) => k).slice(st.page * PAGE, (st.page + 1) * PAGE);
      return el("div", {}, pager(R.id.length, st, () => box.replaceChildren(rows())),
        el("table", { class: "list", id: "reject-list" }, el("thead", {}, el("tr", {}, ...["document", "source", "reason"].map((h) => el("th", {}, h)))),
          el("tbody", {}, ...page.map((k) => el("tr", {}, el("td", {}, R.doc[k] >= 0 ? docLink(R.doc[k], R.id[k]) : R.id[k]),
            el("td", {}, R.source[k] || ""), el("td", {}, R.error[k] || ""))))));
    };
    box.replaceChildren(rows());
    return section("Rejected records", box);
  }

  document.addEventListener("click", (e) => {
    if (e.target && e.target.id === "flagged-link") { state.clusters.flagged = true; state.clusters.minSize = 2; state.clusters.page = 0; }
  });

  // ---- routing ------------------------------------------------------------------------
  function decoded(part) { try { return decodeURIComponent(part); } catch (e) { return null; } }
  async function route() {
    const hash = location.hash.replace(/^#/, "") || "overview";
    const slash = hash.indexOf("/");
    const name = slash < 0 ? hash : hash.slice(0, slash), arg = slash < 0 ? null : decoded(hash.slice(slash + 1));
    if (name !== "overview" && !TEXTS) {
      main.replaceChildren(el("p", {}, "Loading…"));
      try { await loaded; } catch (e) {
        main.replaceChildren(el("p", { class: "warn" }, "This browser cannot unpack the report's tables and texts " +
          "(they need DecompressionStream: Chrome 80, Firefox 113, Safari 16.4 or later). ", String(e)));
        document.documentElement.setAttribute("data-ready", "");
        return;
      }
    }
    const view = {
      overview, clusters: clusterList, documents: documentList, passages, rejects,
      cluster: () => clusterView(clusterIndex.get(arg)), doc: () => documentView(docIndex.get(arg)),
    }[name] || overview;
    main.replaceChildren(view());
    for (const a of document.querySelectorAll("#nav a")) a.classList.toggle("active", a.getAttribute("href") === "#" + name);
    if (name !== "overview") window.scrollTo(0, 0);
    document.documentElement.setAttribute("data-ready", "");
  }
  window.addEventListener("hashchange", route);
  route();
})();
