// The verdict banner: green (sealed, trusted), amber (intact but untrusted or revoked),
// red (modified, copied seal, broken), grey (not sealed). Its words come from i18n/<lang>.json:
// in English the server's own finding message is shown (it names the part); in another language
// the finding's code picks the translated sentence.
"use strict";
const docsealBanner = (() => {
  const el = (id) => document.getElementById(id);
  const t = (k, v) => docsealI18n.t(k, v);
  function text(node, s) { node.textContent = s; }
  function cn(dn) { return ((dn || "").split(",").find((p) => p.startsWith("CN=")) || dn || "").replace(/^CN=/, ""); }
  function signer(s) { return cn(s.signer) || t("signer.unknown"); }
  /** A finding in the reader's language. */
  function say(f) {
    if (!f) return "";
    if (docsealI18n.lang() === "en" || !docsealI18n.has("finding." + f.code)) return f.message;
    return t("finding." + f.code, { part: f.part || "" });
  }
  // What a part of the package is to the person reading: the document's text, a picture, its
  // layout, its properties (ECMA-376 Part 1 §11 and §12 name the parts; the paths are Office's).
  function kindOf(part) {
    const p = (part || "").toLowerCase();
    if (/\/media\/|\.(png|jpe?g|gif|bmp|emf|wmf|tiff?)$/.test(p)) return "picture";
    if (/^\/word\/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml$/.test(p)) return "text";
    if (/^\/xl\/(worksheets\/|sharedstrings\.xml)/.test(p)) return "cells";
    if (/^\/docprops\//.test(p) || /customxml\//.test(p)) return "properties";
    if (/\.rels$/.test(p)) return "links";
    return "layout";
  }
  /** A change in words: "the document's text was changed after sealing", "a picture was added". */
  function change(f) {
    const how = { "digest-mismatch": "changed", "unsigned-part": "added", "part-missing": "removed" }[f && f.code];
    if (!how || !f.part) return null;
    return t("change." + kindOf(f.part) + "." + how);
  }
  // Times in the reader's time zone and language; the UTC time the report gives goes to Details.
  function local(iso) {
    const d = new Date(iso || "");
    if (!iso || isNaN(d)) return iso || "?";
    return new Intl.DateTimeFormat(docsealI18n.lang(), { dateStyle: "medium", timeStyle: "short" }).format(d);
  }
  // What proves the seal's time: a trusted time-stamp (RFC 3161), or only the signer's clock.
  function when(s, utc) {
    const time = (x) => (utc ? x : local(x));
    if (s.time_source === "timestamp" && s.timestamp) {
      return t("when.proven", { time: time(s.best_time), tsa: cn(s.timestamp.tsa) || "TSA" });
    }
    return t("when.claimed", { time: time(s.signed_at) });
  }
  /** Removes the notes an earlier banner left ("covered: do not save"). */
  function clearNotes() {
    el("banner").querySelectorAll(".banner-note").forEach((n) => n.remove());
  }
  function show(report) {
    const b = el("banner");
    clearNotes();
    const sigs = report.signatures || [];
    const errors = (report.findings || []).concat(...sigs.map((s) => s.findings || [])).filter((f) => f.severity === "error");
    let colour = "grey", title = t("banner.unsealed.title"), line = t("banner.unsealed.line");
    // Every seal the report lists, for the banner: who sealed each slot, and which are empty.
    const slots = (report.seals || []).filter((s) => s.slot);
    const empty = slots.filter((s) => s.status === "empty");
    const slotLine = slots.length === 0 ? "" : t("banner.slots", { sealed: slots.length - empty.length, total: slots.length }) +
      (empty.length ? t("banner.slotsEmpty", { labels: empty.map((s) => s.slot).join(", ") }) : "");
    if (report.verdict === "valid") {
      colour = "green";
      const s = sigs[0];
      title = t("banner.valid.title", { signer: signer(s) });
      const sealed = slots.filter((x) => x.status !== "empty");
      if (sealed.length > 1) {
        // Several parties: one line naming each seal in its slot, then what is still empty.
        title = t("banner.valid.seals", { n: sealed.length });
        line = sealed.map((x) => x.slot + ": " + (cn(x.signer) || t("signer.unknown"))).join("; ") +
          t("banner.valid.unchanged") + " " + slotLine;
      } else {
        const later = (s.findings || []).find((f) => f.code === "revoked-after-signing");
        line = when(s) + (sigs.length > 1 ? t("banner.valid.more", { n: sigs.length }) : "") + t("banner.valid.unchanged") +
          (later ? t("banner.valid.lostLater") : "") +
          (s.approval ? t("banner.valid.approved", { by: s.approval.approved_by, at: local(s.approval.approved_at) }) : "") +
          (slotLine ? " " + slotLine : "");
      }
      // Intact and trusted, but nobody answered whether the seal was reported lost (a CRL past
      // its next update, a center and a distribution point out of reach): never green.
      const unchecked = sigs.flatMap((x) => x.findings || []).find((f) => f.code === "revocation-unchecked" || f.code === "crl-stale");
      if (unchecked) {
        colour = "amber";
        title = t("banner.unchecked.title", { signer: signer(s || {}) });
        line = when(s || {}) + " " + t("banner.unchecked.line");
      }
    } else if (report.verdict === "untrusted") {
      colour = "amber"; title = t("banner.untrusted.title");
      // A partner's intact signature says what made it: "signed by X with Word 2010 on a
      // signature line" (the signature's own claim), then why this computer does not trust it.
      const s = sigs.find((x) => x.intact) || sigs[0] || {};
      const made = s.made_with || {};
      line = made.program && !made.docseal
        ? t("banner.untrusted.made", { signer: signer(s), program: made.program, line: made.signature_line ? t("banner.onLine") : "" })
        : t("banner.untrusted.line", { signer: signer(s) });
    } else if (report.verdict === "revoked") {
      colour = "amber"; title = t("banner.revoked.title");
      const s = sigs.find((x) => x.revoked) || {};
      const f = (s.findings || []).find((x) => x.code === "revoked");
      line = signer(s) + " — " + when(s) + ". " + say(f);
    } else if (report.verdict === "invalid") {
      colour = "red";
      // A seal placed where no signature of this document binds it is a copy; a seal whose
      // signature broke means the document (or the seal) changed: say what changed.
      const copied = errors.find((f) => f.code === "copied-seal");
      const changed = errors.find((f) => f.code !== "seal-not-bound") || errors[0];
      title = copied ? t("banner.copied.title") : t("banner.modified.title");
      // What changed, in words; the part itself is named in Details.
      const words = copied ? null : [...new Set(errors.map(change).filter(Boolean))];
      line = words && words.length ? words.join(" ") : say(copied || changed) || t("banner.modified.line");
    } else if (report.verdict === "error") {
      colour = "red"; title = t("banner.error.title"); line = say(errors[0]);
    }
    b.className = "banner " + colour;
    b.dataset.verdict = report.verdict;
    text(el("banner-title"), title);
    text(el("banner-text"), line);
    const d = el("details");
    d.replaceChildren();
    const list = document.createElement("ul");
    for (const s of sigs) {
      const li = document.createElement("li");
      li.textContent = t(s.intact ? "details.intact" : "details.broken") + " — " + signer(s) + " — " + when(s, true) + " — " + (s.algorithm || "");
      list.appendChild(li);
    }
    for (const s of report.seals || []) {
      const li = document.createElement("li");
      li.className = "seal-" + s.status;
      if (s.slot && s.status === "empty") {
        li.textContent = t("details.slotEmpty", { label: s.slot });
      } else if (s.slot) {
        const sig = sigs.find((x) => x.part === s.signature);
        li.textContent = t("details.slot", { label: s.slot, status: t("seal." + s.status), signer: cn(s.signer) || t("signer.unknown"),
          when: sig ? when(sig) : t("when.claimed", { time: s.signed_at || "?" }) });
      } else {
        li.textContent = t("details.seal", { part: s.image_part, status: t("seal." + s.status), issuance: t("issuance." + (s.issuance || "not-issued")) });
      }
      list.appendChild(li);
    }
    // Office signature lines that are not seal slots: who signed each, as Office draws it.
    for (const l of report.signature_lines || []) {
      const li = document.createElement("li");
      const status = !l.signature ? t("line.unsigned")
        : t(l.intact ? "line.signed" : "line.broken", { signer: cn(l.signer) || t("signer.unknown") });
      li.textContent = t("details.line", { label: l.suggested_signer || "?", status });
      list.appendChild(li);
    }
    // A valid banner opens its list of seals when there is more than one.
    el("banner-details").open = report.verdict === "valid" && slots.length > 1;
    for (const f of errors) {
      const li = document.createElement("li");
      li.textContent = say(f);
      list.appendChild(li);
    }
    d.appendChild(list);
    el("banner-details").hidden = list.children.length === 0;
  }
  /** A line added under the banner's text ("covered: do not save"). */
  function note(line) {
    const n = Object.assign(document.createElement("p"), { className: "banner-note", textContent: line });
    el("banner").appendChild(n);
  }
  function message(colour, title, line) {
    clearNotes();
    el("banner").className = "banner " + colour;
    text(el("banner-title"), title);
    text(el("banner-text"), line || "");
    el("banner-details").hidden = true;
  }
  return { show, message, note };
})();
