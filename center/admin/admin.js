// The seal center's administration page: plain JS, no build step. It talks to the center's API
// with the bearer token from /api/login (kept for this tab only, in sessionStorage) and sends the
// session's CSRF token with every change; the server also refuses changes from another origin.
"use strict";

const state = { token: null, csrf: null, name: null, role: null, may: [], expires: 0, strings: {}, audit: [] };
/** Whether this user's role may call METHOD PATH: the server's own route table (`/api/permissions`). */
const may = (method, path) => state.may.includes(`${method} ${path}`);
const $ = (id) => document.getElementById(id);

// ---- language -------------------------------------------------------------------------------
const LANGS = ["en", "zh-CN"];
function pickLang() {
  const saved = localStorage.getItem("docseal-admin-lang");
  if (LANGS.includes(saved)) return saved;
  return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}
function t(key, vars = {}) {
  let s = state.strings[key] ?? key;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, v);
  return s;
}
async function setLang(lang) {
  const res = await fetch(`i18n/${lang}.json`);
  state.strings = await res.json();
  document.documentElement.lang = lang;
  $("lang").value = lang;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
  document.title = t("title");
  if (state.token) { showWho(); await refresh(); }
}

// ---- API --------------------------------------------------------------------------------------
class ApiError extends Error { constructor(code, message, status) { super(message); this.code = code; this.status = status; } }
async function api(method, path, body) {
  const headers = {};
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  if (method !== "GET") { headers["content-type"] = "application/json"; if (state.csrf) headers["x-csrf-token"] = state.csrf; }
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401 && state.token) { logout(t("status.expired")); throw new ApiError("session-expired", t("status.expired"), 401); }
  const isJson = (res.headers.get("content-type") || "").includes("json");
  const data = isJson ? await res.json() : await res.blob();
  if (!res.ok) throw new ApiError(data.error || "http-" + res.status, data.message || res.statusText, res.status);
  return data;
}
/** An API error in the reader's language, by its stable code; the server's text otherwise. */
function explain(e) {
  const key = `error.${e.code}`;
  const seconds = /(\d+)\s*s\b/.exec(e.message || "")?.[1] ?? "";
  return state.strings[key] ? t(key, { seconds }) : e.message;
}
function say(text) { $("status").textContent = text; }

// ---- session ----------------------------------------------------------------------------------
function showWho() {
  $("who").hidden = false;
  $("who-text").textContent = t("who", { name: state.name, role: t(`role.${state.role}`) });
}
/** Tabs and forms this role may use; the rest is not shown (the server refuses it anyway). */
function showAllowed() {
  $("tab-users").hidden = !may("GET", "/api/users");
  $("tab-audit").hidden = !may("GET", "/api/audit");
  $("add-form").hidden = !may("POST", "/api/seals");
  $("enroll-form").hidden = !may("POST", "/api/seals/enroll");
  const addUser = $("user-form");
  if (addUser) addUser.hidden = !may("POST", "/api/users");
}
function logout(message) {
  if (state.token) fetch("/api/logout", { method: "POST", headers: { authorization: `Bearer ${state.token}`, "x-csrf-token": state.csrf || "" } }).catch(() => {});
  Object.assign(state, { token: null, csrf: null, name: null, role: null, may: [], expires: 0 });
  sessionStorage.removeItem("docseal-admin");
  $("app-view").hidden = true;
  $("who").hidden = true;
  $("login-view").hidden = false;
  $("login-error").textContent = message || "";
  $("login-name").focus();
}
async function enter(session) {
  Object.assign(state, session);
  sessionStorage.setItem("docseal-admin", JSON.stringify(session));
  // What this role may call, from the server's own route table: the page shows nothing more.
  try { state.may = await api("GET", "/api/permissions"); } catch { state.may = []; }
  $("login-view").hidden = true;
  $("app-view").hidden = false;
  showWho();
  showAllowed();
  selectTab("tab-seals");
  refresh();
  // Log out when the session expires, not at the next click.
  const left = state.expires * 1000 - Date.now();
  if (left > 0) setTimeout(() => { if (state.token === session.token) logout(t("status.expired")); }, Math.min(left, 2 ** 31 - 1));
}
$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  $("login-error").textContent = "";
  try {
    const r = await api("POST", "/api/login", { name: $("login-name").value, password: $("login-password").value });
    $("login-password").value = "";
    await enter({ token: r.token, csrf: r.csrf, name: r.name, role: r.role, expires: r.expires_at });
    say(t("status.welcome", { name: r.name }));
  } catch (e) {
    $("login-error").textContent = explain(e);
    $("login-password").select();
  }
});
$("logout").addEventListener("click", () => logout(t("status.loggedOut")));

