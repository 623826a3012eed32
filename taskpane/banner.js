// The verdict banner: green (sealed, trusted), amber (intact but untrusted or revoked),
// red (modified, copied seal, broken), grey (not sealed).
"use strict";
const docsealBanner = (() => {
  const el = (id) => document.getElementById(id);
  function text(node, s) { node.textContent = s; }
  function signer(s) { return (s.signer || "").split(",").find((p) => p.startsWith("CN=")) || s.signer || "unknown signer"; }
  // What proves the seal's time: a trusted time-stamp (RFC 3161), or only the signer's clock.
  function when(s) {
    if (s.time_source === "timestamp" && s.timestamp) {
      const tsa = (s.timestamp.tsa || "").split(",").find((p) => p.startsWith("CN=")) || s.timestamp.tsa || "TSA";
      return "sealed at " + s.best_time + " (proven by TSA " + tsa.replace(/^CN=/, "") + ")";
    }
    return "sealed at " + (s.signed_at || "?") + " (claimed by the signer)";
  }
  function show(report) {
    const b = el("banner");
    const sigs = report.signatures || [];
    const errors = (report.findings || []).concat(...sigs.map((s) => s.findings || [])).filter((f) => f.severity === "error");
    let colour = "grey", title = "Not sealed", line = "This document carries no seal.";
    if (report.verdict === "valid") {
      colour = "green";
      const s = sigs[0];
      title = "Sealed by " + signer(s).replace(/^CN=/, "");
      const later = (s.findings || []).find((f) => f.code === "revoked-after-signing");
      line = when(s) + (sigs.length > 1 ? " — seal 1 of " + sigs.length : "") + "; unchanged since." +
        (later ? " The seal was reported lost later; this document was sealed before." : "");
    } else if (report.verdict === "untrusted") {
      colour = "amber"; title = "Intact, but the signer is not trusted";
      line = signer(sigs[0] || {}).replace(/^CN=/, "") + " is not a seal this computer trusts.";
    } else if (report.verdict === "revoked") {
      colour = "amber"; title = "The seal was reported lost (revoked)";
      const s = sigs.find((x) => x.revoked) || {};
      const f = (s.findings || []).find((x) => x.code === "revoked");
      line = signer(s).replace(/^CN=/, "") + " — " + when(s) + ". " + ((f || {}).message || "");
    } else if (report.verdict === "invalid") {
      colour = "red";
      const copied = errors.find((f) => f.code === "copied-seal" || f.code === "seal-not-bound");
      title = copied ? "Copied seal — not valid here" : "Modified after sealing";
      line = (copied || errors[0] || {}).message || "The seal does not match the document.";
    } else if (report.verdict === "error") {
      colour = "red"; title = "Not a readable document"; line = (errors[0] || {}).message || "";
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
      li.textContent = (s.intact ? "intact" : "BROKEN") + " — " + signer(s) + " — " + when(s) + " — " + (s.algorithm || "");
      list.appendChild(li);
    }
    for (const s of report.seals || []) {
      const li = document.createElement("li");
      li.textContent = "seal picture " + s.image_part + ": " + s.status;
      list.appendChild(li);
    }
    for (const f of errors) {
      const li = document.createElement("li");
      li.textContent = f.message;
      list.appendChild(li);
    }
    d.appendChild(list);
    el("banner-details").hidden = list.children.length === 0;
  }
  function message(colour, title, line) {
    el("banner").className = "banner " + colour;
    text(el("banner-title"), title);
    text(el("banner-text"), line || "");
    el("banner-details").hidden = true;
  }
  return { show, message };
})();
