// The seal center's administration page (/admin/) in Debian's headless Chromium, against a
// running docseal-center on loopback with a fresh data directory: a refused and then throttled
// login, the seals with their pictures, a suspension with a reason, the approval queue, the audit
// log with its chain check and CSV, the CRL download, CSRF and origin checks, the keyboard, an
// axe-core check, and screenshots of each view in English and Chinese (tests/artifacts/).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import net from "node:net";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const repo = join(dirname(fileURLToPath(import.meta.url)), "../..");
const artifacts = join(repo, "tests/artifacts/admin");
mkdirSync(artifacts, { recursive: true });
const bin = (name) => join(repo, "target/debug", name);
const work = mkdtempSync(join(tmpdir(), "docseal-admin-"));
const data = join(work, "center");
const ADMIN_PW = "admin-password-1";
const KEEPER_PW = "keeper-password-1";

// n distinct free ports: all held at once while they are picked.
const freePorts = async (n) => {
  const held = await Promise.all(Array.from({ length: n }, () =>
    new Promise((ok) => { const s = net.createServer().listen(0, "127.0.0.1", () => ok(s)); })));
  const ports = held.map((s) => s.address().port);
  await Promise.all(held.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
};
const waitPort = async (port) => {
  for (let i = 0; i < 300; i++) {
    const up = await new Promise((ok) => { const c = net.connect(port, "127.0.0.1", () => { c.end(); ok(true); }).on("error", () => ok(false)); });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("docseal-center did not start");
};
const center = (user, password, args) => execFileSync(bin("docseal"), ["center", "--data-dir", data, "--user", user, ...args],
  { env: { ...process.env, DOCSEAL_ADMIN_PASSWORD: ADMIN_PW, DOCSEAL_PASSWORD: password, DOCSEAL_NEW_PASSWORD: KEEPER_PW }, encoding: "utf8" });

let server, port, crlPort, browser, sealId, requestId, p12, contractSeal, paneServer, paneServerPort, hsmEnv;

before(async () => {
  center("admin", ADMIN_PW, ["init", "--name", "Example Seal Center"]);
  center("admin", ADMIN_PW, ["keeper", "add", "keeper1"]);
  center("admin", ADMIN_PW, ["keeper", "add", "approver1", "--role", "approver"]);
  center("admin", ADMIN_PW, ["keeper", "add", "keeper2"]);
  // A seal for keeper1 (a key made here; the center draws its picture) that needs approval.
  const key = join(work, "seal.key"), pub = join(work, "seal.pub");
  execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key]);
  execFileSync("openssl", ["pkey", "-in", key, "-pubout", "-out", pub]);
  sealId = center("admin", ADMIN_PW, ["seal", "issue", "--public-key", pub, "--holder", "keeper1",
    "--name", "Example Trading Co. Ltd.", "--approval", "required"]).trim().split("\n").pop().trim();
  const doc = join(work, "contract.docx");
  writeFileSync(doc, readFileSync(join(repo, "samples/documents/contract.docx")));
  requestId = center("keeper1", KEEPER_PW, ["request", "--seal", sealId, doc, "--reason", "Q4 supply contract"]).trim().split("\n").pop().trim();
  // A second seal that needs approval, its key in a PKCS#12 file the registry names, for
  // docseal-server to offer in the task pane.
  const key2 = join(work, "contract.key"), pub2 = join(work, "contract.pub"), cert2 = join(work, "contract.pem");
  p12 = join(work, "contract.p12");
  execFileSync("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key2]);
  execFileSync("openssl", ["pkey", "-in", key2, "-pubout", "-out", pub2]);
  contractSeal = center("admin", ADMIN_PW, ["seal", "issue", "--public-key", pub2, "--holder", "keeper2",
    "--name", "Example Trading Contract Seal", "--approval", "required", "--key-uri", p12, "-o", cert2]).trim().split("\n").pop().trim();
  execFileSync("openssl", ["pkcs12", "-export", "-inkey", key2, "-in", cert2, "-out", p12, "-passout", "pass:123456"]);
  // An empty SoftHSM2 token the center's host can reach, for enrolling from the page.
  mkdirSync(join(work, "hsm/tokens"), { recursive: true });
  writeFileSync(join(work, "hsm/softhsm2.conf"), `directories.tokendir = ${join(work, "hsm/tokens")}\nobjectstore.backend = file\nlog.level = ERROR\n`);
  hsmEnv = { SOFTHSM2_CONF: join(work, "hsm/softhsm2.conf"), DOCSEAL_PKCS11_MODULE: "/usr/lib/softhsm/libsofthsm2.so" };
  execFileSync("softhsm2-util", ["--init-token", "--free", "--label", "Keeper", "--so-pin", "87654321", "--pin", "123456"], { env: { ...process.env, ...hsmEnv } });
  [port, crlPort, paneServerPort] = await freePorts(3);
  // Every browser here is one client (127.0.0.1): its failed logins of the throttling test must
  // not make the center turn the other tests' logins away (the per-client limit has its own test).
  server = spawn(bin("docseal-center"), ["--data-dir", data, "--listen", `127.0.0.1:${port}`, "--crl-listen", `127.0.0.1:${crlPort}`,
    "--client-login-failures", "1000"], { stdio: "ignore", env: { ...process.env, ...hsmEnv } });
  await waitPort(port);
  paneServer = spawn(bin("docseal-server"), ["--port", String(paneServerPort), "--data-dir", join(work, "pane"), "--no-open",
    "--center", `https://127.0.0.1:${port}`, "--center-ca", join(data, "tls.pem"), "--center-user", "keeper2"],
    { env: { ...process.env, DOCSEAL_CENTER_PASSWORD: KEEPER_PW }, stdio: "ignore" });
  await waitPort(paneServerPort);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"] });
});

after(async () => {
  await browser?.close();
  server?.kill();
  paneServer?.kill();
  rmSync(work, { recursive: true, force: true });
});

const origin = () => `https://127.0.0.1:${port}`;
/** A page in `locale` (the browser's language decides the page's). axe is injected later, so
 * the page's own policy (script-src 'self') is bypassed for the test only. */
async function open(locale) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, locale, bypassCSP: true, acceptDownloads: true, viewport: { width: 1180, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(`${origin()}/admin/`);
  return page;
}
async function login(page, name, password) {
  await page.fill("#login-name", name);
  await page.fill("#login-password", password);
  await page.click('#login-form button[type="submit"]');
}
/** axe-core's serious and critical violations on the page as it is. */
async function axe(page) {
  await page.addScriptTag({ path: require.resolve("axe-core/axe.min.js") });
  const r = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

test("a wrong password is refused and the next attempts are throttled", async () => {
  const page = await open("en-US");
  for (let i = 0; i < 5; i++) {
    await login(page, "auditor-nobody", "wrong");
    await page.waitForFunction(() => document.querySelector("#login-error").textContent !== "");
    assert.match(await page.textContent("#login-error"), /Wrong name or password/);
    await page.evaluate(() => { document.querySelector("#login-error").textContent = ""; });
  }
  // The sixth failure in a row for a known user waits: throttled, in the reader's language.
  for (let i = 0; i < 6; i++) {
    await login(page, "keeper1", "wrong");
    await page.waitForFunction(() => document.querySelector("#login-error").textContent !== "");
    if (i < 5) await page.evaluate(() => { document.querySelector("#login-error").textContent = ""; });
  }
  assert.match(await page.textContent("#login-error"), /Too many failed logins|Wrong name/);
  await page.evaluate(() => { document.querySelector("#login-error").textContent = ""; });
  await login(page, "keeper1", KEEPER_PW);
  // The box is filled when the answer comes; a login let through would leave it empty and this
  // wait would fail.
  await page.waitForFunction(() => document.querySelector("#login-error").textContent !== "");
  assert.match(await page.textContent("#login-error"), /Too many failed logins/);
  await page.screenshot({ path: join(artifacts, "login-throttled-en.png") });
  await page.context().close();
});

test("an administrator reads the seals, suspends one with a reason, reads the audit log and downloads the CRL", async () => {
  const page = await open("en-US");
  assert.deepEqual(await axe(page), [], "the login page");
  await page.screenshot({ path: join(artifacts, "login-en.png") });
  // The keyboard alone: the name field has the focus, Tab reaches the password and the button.
  await page.keyboard.type("admin");
  await page.keyboard.press("Tab");
  await page.keyboard.type(ADMIN_PW);
  await page.keyboard.press("Enter");
  await page.waitForSelector("#seal-rows tr");
  const row = page.locator("#seal-rows tr", { hasText: "Example Trading Co. Ltd." });
  await page.waitForFunction(() => [...document.querySelectorAll("#seal-rows img")].every((i) => i.complete && i.naturalWidth > 0));
  assert.match(await row.textContent(), /active/);
  assert.match(await row.textContent(), /required before each use/);
  assert.deepEqual(await axe(page), [], "the seals view");
  await page.screenshot({ path: join(artifacts, "seals-en.png") });

  // Enroll a seal on the SoftHSM2 token: the key made there, the certificate written back.
  await page.fill("#enroll-name", "Example Finance Seal");
  await page.fill("#enroll-unit", "Example Trading");
  await page.fill("#enroll-text", "Finance Seal");
  await page.fill("#enroll-holder", "keeper1");
  await page.fill("#enroll-token", "pkcs11:token=Keeper");
  await page.fill("#enroll-pin", "123456");
  await page.click('#enroll-form button[type="submit"]');
  await page.waitForFunction(() => /is made/.test(document.querySelector("#status").textContent), null, { timeout: 30000 });
  const enrolled = page.locator("#seal-rows tr", { hasText: "Example Finance Seal" });
  await enrolled.waitFor();
  assert.match(await enrolled.textContent(), /active/);
  const objects = execFileSync("pkcs11-tool", ["--module", "/usr/lib/softhsm/libsofthsm2.so", "--token-label", "Keeper", "--login", "--pin", "123456", "--list-objects"], { env: { ...process.env, ...hsmEnv }, encoding: "utf8" });
  assert.match(objects, /Private Key Object[\s\S]*label:\s+Example Finance Seal/);
  assert.match(objects, /Certificate Object[\s\S]*label:\s+Example Finance Seal/);
  const made = JSON.parse(center("admin", ADMIN_PW, ["--json", "seal", "list"])).find((x) => x.name === "Example Finance Seal");
  assert.equal(made.token_uri, "pkcs11:token=Keeper;object=Example%20Finance%20Seal");
  await page.screenshot({ path: join(artifacts, "seals-enrolled-en.png") });

  // Register a seal whose certificate exists (here one made by OpenSSL), with its picture.
  const imported = join(work, "imported.pem");
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", join(work, "imported.key"),
    "-subj", "/CN=Imported Branch Seal", "-days", "365", "-addext", "keyUsage=critical,digitalSignature,nonRepudiation", "-out", imported]);
  await page.setInputFiles("#add-cert", imported);
  await page.setInputFiles("#add-picture", join(repo, "samples/stamped/seal.png"));
  await page.fill("#add-holder", "keeper1");
  await page.click('#add-form button[type="submit"]');
  await page.waitForFunction(() => /is registered|\S/.test(document.querySelector("#status").textContent) && !/is made/.test(document.querySelector("#status").textContent));
  assert.match(await page.textContent("#status"), /is registered/);
  await page.locator("#seal-rows tr", { hasText: "Imported Branch Seal" }).waitFor();

  // Suspend, with the reason asked in a dialog.
  await row.getByRole("button", { name: /^Suspend/ }).click();
  await page.selectOption("#ask-reason", "stolen");
  await page.click("#ask-ok");
  await page.waitForFunction(() => /suspended/.test(document.querySelector("#seal-rows").textContent));
  assert.match(await page.textContent("#status"), /suspended and on the CRL/);
  const seal = JSON.parse(center("admin", ADMIN_PW, ["--json", "seal", "show", sealId]));
  assert.equal(seal.status, "suspended");

  // Tabs by keyboard: ArrowRight from Seals to Approvals.
  await page.focus("#tab-seals");
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-approvals");
  await page.waitForSelector(`#approval-rows tr >> text=${requestId}`);
  await page.screenshot({ path: join(artifacts, "approvals-en.png") });

  // Keepers and roles.
  await page.click("#tab-users");
  await page.waitForSelector("#user-rows tr >> text=approver1");
  await page.fill("#user-name", "auditor1");
  await page.selectOption("#user-role", "auditor");
  await page.fill("#user-password", "auditor-password-1");
  await page.click('#user-form button[type="submit"]');
  await page.waitForSelector("#user-rows tr >> text=auditor1");
  await page.screenshot({ path: join(artifacts, "users-en.png") });

  // A keeper's report naming a document that is a formula, with a tab and a carriage return in
  // its fields: the CSV must hand them to a spreadsheet as text (OWASP "CSV Injection").
  // keeper2: the throttling test above left keeper1 waiting.
  const keeper = (await fetchInsecure("/api/login", {}, "POST", { name: "keeper2", password: KEEPER_PW })).json;
  const reported = await fetchInsecure("/api/reports", { authorization: `Bearer ${keeper.token}`, "x-csrf-token": keeper.csrf }, "POST",
    { event_id: `csv-${Date.now()}`, action: "verify", outcome: "=1+1", document: '=HYPERLINK("http://evil.example","open")', detail: "\tcmd", client: "\rx" });
  assert.equal(reported.status, 200, JSON.stringify(reported.json));

  // The audit log: the suspension is there, filtered by the seal; the chain holds; CSV.
  await page.click("#tab-audit");
  await page.fill("#audit-seal", sealId);
  await page.click('#audit-form button[type="submit"]');
  await page.waitForSelector("#audit-rows tr >> text=seal-suspend");
  await page.click("#audit-verify");
  await page.waitForFunction(() => /intact/.test(document.querySelector("#audit-result").textContent));
  const [csv] = await Promise.all([page.waitForEvent("download"), page.click("#audit-csv")]);
  const text = readFileSync(await csv.path(), "utf8");
  assert.match(text, /^seq,at,actor,action/);
  assert.match(text, /seal-suspend/);
  // The whole log this time, with the formula-looking report: no cell starts a formula.
  await page.fill("#audit-seal", "");
  await page.click('#audit-form button[type="submit"]');
  await page.waitForSelector("#audit-rows tr >> text=HYPERLINK");
  const [all] = await Promise.all([page.waitForEvent("download"), page.click("#audit-csv")]);
  const cells = readFileSync(await all.path(), "utf8").split("\r\n").slice(1).flatMap((line) => line.match(/("([^"]|"")*"|[^,]*)/g) || []);
  const bare = cells.map((c) => c.replace(/^"|"$/g, ""));
  assert.ok(bare.some((c) => c.startsWith("'=HYPERLINK")), "the formula is there, as text");
  assert.deepEqual(bare.filter((c) => /^[=+\-@\t\r]/.test(c)), [], "cells a spreadsheet would run");
  assert.deepEqual(await axe(page), [], "the audit view");
  await page.screenshot({ path: join(artifacts, "audit-en.png") });

  // The CRL, signed by the CA, lists the suspended seal's certificate on hold.
  await page.click("#tab-crl");
  const [crl] = await Promise.all([page.waitForEvent("download"), page.click("#crl-link")]);
  const out = execFileSync("openssl", ["crl", "-inform", "DER", "-in", await crl.path(), "-noout", "-text", "-verify", "-CAfile", join(data, "ca.pem")], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  assert.match(out, /Certificate Hold/);
  await page.screenshot({ path: join(artifacts, "crl-en.png") });
  await page.context().close();
});

test("an approver approves the keeper's request in Chinese", async () => {
  const page = await open("zh-CN");
  assert.equal(await page.getAttribute("html", "lang"), "zh-CN");
  assert.equal((await page.textContent("#login-title")).trim(), "登录");
  await page.screenshot({ path: join(artifacts, "login-zh.png") });
  await login(page, "approver1", KEEPER_PW);
  await page.waitForSelector("#app-view:not([hidden])");
  // An approver's page shows only what an approver may do: the seals without a button to
  // suspend, revoke, reinstate or change them, no forms to add or enroll seals, and no users
  // or audit tabs (the server would refuse them: the page reads the server's own route table).
  await page.locator("#seal-rows tr", { hasText: "Example Trading Co. Ltd." }).waitFor();
  assert.equal(await page.locator("#seal-rows button").count(), 0, "no seal action for an approver");
  assert.equal(await page.isVisible("#add-form"), false);
  assert.equal(await page.isVisible("#enroll-form"), false);
  assert.equal(await page.isVisible("#tab-users"), false);
  assert.equal(await page.isVisible("#tab-audit"), false);
  await page.waitForFunction(() => [...document.querySelectorAll("#seal-rows img")].every((i) => i.complete && i.naturalWidth > 0));
  await page.screenshot({ path: join(artifacts, "approver-seals-zh.png") });
  await page.click("#tab-approvals");
  const row = page.locator("#approval-rows tr", { hasText: requestId });
  await row.waitFor();
  assert.match(await row.textContent(), /Q4 supply contract/);
  assert.deepEqual(await axe(page), [], "the approvals view in Chinese");
  await page.screenshot({ path: join(artifacts, "approvals-zh.png") });
  await row.getByRole("button", { name: /^批准/ }).click();
  await page.waitForFunction((id) => /已批准/.test(document.querySelector("#status").textContent) && !document.querySelector("#approval-rows").textContent.includes(id), requestId);
  const list = JSON.parse(center("admin", ADMIN_PW, ["--json", "approvals"]));
  const decided = list.find((a) => a.id === requestId);
  assert.equal(decided.status, "approved");
  assert.equal(decided.decided_by, "approver1");
  // An approver may not change the registry: the page offers no button for it, and the API
  // refuses the call the button would have made.
  await page.click("#tab-seals");
  await page.waitForSelector("#seal-rows tr");
  const refused = await page.evaluate(async (id) => {
    const s = JSON.parse(sessionStorage.getItem("docseal-admin"));
    const r = await fetch(`/api/seals/${encodeURIComponent(id)}/revoke`, { method: "POST",
      headers: { authorization: `Bearer ${s.token}`, "x-csrf-token": s.csrf, "content-type": "application/json" },
      body: JSON.stringify({ reason: "lost" }) });
    return r.status;
  }, sealId);
  assert.equal(refused, 403);
  await page.screenshot({ path: join(artifacts, "seals-zh.png") });
  for (const tab of ["crl"]) {
    await page.click(`#tab-${tab}`);
    await page.waitForTimeout(200);
    await page.screenshot({ path: join(artifacts, `${tab}-zh.png`) });
  }
  await page.context().close();
});

test("a change without the CSRF token or from another origin is refused, and logging out ends the session", async () => {
  const page = await open("en-US");
  await login(page, "admin", ADMIN_PW);
  await page.waitForSelector("#app-view:not([hidden])");
  const results = await page.evaluate(async (id) => {
    const s = JSON.parse(sessionStorage.getItem("docseal-admin"));
    const post = (headers) => fetch(`/api/seals/${id}/reinstate`, { method: "POST", headers: { authorization: `Bearer ${s.token}`, "content-type": "application/json", ...headers }, body: "{}" })
      .then(async (r) => [r.status, (await r.json()).error]);
    return [await post({}), await post({ "x-csrf-token": "0".repeat(64) })];
  }, sealId);
  assert.deepEqual(results, [[403, "csrf-refused"], [403, "csrf-refused"]]);
  // Another origin (a page elsewhere posting with a stolen token) is refused too.
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem("docseal-admin")));
  const other = await fetchInsecure(`/api/seals/${sealId}/reinstate`, { authorization: `Bearer ${token.token}`, "x-csrf-token": token.csrf, origin: "https://evil.example" });
  assert.equal(other.status, 403);
  // With no Origin, a Referer from elsewhere is refused the same way.
  const referred = await fetchInsecure(`/api/seals/${sealId}/reinstate`, { authorization: `Bearer ${token.token}`, "x-csrf-token": token.csrf, referer: "https://evil.example/page" });
  assert.equal(referred.status, 403);
  assert.equal(referred.json.error, "csrf-refused");
  await page.click("#logout");
  await page.waitForSelector("#login-view:not([hidden])");
  const after = await fetchInsecure("/api/seals", { authorization: `Bearer ${token.token}` }, "GET");
  assert.equal(after.status, 401, "the session ended with the logout");
  await page.context().close();
});

