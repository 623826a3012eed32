// The docseal-server client: every state-changing call carries the page's CSRF token.
"use strict";
const docsealApi = (() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  async function call(method, path, body, headers) {
    let res;
    try {
      res = await fetch(path, { method, body, headers: Object.assign({ "X-CSRF-Token": csrf() }, headers || {}) });
    } catch (e) {
      throw new Error("docseal-server is not running: start it with `docseal-server` and reload this pane");
    }
    const data = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error(data.message || ("HTTP " + res.status));
      err.code = data.error; err.status = res.status;
      throw err;
    }
    return data;
  }
  return {
    seals: () => call("GET", "/api/seals"),
    verify: (bytes, name) => call("POST", "/api/verify?name=" + encodeURIComponent(name || "document"), bytes, { "Content-Type": "application/octet-stream" }),
    requestApproval: (bytes, q) => call("POST", "/api/request-approval?" + new URLSearchParams(q), bytes, { "Content-Type": "application/octet-stream" }),
    slotOoxml: (label, hint) => fetch("/api/slot-ooxml?" + new URLSearchParams(hint ? { label, hint } : { label })).then(async (res) => {
      if (res.ok) return res.text();
      const data = await res.json().catch(() => ({}));
      const err = new Error(data.message || ("HTTP " + res.status));
      err.code = data.error; err.status = res.status;
      throw err;
    }),
    addSlot: (bytes, q) => call("POST", "/api/slot?" + new URLSearchParams(q), bytes, { "Content-Type": "application/octet-stream" }),
    stamp: (bytes, q, pin) => call("POST", "/api/stamp?" + new URLSearchParams(q), bytes, { "Content-Type": "application/octet-stream", "X-Docseal-PIN": pin }),
  };
})();