// ---- tabs: arrow keys move between them (WAI-ARIA tabs pattern) ------------------------------
const tabs = () => [...document.querySelectorAll('[role="tab"]')].filter((tab) => !tab.hidden);
function selectTab(id) {
  for (const tab of tabs()) {
    const on = tab.id === id;
    tab.setAttribute("aria-selected", String(on));
    tab.tabIndex = on ? 0 : -1;
    $(tab.getAttribute("aria-controls")).hidden = !on;
  }
}
for (const tab of tabs()) {
  tab.addEventListener("click", () => { selectTab(tab.id); refresh(); });
  tab.addEventListener("keydown", (ev) => {
    const list = tabs(), i = list.indexOf(tab);
    const next = ev.key === "ArrowRight" ? list[(i + 1) % list.length] : ev.key === "ArrowLeft" ? list[(i - 1 + list.length) % list.length] : null;
    if (next) { ev.preventDefault(); selectTab(next.id); next.focus(); refresh(); }
  });
}

// ---- a small dialog for reasons ----------------------------------------------------------------
function ask(title, kind) {
  return new Promise((resolve) => {
    const d = $("ask");
    $("ask-title").textContent = title;
    $("ask-reason-label").hidden = kind !== "reason";
    $("ask-text-label").hidden = kind !== "text";
    $("ask-text").value = "";
    d.returnValue = "";
    d.onclose = () => resolve(d.returnValue === "ok" ? (kind === "reason" ? $("ask-reason").value : $("ask-text").value) : null);
    d.showModal();
  });
}

// ---- views -------------------------------------------------------------------------------------
function cell(tr, text, cls) { const td = tr.insertCell(); td.textContent = text ?? ""; if (cls) td.className = cls; return td; }
function button(label, onClick) { const b = document.createElement("button"); b.type = "button"; b.textContent = label; b.addEventListener("click", onClick); return b; }
const when = (secs) => secs ? new Date(secs * 1000).toISOString().replace(".000", "") : "";

async function refresh() {
  const tab = tabs().find((x) => x.getAttribute("aria-selected") === "true")?.id;
  try {
    if (tab === "tab-seals") await showSeals();
    if (tab === "tab-approvals") await showApprovals();
    if (tab === "tab-users") await showUsers();
    if (tab === "tab-audit") await showAudit();
  } catch (e) { if (e.code !== "session-expired") say(explain(e)); }
}

async function showSeals() {
  const seals = await api("GET", "/api/seals");
  const body = $("seal-rows");
  body.replaceChildren();
  for (const s of seals) {
    const tr = body.insertRow();
    const img = document.createElement("img");
    img.alt = t("seals.pictureOf", { name: s.name });
    api("GET", `/api/seals/${encodeURIComponent(s.id)}/picture`).then((blob) => { img.src = URL.createObjectURL(blob); }).catch(() => {});
    tr.insertCell().append(img);
    const name = cell(tr, s.name);
    const id = document.createElement("div"); id.textContent = s.id; id.className = "id"; name.append(id);
    cell(tr, s.holder);
    cell(tr, t(`status.${s.status}`), `status-${s.status}`);
    const policy = JSON.parse(s.policy || "{}").approval === "required";
    cell(tr, policy ? t("seals.approvalRequired") : t("seals.approvalNone"));
    const actions = tr.insertCell();
    const act = async (verb, body) => {
      try { await api("POST", `/api/seals/${encodeURIComponent(s.id)}/${verb}`, body ?? {}); say(t(`done.${verb}`, { name: s.name })); await showSeals(); }
      catch (e) { say(explain(e)); }
    };
    // Only what this role may do: a button the server would refuse is not shown.
    if (s.status === "active" && may("POST", "/api/seals/{id}/suspend")) actions.append(button(t("action.suspend"), async () => { const r = await ask(t("ask.suspend", { name: s.name }), "reason"); if (r) act("suspend", { reason: r }); }));
    if (s.status === "suspended" && may("POST", "/api/seals/{id}/reinstate")) actions.append(button(t("action.reinstate"), () => act("reinstate")));
    if (s.status !== "revoked" && may("POST", "/api/seals/{id}/revoke")) actions.append(button(t("action.revoke"), async () => { const r = await ask(t("ask.revoke", { name: s.name }), "reason"); if (r) act("revoke", { reason: r }); }));
    if (may("POST", "/api/seals/{id}/policy")) actions.append(button(policy ? t("action.noApproval") : t("action.requireApproval"), () => act("policy", { approval: policy ? "none" : "required" })));
    for (const b of actions.querySelectorAll("button")) b.setAttribute("aria-label", `${b.textContent}: ${s.name}`);
  }
}

async function showApprovals() {
  const list = await api("GET", "/api/approvals?status=pending");
  const body = $("approval-rows");
  body.replaceChildren();
  if (!list.length) { const tr = body.insertRow(); const td = cell(tr, t("approvals.none")); td.colSpan = 6; }
  for (const a of list) {
    const tr = body.insertRow();
    cell(tr, a.id); cell(tr, a.seal_id);
    const doc = cell(tr, a.document);
    const sha = document.createElement("div"); sha.className = "id"; sha.textContent = `SHA-256 ${a.document_sha256.slice(0, 16)}…`; doc.append(sha);
    cell(tr, a.requester); cell(tr, a.reason);
    const actions = tr.insertCell();
    const decide = async (verb) => {
      const reason = verb === "reject" ? await ask(t("ask.reject", { id: a.id }), "text") : "";
      if (reason === null) return;
      try { await api("POST", `/api/approvals/${encodeURIComponent(a.id)}/${verb}`, { reason: reason || null }); say(t(`done.${verb}`, { id: a.id })); await showApprovals(); }
      catch (e) { say(explain(e)); }
    };
    // An approver decides others' requests, never their own (the center refuses that too).
    if (may("POST", "/api/approvals/{id}/{verb}") && a.requester !== state.name) actions.append(button(t("action.approve"), () => decide("approve")), button(t("action.reject"), () => decide("reject")));
    for (const b of actions.querySelectorAll("button")) b.setAttribute("aria-label", `${b.textContent}: ${a.id}`);
  }
}