/** A request from outside the browser (the origin header set by hand), trusting the center's
 * self-signed certificate for this call only. */
async function fetchInsecure(path, headers, method = "POST", body = {}) {
  const https = await import("node:https");
  return new Promise((ok, fail) => {
    const req = https.request({ host: "127.0.0.1", port, path, method, headers: { "content-type": "application/json", ...headers }, rejectUnauthorized: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => { text += d; });
      res.on("end", () => { let json = null; try { json = JSON.parse(text); } catch { /* not JSON */ } ok({ status: res.statusCode, json }); });
    });
    req.on("error", fail);
    req.end(method === "POST" ? JSON.stringify(body) : undefined);
  });
}

test("the admin page's language files have the same keys, and every key the page uses", () => {
  const dir = join(repo, "center/admin");
  const en = JSON.parse(readFileSync(join(dir, "i18n/en.json"), "utf8"));
  const zh = JSON.parse(readFileSync(join(dir, "i18n/zh-CN.json"), "utf8"));
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const [k, v] of Object.entries(zh)) assert.ok(v.trim() !== "" && (v !== en[k] || /^[{}()\w\s.-]*$/.test(v)), `zh-CN ${k} is not translated`);
  const html = readFileSync(join(dir, "index.html"), "utf8");
  const js = readFileSync(join(dir, "admin.js"), "utf8");
  const used = [...html.matchAll(/data-i18n(?:-aria)?="([^"]+)"/g), ...js.matchAll(/\bt\("([^"]+)"/g)].map((m) => m[1]);
  for (const k of used) assert.ok(k in en, `${k} is used but not in en.json`);
});

