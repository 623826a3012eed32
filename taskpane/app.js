// The host-neutral core: read the document, verify it on open, seal it on request. In Office it
// reads the open document with getFileAsync(Compressed) slice by slice; in a plain browser a file
// is dropped. It never saves settings into the document (a sealed document must stay unchanged).
"use strict";
(() => {
  const el = (id) => document.getElementById(id);
  let current = { bytes: null, name: "document.docx", path: null, host: null };
  let lastReport = null, lastMessage = null;
  const t = (k, v) => docsealI18n.t(k, v);
  const showReport = (r) => {
    lastReport = r; lastMessage = null;
    docsealBanner.show(r);
    offerSlots(r);
    coverUnbound(r);
  };

  /** The empty slots of the document, offered as a place to seal. */
  function offerSlots(r) {
    const empty = (r.seals || []).filter((s) => s.slot && s.status === "empty").map((s) => s.slot);
    const sel = el("slot");
    sel.replaceChildren(...empty.map((l) => Object.assign(document.createElement("option"), { value: l, textContent: l })));
    el("slot-choice").hidden = empty.length === 0;
    // Slots are added before the first seal only: a sealed document cannot take one.
    el("slot-form").hidden = (r.signatures || []).length > 0;
    if (empty.length) document.querySelector('input[value="slot"]').checked = true;
  }

  /** A red banner: the seals no valid signature binds are covered in the open document, and
   * the reader is told not to save it. Seals in slots need nothing: Word draws a broken one
   * with its crossed-out picture itself. */
  async function coverUnbound(r) {
    if (r.verdict !== "invalid" || !current.host) return;
    const marks = (r.seals || []).filter((s) => !s.slot && (s.status === "copied" || s.status === "unbound")).map((s) => s.signature || "");
    if (!marks.length) return;
    try {
      const n = await docsealCover.cover(current.host, marks);
      if (n > 0) docsealBanner.note(t("banner.covered", { n }));
    } catch (e) { /* covering is a help to the reader; the banner already says it all */ }
  }
  const showMessage = (...m) => { lastMessage = m; lastReport = null; docsealBanner.message(...m); };

  function readOfficeFile() {
    return new Promise((resolve, reject) => {
      Office.context.document.getFileAsync(Office.FileType.Compressed, { sliceSize: 4 * 1024 * 1024 }, (res) => {
        if (res.status !== Office.AsyncResultStatus.Succeeded) return reject(new Error(res.error.message));
        const file = res.value, parts = [];
        let i = 0;
        const next = () => file.getSliceAsync(i, (s) => {
          if (s.status !== Office.AsyncResultStatus.Succeeded) { file.closeAsync(); return reject(new Error(s.error.message)); }
          parts.push(new Uint8Array(s.value.data));
          if (++i < file.sliceCount) return next();
          file.closeAsync();
          const total = parts.reduce((n, p) => n + p.length, 0), all = new Uint8Array(total);
          let at = 0;
          for (const p of parts) { all.set(p, at); at += p.length; }
          resolve(all);
        });
        next();
      });
    });
  }

  async function verify() {
    if (!current.bytes) return;
    try {
      showReport(await docsealApi.verify(current.bytes, current.name));
    } catch (e) {
      showMessage("grey", t("pane.checkFailed"), explain(e));
    }
  }

  async function loadSeals() {
    try {
      const { seals } = await docsealApi.seals();
      const sel = el("seal");
      // Each seal by its name, its picture beside the list: what a stamp with it places.
      sel.replaceChildren(...seals.map((s) => Object.assign(document.createElement("option"), { value: s.id, textContent: s.label })));
      const byId = new Map(seals.map((s) => [s.id, s]));
      // A seal whose policy asks for approval offers the request beside it.
      const needs = new Set(seals.filter((s) => s.approval_required).map((s) => s.id));
      const toggle = () => {
        el("approval-box").hidden = !needs.has(sel.value);
        const s = byId.get(sel.value), img = el("seal-picture");
        // Shown once it has loaded: no empty frame while it comes, none for a picture that fails.
        img.hidden = true;
        if (s) {
          img.onload = () => { img.hidden = false; };
          img.alt = t("pane.sealPicture", { name: s.label });
          img.src = s.picture;
        }
      };
      sel.addEventListener("change", toggle);
      toggle();
    } catch (e) {
      el("seal-status").textContent = e.message;
    }
  }

  async function seal() {
    const status = el("seal-status"), pin = el("pin");
    const place = document.querySelector('input[name="place"]:checked').value;
    const q = { name: current.name, seal: el("seal").value, place };
    if (current.path) q.path = current.path;
    if (place === "text") q.value = el("keyword").value;
    if (place === "cell") q.value = el("cell").value;
    if (place === "slot") q.value = el("slot").value;
    if (!current.bytes) { status.textContent = t("pane.openFirst"); return; }
    el("seal-button").disabled = true;
    status.textContent = t("pane.sealing");
    try {
      const r = await docsealApi.stamp(current.bytes, q, pin.value);
      status.textContent = t("pane.sealed", { path: r.saved_to });
      if (!window.Office || !Office.context || !Office.context.document) {
        const a = Object.assign(document.createElement("a"), { href: r.download, textContent: t("pane.download"), download: "" });
        status.append(" — ", a);
      }
      showReport(r.report);
    } catch (e) {
      status.textContent = explain(e);
    } finally {
      pin.value = "";  // the PIN is never kept
      el("seal-button").disabled = false;
    }
  }

  function browserMode() {
    el("browser-mode").hidden = false;
    showMessage("grey", t("pane.drop.title"), t("pane.drop.line"));
    const take = async (file) => {
      current = { bytes: new Uint8Array(await file.arrayBuffer()), name: file.name, path: null, host: null };
      await verify();
    };
    const drop = el("drop");
    drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); if (e.dataTransfer.files[0]) take(e.dataTransfer.files[0]); });
    el("file").addEventListener("change", (e) => e.target.files[0] && take(e.target.files[0]));
  }

  async function officeMode(info) {
    if (Office.context.platform === Office.PlatformType.OfficeOnline) {
      showMessage("grey", t("pane.web.title"), t("pane.web.line"));
      return;
    }
    const url = Office.context.document.url || "";
    current.host = info.host;
    current.name = url.split(/[\\/]/).pop() || (info.host === Office.HostType.Excel ? "workbook.xlsx" : "document.docx");
    current.path = /^([a-zA-Z]:\\|\/|file:)/.test(url) ? url : null;
    try {
      if (info.host === Office.HostType.Word) el("keyword").value = await docsealWord.selectionText();
      if (info.host === Office.HostType.Excel) { el("cell").value = await docsealExcel.activeCell(); document.querySelector('input[value="cell"]').checked = true; }
    } catch (e) { /* prefill is a convenience only */ }
    current.bytes = await readOfficeFile();
    await verify();
  }

  /** "Add seal slot here": Word inserts the slot into the open document at the selection; for
   * Excel (whose JavaScript API cannot insert a signature line) and a dropped file, a copy with
   * the slot at the active cell is written beside the original. */
  async function addSlot() {
    const status = el("slot-status"), label = el("slot-label").value.trim(), hint = el("slot-hint").value.trim();
    if (!label) { status.textContent = t("pane.slotNeedsLabel"); return; }
    if (lastReport && (lastReport.signatures || []).length) { status.textContent = t("error.slot-after-seal"); return; }
    el("slot-button").disabled = true;
    try {
      if (current.host === "Word") {
        await docsealWord.insertSlot(await docsealApi.slotOoxml(label, hint));
        status.textContent = t("pane.slotAdded", { label });
        current.bytes = await readOfficeFile();
        await verify();
      } else {
        if (!current.bytes) { status.textContent = t("pane.openFirst"); return; }
        const q = { label, name: current.name, place: "end" };
        if (hint) q.hint = hint;
        if (current.path) q.path = current.path;
        const cell = el("cell").value.trim();
        if (cell) { q.place = "cell"; q.value = cell; }
        const r = await docsealApi.addSlot(current.bytes, q);
        status.textContent = t("pane.slotCopy", { label, path: r.saved_to });
      }
    } catch (e) {
      status.textContent = explain(e);
    } finally {
      el("slot-button").disabled = false;
    }
  }

  async function requestApproval() {
    const status = el("approval-status");
    if (!current.bytes) { status.textContent = t("pane.openFirst"); return; }
    el("approval-button").disabled = true;
    try {
      const q = { seal: el("seal").value, name: current.name };
      if (el("approval-reason").value) q.reason = el("approval-reason").value;
      const r = await docsealApi.requestApproval(current.bytes, q);
      status.textContent = t("pane.approvalSent", { id: r.id });
      status.dataset.request = r.id;
    } catch (e) {
      status.textContent = explain(e);
    } finally {
      el("approval-button").disabled = false;
    }
  }

  /** An error from docseal-server in the reader's language, by its stable code. */
  function explain(e) {
    if (e.code === "wrong-pin") return t("error.wrong-pin", { message: e.message });
    if (e.code && docsealI18n.lang() !== "en" && docsealI18n.has("error." + e.code)) return t("error." + e.code);
    return e.message;
  }

  document.addEventListener("DOMContentLoaded", () => {
    el("seal-button").addEventListener("click", seal);
    el("approval-button").addEventListener("click", requestApproval);
    el("slot-button").addEventListener("click", addSlot);
    el("lang").addEventListener("change", async () => {
      docsealI18n.remember(el("lang").value);
      await docsealI18n.load(el("lang").value);
      if (lastReport) docsealBanner.show(lastReport);
    });
    const start = async (info) => {
      // Office's display language is known once Office is ready.
      await docsealI18n.load();
      loadSeals();
      if (info && info.host) officeMode(info); else browserMode();
    };
    if (window.Office && Office.onReady) {
      Office.onReady(start);
    } else {
      start(null);
    }
  });
})();