async function showUsers() {
  const users = await api("GET", "/api/users");
  const body = $("user-rows");
  body.replaceChildren();
  for (const u of users) {
    const tr = body.insertRow();
    cell(tr, u.name); cell(tr, t(`role.${u.role}`)); cell(tr, u.disabled ? t("users.disabled") : t("users.enabled"));
  }
}
const fileText = (input) => input.files[0] ? input.files[0].text() : Promise.resolve("");
const fileBase64 = async (input) => {
  if (!input.files[0]) return null;
  const bytes = new Uint8Array(await input.files[0].arrayBuffer());
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
};
$("add-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    const seal = await api("POST", "/api/seals", {
      cert_pem: await fileText($("add-cert")), picture_b64: await fileBase64($("add-picture")),
      name: $("add-name").value, holder: $("add-holder").value, token_uri: $("add-key").value,
      approval_required: $("add-approval").checked,
    });
    say(t("done.add", { name: seal.name, id: seal.id }));
    $("add-form").reset();
    await showSeals();
  } catch (e) { say(explain(e)); }
});
$("enroll-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const button = $("enroll-form").querySelector('button[type="submit"]');
  button.disabled = true;
  say(t("status.enrolling"));
  try {
    const seal = await api("POST", "/api/seals/enroll", {
      name: $("enroll-name").value, unit: $("enroll-unit").value, text: $("enroll-text").value || null,
      holder: $("enroll-holder").value, token: $("enroll-token").value, pin: $("enroll-pin").value,
      approval_required: $("enroll-approval").checked,
    });
    say(t("done.enroll", { name: seal.name, id: seal.id }));
    $("enroll-form").reset();
    await showSeals();
  } catch (e) { say(explain(e)); }
  finally { $("enroll-pin").value = ""; button.disabled = false; }
});
$("user-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  try {
    await api("POST", "/api/users", { name: $("user-name").value, role: $("user-role").value, password: $("user-password").value });
    say(t("done.user", { name: $("user-name").value }));
    $("user-form").reset();
    await showUsers();
  } catch (e) { say(explain(e)); }
});

async function showAudit() {
  const params = new URLSearchParams();
  if ($("audit-seal").value) params.set("seal", $("audit-seal").value);
  if ($("audit-since").value) params.set("since", String(Math.floor(Date.parse($("audit-since").value) / 1000)));
  state.audit = await api("GET", `/api/audit?${params}`);
  const body = $("audit-rows");
  body.replaceChildren();
  for (const r of state.audit) {
    const tr = body.insertRow();
    for (const v of [r.seq, when(r.at), r.actor, r.action, r.seal_id, r.document, r.outcome, r.detail]) cell(tr, v);
  }
}
$("audit-form").addEventListener("submit", (ev) => { ev.preventDefault(); showAudit().catch((e) => say(explain(e))); });
$("audit-verify").addEventListener("click", async () => {
  try {
    const v = await api("GET", "/api/audit/verify");
    $("audit-result").textContent = t("audit.intact", { rows: v.rows, head: v.head_seq });
  } catch (e) { $("audit-result").textContent = explain(e); }
});
/**
 * One CSV cell (RFC 4180) that a spreadsheet will not run: a cell starting with = + - @, a tab or
 * a carriage return is a formula to Excel and LibreOffice, so it gets a leading apostrophe (OWASP,
 * "CSV Injection"); one holding a comma, a quote or a line break is quoted.
 */
function csvCell(v) {
  let s = String(v ?? "");
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
$("audit-csv").addEventListener("click", () => {
  const cols = ["seq", "at", "actor", "action", "seal_id", "document", "document_sha256", "outcome", "client", "detail", "hash"];
  const csv = [cols.join(","), ...state.audit.map((r) => cols.map((c) => csvCell(c === "at" ? when(r.at) : r[c])).join(","))].join("\r\n") + "\r\n";
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" }));
  a.download = "audit.csv";
  a.click();
});

// ---- start ---------------------------------------------------------------------------------------
$("lang").addEventListener("change", () => { localStorage.setItem("docseal-admin-lang", $("lang").value); setLang($("lang").value); });
(async () => {
  await setLang(pickLang());
  const saved = JSON.parse(sessionStorage.getItem("docseal-admin") || "null");
  if (saved && saved.expires * 1000 > Date.now()) enter(saved); else $("login-name").focus();
})();