/** The task pane in an Office host stand-in (Word) with `bytes` open. */
async function pane(bytes) {
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 380, height: 760 } });
  const p = await ctx.newPage();
  await p.addInitScript(({ b64 }) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const ok = (value) => ({ status: "succeeded", value });
    window.Office = {
      HostType: { Word: "Word", Excel: "Excel" }, FileType: { Compressed: "compressed" },
      AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" }, PlatformType: { PC: "PC", OfficeOnline: "OfficeOnline" },
      onReady(cb) { setTimeout(() => cb({ host: "Word", platform: "PC" }), 0); return Promise.resolve({ host: "Word" }); },
      context: { platform: "PC", displayLanguage: "en-US", document: { url: "",
        getFileAsync(type, opts, cb) { cb(ok({ size: data.length, sliceCount: 1, getSliceAsync(i, cb2) { cb2(ok({ data: Array.from(data), index: 0 })); }, closeAsync() {} })); } } },
    };
  }, { b64: Buffer.from(bytes).toString("base64") });
  await p.route("**/office/office.js", (r) => r.fulfill({ contentType: "text/javascript", body: "" }));
  await p.goto(`https://127.0.0.1:${paneServerPort}/taskpane/taskpane.html`);
  await p.waitForFunction(() => document.getElementById("banner").dataset.verdict);
  return p;
}

async function sealInPane(p) {
  await p.selectOption("#seal", { label: "Example Trading Contract Seal" });
  await p.check('input[value="end"]');
  await p.fill("#pin", "123456");
  await p.evaluate(() => { document.getElementById("seal-status").textContent = ""; });
  await p.click("#seal-button");
  await p.waitForFunction(() => { const s = document.getElementById("seal-status").textContent; return s && !/Sealing/.test(s); }, null, { timeout: 30000 });
  return p.textContent("#seal-status");
}

test("a keeper requests approval from the task pane, an approver approves it on the admin page, and the seal stamps once", async () => {
  const contract = readFileSync(join(repo, "samples/documents/contract.docx"));
  const p = await pane(contract);
  await p.selectOption("#seal", { label: "Example Trading Contract Seal" });
  await p.waitForSelector("#approval-box:not([hidden])");
  // Refused before approval, with nothing written.
  assert.match(await sealInPane(p), /needs an approval/);
  await p.fill("#approval-reason", "Q4 supply contract, Northwind");
  await p.click("#approval-button");
  await p.waitForFunction(() => document.getElementById("approval-status").dataset.request);
  const req = await p.evaluate(() => document.getElementById("approval-status").dataset.request);
  assert.match(await p.textContent("#approval-status"), new RegExp(`Request ${req} sent`));
  await p.screenshot({ path: join(artifacts, "pane-approval-requested.png") });

  // The approver approves it on the admin page.
  const admin = await open("en-US");
  await login(admin, "approver1", KEEPER_PW);
  await admin.click("#tab-approvals");
  const row = admin.locator("#approval-rows tr", { hasText: req });
  await row.waitFor();
  assert.match(await row.textContent(), /Q4 supply contract, Northwind/);
  await row.getByRole("button", { name: /^Approve/ }).click();
  await admin.waitForFunction((id) => !document.querySelector("#approval-rows").textContent.includes(id), req);
  await admin.context().close();

  // Now the stamp succeeds, and the banner says who approved it.
  assert.match(await sealInPane(p), /Sealed copy/);
  await p.waitForFunction(() => document.getElementById("banner").className.includes("green"));
  assert.match(await p.textContent("#banner-text"), /Approved by approver1/);
  await p.screenshot({ path: join(artifacts, "pane-approved-sealed.png") });
  // Once: the same document again is refused.
  assert.match(await sealInPane(p), /needs an approval/);
  await p.context().close();

  // Another document is refused too: the approval was for the contract's bytes.
  const other = await pane(readFileSync(join(repo, "samples/documents/report.docx")));
  assert.match(await sealInPane(other), /needs an approval/);
  await other.context().close();
  const used = JSON.parse(center("admin", ADMIN_PW, ["--json", "approvals"])).find((a) => a.id === req);
  assert.equal(used.status, "used");
});

test("an approver's page in English offers only the approver's buttons", async () => {
  const page = await open("en-US");
  await login(page, "approver1", KEEPER_PW);
  await page.waitForSelector("#app-view:not([hidden])");
  await page.locator("#seal-rows tr", { hasText: "Example Trading Co. Ltd." }).waitFor();
  assert.equal(await page.locator("#seal-rows button").count(), 0);
  const tabs = await page.locator('[role="tab"]:visible').allTextContents();
  assert.deepEqual(tabs.map((x) => x.trim()), ["Seals", "Approvals", "CRL"]);
  await page.waitForFunction(() => [...document.querySelectorAll("#seal-rows img")].every((i) => i.complete && i.naturalWidth > 0));
  await page.screenshot({ path: join(artifacts, "approver-seals-en.png") });
  await page.context().close();
});
