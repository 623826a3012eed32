// The task pane in Debian's headless Chromium (playwright-core, executablePath /usr/bin/chromium)
// against a running docseal-server: plain-browser mode, and an Office host stand-in that hands
// the page real document bytes through getFileAsync. Screenshots go to tests/artifacts/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync, execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, readFileSync, mkdirSync, existsSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";
import http from "node:http";
import { chromium } from "playwright-core";

const repo = join(dirname(fileURLToPath(import.meta.url)), "../..");
const artifacts = join(repo, "tests/artifacts");
mkdirSync(artifacts, { recursive: true });
const serverBin = process.env.DOCSEAL_SERVER || join(repo, "target/debug/docseal-server");
const docseal = process.env.DOCSEAL_BIN || join(repo, "target/debug/docseal");
const work = mkdtempSync(join(tmpdir(), "docseal-e2e-"));

const freePort = () => new Promise((ok) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => ok(p)); }); });
const waitPort = async (port) => {
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((ok) => { const c = net.connect(port, "127.0.0.1", () => { c.end(); ok(true); }).on("error", () => ok(false)); });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("docseal-server did not start");
};

let server, port, browser, tokenEnv, tsa, tsaUrl;

/** An RFC 3161 TSA on 127.0.0.1: `openssl ts -reply` with the test PKI's TSA certificate. */
const startTsa = (pki) => new Promise((ok) => {
  const s = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      // A file, not /dev/stdin: node hands a child a socket for stdin, which openssl cannot fopen.
      const query = join(pki, `query-${process.hrtime.bigint()}.tsq`);
      writeFileSync(query, Buffer.concat(chunks));
      const reply = execFileSync("openssl", ["ts", "-reply", "-config", "tsa.cnf", "-queryfile", query],
        { cwd: pki, stdio: ["ignore", "pipe", "ignore"] });
      res.writeHead(200, { "Content-Type": "application/timestamp-reply" });
      res.end(reply);
    });
  }).listen(0, "127.0.0.1", () => ok(s));
});

before(async () => {
  // A test PKI and a SoftHSM2 token made for this run.
  execFileSync("bash", [join(repo, "tests/make-test-pki.sh"), join(work, "pki")]);
  execFileSync("bash", [join(repo, "tests/make-test-token.sh"), join(work, "token"), join(work, "pki")]);
  tokenEnv = { SOFTHSM2_CONF: join(work, "token/softhsm2.conf"), DOCSEAL_PKCS11_MODULE: "/usr/lib/softhsm/libsofthsm2.so" };
  tsa = await startTsa(join(work, "pki"));
  tsaUrl = `http://127.0.0.1:${tsa.address().port}/tsa`;
  port = await freePort();
  // The seal center's CRL reports the EC (finance) seal lost; every seal made here is time-stamped.
  server = spawn(serverBin, ["--port", String(port), "--data-dir", join(work, "data"), "--no-open",
    "--seal", "pkcs11:token=SealKey;object=Official%20Seal", "--trust", join(repo, "engine/tests/data/golden-cert.pem"),
    "--trust", join(work, "pki/ca.pem"), "--crl", join(work, "pki/lost-ec.crl"), "--tsa", tsaUrl],
    { env: { ...process.env, ...tokenEnv }, stdio: "ignore" });
  await waitPort(port);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"] });
});

after(async () => {
  await browser?.close();
  server?.kill();
  tsa?.close();
  rmSync(work, { recursive: true, force: true });
});

/** `docseal sign` with a test PKI key, extra arguments after. Asynchronous: the TSA it may ask
 * answers from this same process. */
async function signCli(input, output, key, cert, extra = []) {
  await promisify(execFile)(docseal, ["sign", input, "-o", output, "--key", join(work, "pki", key), "--cert", join(work, "pki", cert), ...extra]);
  return readFileSync(output);
}

const url = (at = port) => `https://127.0.0.1:${at}/taskpane/taskpane.html`;

async function page() {
  // The keeper's own time zone: the pane shows times there, the UTC time in Details.
  const ctx = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 380, height: 720 }, timezoneId: "Asia/Shanghai" });
  return ctx.newPage();
}

/** An Office host stand-in: Word (or `host`) with `bytes` open at `docUrl`, in Office's
 * `displayLanguage`. It answers the Word and Excel JavaScript calls the pane makes and records
 * them in `window.__officeCalls`; `shapes` are the alt texts of the pictures in the document,
 * `sets` the requirement sets the host supports. */
async function officePage(bytes, docUrl, displayLanguage = "en-US", { host = "Word", shapes = [], sets = [], at = port } = {}) {
  const p = await page();
  await p.addInitScript(({ b64, docUrl, displayLanguage, host, shapes, sets }) => {
    const calls = window.__officeCalls = [];
    const shapeItems = shapes.map((alt, i) => ({
      altTextDescription: alt, left: 40 + i * 10, top: 60, width: 120, height: 120,
      set visible(v) { calls.push(["shape.visible", alt, v]); },
    }));
    const sync = async () => { calls.push(["sync"]); };
    window.Word = { run: async (cb) => cb({ sync, document: {
      getSelection: () => ({ text: "", load() {}, insertOoxml: (xml, where) => calls.push(["insertOoxml", xml, where]) }),
      body: { shapes: { items: shapeItems, load: (what) => calls.push(["shapes.load", what]) } },
    } }) };
    window.Excel = { ConnectorType: { straight: "Straight" }, run: async (cb) => cb({ sync, workbook: {
      getActiveCell: () => ({ address: "Orders!E10", load() {} }),
      worksheets: { load() {}, items: [{ name: "Orders", shapes: {
        items: shapeItems, load: (what) => calls.push(["shapes.load", what]),
        addLine: (...a) => { calls.push(["addLine", ...a]); return { lineFormat: {}, name: "" }; },
        addTextBox: (text) => { calls.push(["addTextBox", text]); return { fill: { setSolidColor: (c) => calls.push(["fill", c]) }, textFrame: { textRange: { font: {} } } }; },
      } }] },
    } }) };
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const slice = 64 * 1024;
    const ok = (value) => ({ status: "succeeded", value });
    window.Office = {
      HostType: { Word: "Word", Excel: "Excel" }, FileType: { Compressed: "compressed" },
      AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" }, PlatformType: { PC: "PC", OfficeOnline: "OfficeOnline" },
      onReady(cb) { setTimeout(() => cb({ host, platform: "PC" }), 0); return Promise.resolve({ host }); },
      context: {
        platform: "PC",
        requirements: { isSetSupported: (name) => sets.includes(name) },
        displayLanguage,
        document: {
          url: docUrl,
          getFileAsync(type, opts, cb) {
            const count = Math.ceil(data.length / slice);
            cb(ok({ size: data.length, sliceCount: count,
              getSliceAsync(i, cb2) { cb2(ok({ data: Array.from(data.subarray(i * slice, (i + 1) * slice)), index: i })); },
              closeAsync() {} }));
          },
        },
      },
    };
  }, { b64: Buffer.from(bytes).toString("base64"), docUrl, displayLanguage, host, shapes, sets });
  // The stand-in plays Office: the real office.js (served by docseal-server) stays out of the way.
  await p.route("**/office/office.js", (r) => r.fulfill({ contentType: "text/javascript", body: "" }));
  await p.goto(url(at));
  return p;
}

const banner = async (p) => {
  await p.waitForFunction(() => !["Checking the document…", "正在检查文档…"].includes(document.getElementById("banner-title").textContent));
  return p.evaluate(() => ({ cls: document.getElementById("banner").className, title: document.getElementById("banner-title").textContent, text: document.getElementById("banner-text").textContent }));
};

test("a sealed document shows the green banner with the signer", async () => {
  const p = await officePage(readFileSync(join(repo, "samples/stamped/contract.sealed.docx")), "");
  const b = await banner(p);
  await p.screenshot({ path: join(artifacts, "banner-green.png") });
  assert.match(b.cls, /green/, JSON.stringify(b));
  assert.match(b.title, /Sealed by docseal golden test seal/);
  // A local time in words, not the report's UTC stamp; the UTC time stays in Details.
  assert.doesNotMatch(b.text, /\d{4}-\d\d-\d\dT\d\d:\d\d/, JSON.stringify(b));
  assert.match(await p.textContent("#details"), /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
});

test("a tampered document shows red with the reason", async () => {
  const tampered = join(work, "tampered.docx");
  execFileSync("python3", ["-c", `
import zipfile,sys
src=zipfile.ZipFile(sys.argv[1]); dst=zipfile.ZipFile(sys.argv[2],'w',zipfile.ZIP_DEFLATED)
for i in src.infolist():
    b=src.read(i.filename)
    if i.filename=='word/document.xml': b=b.replace(b'Buyer: Northwind', b'Buyer: Southwind')
    dst.writestr(i,b)
dst.close()`, join(repo, "samples/stamped/contract.sealed.docx"), tampered]);
  const p = await officePage(readFileSync(tampered), "");
  const b = await banner(p);
  await p.waitForFunction(() => { const i = document.getElementById("seal-picture"); return !i.hidden && i.complete && i.naturalWidth > 0; });
  await p.screenshot({ path: join(artifacts, "banner-red.png") });
  assert.match(b.cls, /red/, JSON.stringify(b));
  // The change in words; the part it happened in is named in Details.
  assert.equal(b.text, "The document's text was changed after sealing.", JSON.stringify(b));
  assert.match(await p.textContent("#details"), /\/word\/document\.xml/);
});

test("an unsealed document is grey", async () => {
  const p = await officePage(readFileSync(join(repo, "samples/documents/contract.docx")), "");
  const b = await banner(p);
  await p.screenshot({ path: join(artifacts, "banner-grey.png") });
  assert.match(b.cls, /grey/);
  assert.match(b.title, /Not sealed/);
});

test("sealing through the pane with the token writes a copy LibreOffice accepts; a wrong PIN says so", async () => {
  const folder = join(work, "docs");
  mkdirSync(folder, { recursive: true });
  const original = join(folder, "contract.docx");
  writeFileSync(original, readFileSync(join(repo, "samples/documents/contract.docx")));
  const p = await officePage(readFileSync(original), original);
  await banner(p);
  await p.waitForFunction(() => document.querySelectorAll("#seal option").length > 0);
  // The picker names the seal by its certificate, never by its token URI, and shows its picture.
  const names = await p.locator("#seal option").allTextContents();
  assert.deepEqual(names, ["Example Trading Co. Ltd. Official Seal"]);
  await p.waitForFunction(() => { const i = document.getElementById("seal-picture"); return !i.hidden && i.complete && i.naturalWidth > 0; });
  await p.locator("#seal-form").screenshot({ path: join(artifacts, "picker-en.png") });
  await p.fill("#keyword", "Example Trading Co. Ltd.");
  await p.fill("#pin", "000000");
  await p.click("#seal-button");
  await p.waitForFunction(() => /PIN/.test(document.getElementById("seal-status").textContent));
  await p.screenshot({ path: join(artifacts, "wrong-pin.png") });
  assert.match(await p.textContent("#seal-status"), /Wrong PIN/);
  assert.equal(await p.inputValue("#pin"), "", "the PIN field is cleared");
  await p.fill("#pin", "123456");
  await p.click("#seal-button");
  await p.waitForFunction(() => /Sealed copy/.test(document.getElementById("seal-status").textContent), null, { timeout: 30000 });
  await p.screenshot({ path: join(artifacts, "sealed.png") });
  const sealed = join(folder, "contract.sealed.docx");
  assert.ok(existsSync(sealed), "the sealed copy is beside the original");
  const b = await banner(p);
  assert.match(b.cls, /green/);
  assert.match(b.text, /proven by TSA Test Time-Stamping Authority/, "the server time-stamps with --tsa");
  if (!process.env.DOCSEAL_SKIP_LIBREOFFICE) {
    const out = execFileSync("/usr/bin/python3", [join(repo, "tests/oracle/lo-verify"), "--no-load", "--trust-ca", join(work, "pki/ca.pem"), sealed]).toString();
    const r = JSON.parse(out.trim().split("\n")[0]);
    assert.equal(r.document_signature_state, "PARTIAL_OK", out);
    assert.equal(r.signatures[0].certificate_valid, true, out);
  }
});

test("plain-browser mode: drop a file, see the verdict", async () => {
  const p = await page();
  await p.goto(url());
  await p.waitForSelector("#browser-mode:not([hidden])");
  await p.setInputFiles("#file", join(repo, "samples/stamped/ledger.sealed.xlsx"));
  await p.waitForFunction(() => document.getElementById("banner").dataset.verdict);
  const b = await banner(p);
  await p.screenshot({ path: join(artifacts, "browser-drop.png") });
  assert.match(b.cls, /green/, JSON.stringify(b));
});

test("office.js is served by docseal-server itself", async () => {
  const p = await page();
  const res = await p.goto(`https://127.0.0.1:${port}/office/office.js`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()["content-type"], /javascript/);
  assert.ok((await res.text()).length > 10000);
});

test("a time-stamped seal says its time is proven by the TSA", async () => {
  const bytes = await signCli(join(repo, "samples/documents/contract.docx"), join(work, "ts.docx"), "rsa.key", "rsa.pem", ["--tsa", tsaUrl]);
  const p = await officePage(bytes, "");
  const b = await banner(p);
  await p.screenshot({ path: join(artifacts, "banner-timestamp.png") });
  assert.match(b.cls, /green/, JSON.stringify(b));
  assert.match(b.text, /proven by TSA Test Time-Stamping Authority/, JSON.stringify(b));
});

test("a seal without a time-stamp says the time is the signer's claim", async () => {
  const bytes = await signCli(join(repo, "samples/documents/contract.docx"), join(work, "plain.docx"), "rsa.key", "rsa.pem");
  const p = await officePage(bytes, "");
  const b = await banner(p);
  assert.match(b.cls, /green/, JSON.stringify(b));
  assert.match(b.text, /claimed by the signer/, JSON.stringify(b));
});

test("a seal reported lost shows the amber revoked banner", async () => {
  const bytes = await signCli(join(repo, "samples/documents/contract.docx"), join(work, "lost.docx"), "ec.key", "ec.pem");
  const p = await officePage(bytes, "");
  const b = await banner(p);
  await p.screenshot({ path: join(artifacts, "banner-revoked.png") });
  assert.match(b.cls, /amber/, JSON.stringify(b));
  assert.match(b.title, /reported lost/, JSON.stringify(b));
  assert.match(b.text, /signing time not proven/, JSON.stringify(b));
});

test("a seal whose revocation list is past its next update is amber: revocation not checked, in English and Chinese", async () => {
  // The test CA's CRL, listing nothing, that expired yesterday; a second server that has only it.
  const pki = join(work, "pki");
  const stale = join(work, "stale.crl");
  const ts = (d) => d.toISOString().replace(/[-:T]/g, "").slice(0, 14) + "Z";
  const day = 24 * 3600 * 1000;
  writeFileSync(join(work, "stale.cnf"), `[ca]\ndefault_ca=tca\n[tca]\ndatabase=${join(work, "stale-index.txt")}\ncrlnumber=${join(work, "stale-number")}\ndefault_md=sha256\n`);
  writeFileSync(join(work, "stale-index.txt"), "");
  writeFileSync(join(work, "stale-number"), "01\n");
  execFileSync("openssl", ["ca", "-config", join(work, "stale.cnf"), "-keyfile", join(pki, "ca.key"), "-cert", join(pki, "ca.pem"), "-gencrl",
    "-crl_lastupdate", ts(new Date(Date.now() - 2 * day)).slice(2), "-crl_nextupdate", ts(new Date(Date.now() - day)).slice(2), "-out", stale], { stdio: "ignore" });
  const stalePort = await freePort();
  const staleServer = spawn(serverBin, ["--port", String(stalePort), "--data-dir", join(work, "stale-data"), "--no-open",
    "--trust", join(pki, "ca.pem"), "--crl", stale, "--offline"], { stdio: "ignore" });
  try {
    await waitPort(stalePort);
    const bytes = await signCli(join(repo, "samples/documents/contract.docx"), join(work, "unchecked.docx"), "rsa.key", "rsa.pem");
    for (const [lang, title, shot] of [["en-US", /revocation not checked/, "banner-unchecked.png"], ["zh-CN", /未能核实挂失状态/, "banner-unchecked-zh.png"]]) {
      const p = await officePage(bytes, "", lang, { at: stalePort });
      const b = await banner(p);
      await p.screenshot({ path: join(artifacts, shot) });
      assert.match(b.cls, /amber/, JSON.stringify(b));
      assert.doesNotMatch(b.cls, /green/, JSON.stringify(b));
      assert.match(b.title, title, JSON.stringify(b));
      await p.context().close();
    }
  } finally {
    staleServer.kill();
  }
});

// A partner's Word 2010 signature on a signature line (one of the documents others signed, in
// ../shared: optional, skipped without it): amber, "signed by … with Word 2010 on a signature
// line", the line listed in the details — never a broken seal.
test("a partner's intact Word signature on a signature line says who signed it with what, in English and Chinese", async (t) => {
  const sample = join(repo, "../shared/interop/samples/third-party/e-contract+eid-applet__ms2010-signed-picture.docx");
  if (!existsSync(sample)) { t.skip("../shared/interop/samples is not beside the project"); return; }
  for (const [lang, made, line, shot] of [
    ["en-US", /^Signed by Bart Hanssens \(Signature\) with Word 2010 on a signature line\./, /signature line “Bart Hanssens”: signed by Bart Hanssens \(Signature\), intact/, "banner-partner-line.png"],
    ["zh-CN", /^Bart Hanssens \(Signature\) 使用 Word 2010 在签名行上签署。/, /签名行“Bart Hanssens”：Bart Hanssens \(Signature\) 已签署，完整/, "banner-partner-line-zh.png"],
  ]) {
    const p = await officePage(readFileSync(sample), "", lang);
    const b = await banner(p);
    assert.match(b.cls, /amber/, JSON.stringify(b));
    assert.match(b.text, made, JSON.stringify(b));
    await p.click("#banner-details summary");
    assert.match(await p.textContent("#details"), line);
    await p.screenshot({ path: join(artifacts, shot) });
    await p.context().close();
  }
});

/** A sealed sample with its signature parts taken out: the seal picture stays, naming a
 * signature that is not there — a copied seal. */
function copiedSeal(sample = "contract.sealed.docx") {
  const out = join(work, "copied-" + sample);
  execFileSync("python3", ["-c", `
import zipfile,re,sys
src=zipfile.ZipFile(sys.argv[1]); dst=zipfile.ZipFile(sys.argv[2],'w',zipfile.ZIP_DEFLATED)
for i in src.infolist():
    if i.filename.startswith('_xmlsignatures/'): continue
    b=src.read(i.filename)
    if i.filename=='_rels/.rels': b=re.sub(rb'<Relationship [^>]*digital-signature/origin[^>]*/>', b'', b)
    if i.filename=='[Content_Types].xml': b=re.sub(rb'<Override [^>]*_xmlsignatures[^>]*/>', b'', b)
    dst.writestr(i,b)
dst.close()`, join(repo, "samples/stamped", sample), out]);
  return readFileSync(out);
}

/** The seal marks (alt texts) of a package's pictures. */
function sealMarks(file, part) {
  const xml = execFileSync("unzip", ["-p", file, part]).toString();
  // docPr and the picture's cNvPr carry the same mark: one per seal.
  return [...new Set([...xml.matchAll(/descr="([^"]*\(docseal; certificate SHA-256 [^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, "&")))];
}

/** `docseal slot add` for a draft. */
function slotAdd(input, output, label, place) {
  execFileSync(docseal, ["slot", "add", input, "-o", output, "--label", label, "--signer-hint", label === "Party A" ? "Example Trading Co. Ltd." : "Northwind Import GmbH", ...place]);
}

test("two parties seal their slots: the pane seals A's slot on the token and lists both seals once B has sealed", async () => {
  const folder = join(work, "slots");
  mkdirSync(folder, { recursive: true });
  const one = join(folder, "one.docx"), draft = join(folder, "contract.docx");
  slotAdd(join(repo, "samples/documents/contract.docx"), one, "Party A", ["--at-text", "Example Trading Co. Ltd.", "--occurrence", "last"]);
  slotAdd(one, draft, "Party B", ["--at-text", "Northwind Import GmbH"]);
  // Party A: the pane offers the two empty slots; A seals into its own.
  let p = await officePage(readFileSync(draft), draft);
  let b = await banner(p);
  assert.match(b.cls, /grey/, JSON.stringify(b));
  await p.waitForSelector("#slot-choice:not([hidden])");
  assert.deepEqual(await p.$$eval("#slot option", (o) => o.map((x) => x.value)).then((v) => v.sort()), ["Party A", "Party B"]);
  await p.waitForFunction(() => document.querySelectorAll("#seal option").length > 0);
  await p.selectOption("#slot", "Party A");
  await p.fill("#pin", "123456");
  await p.click("#seal-button");
  await p.waitForFunction(() => /Sealed copy/.test(document.getElementById("seal-status").textContent), null, { timeout: 30000 });
  const sealedA = join(folder, "contract.sealed.docx");
  b = await banner(p);
  assert.match(b.cls, /green/, JSON.stringify(b));
  assert.match(b.text, /1 of 2 seal slots sealed; empty: Party B/, JSON.stringify(b));
  await p.context().close();
  // Party B seals with another key (the token's EC key, on the command line), and the pane
  // lists both seals.
  const sealedAB = join(folder, "contract.both.docx");
  const pin = join(work, "pin.txt");
  writeFileSync(pin, "123456\n");
  execFileSync(docseal, ["stamp", sealedA, "-o", sealedAB, "--key", "pkcs11:token=SealKey;id=%02", "--pin-file", pin,
    "--name", "Northwind Import GmbH", "--into-slot", "Party B"], { env: { ...process.env, ...tokenEnv } });
  p = await officePage(readFileSync(sealedAB), sealedAB);
  b = await banner(p);
  assert.match(b.cls, /green/, JSON.stringify(b));
  assert.match(b.title, /^Sealed by 2 parties$/, JSON.stringify(b));
  assert.match(b.text, /2 of 2 seal slots sealed/, JSON.stringify(b));
  const rows = await p.$$eval("#details li", (l) => l.map((x) => x.textContent));
  const slotRows = rows.filter((r) => r.startsWith("slot "));
  assert.equal(slotRows.length, 2, rows.join("\n"));
  assert.ok(slotRows.some((r) => /^slot Party A: bound — Example Trading Co\. Ltd\. Official Seal/.test(r)), rows.join("\n"));
  assert.ok(slotRows.some((r) => /^slot Party B: bound — Example Trading Co\. Ltd\. Finance Seal/.test(r)), rows.join("\n"));
  await p.evaluate(() => { document.getElementById("banner-details").open = true; });
  await p.screenshot({ path: join(artifacts, "slots-both-seals.png"), fullPage: true });
  if (!process.env.DOCSEAL_SKIP_LIBREOFFICE) {
    const out = execFileSync("/usr/bin/python3", [join(repo, "tests/oracle/lo-verify"), "--no-load", "--trust-ca", join(work, "pki/ca.pem"), sealedAB]).toString();
    const r = JSON.parse(out.trim().split("\n")[0]);
    assert.equal(r.signatures.length, 2, out);
    assert.ok(r.signatures.every((s) => s.signature_valid), out);
  }
});

test("Add seal slot here: Word inserts the slot at the selection; for Excel a copy with the slot is written", async () => {
  const folder = join(work, "add-slot");
  mkdirSync(folder, { recursive: true });
  const doc = join(folder, "draft.docx");
  writeFileSync(doc, readFileSync(join(repo, "samples/documents/contract.docx")));
  let p = await officePage(readFileSync(doc), doc);
  await banner(p);
  await p.fill("#slot-label", "Party B");
  await p.fill("#slot-hint", "Northwind Import GmbH");
  await p.click("#slot-button");
  await p.waitForFunction(() => /added at the selection/.test(document.getElementById("slot-status").textContent));
  const calls = await p.evaluate(() => window.__officeCalls);
  const insert = calls.find((c) => c[0] === "insertOoxml");
  assert.ok(insert, JSON.stringify(calls.map((c) => c[0])));
  assert.equal(insert[2], "After");
  assert.match(insert[1], /<pkg:package /);
  assert.match(insert[1], /<o:signatureline [^>]*id="\{[0-9A-F-]{36}\}"[^>]*o:suggestedsigner="Party B"/);
  assert.match(insert[1], /o:suggestedsigner2="Northwind Import GmbH"/);
  assert.match(insert[1], /pkg:name="\/word\/media\/docseal-slot.png"/);
  await p.screenshot({ path: join(artifacts, "slot-added-word.png") });
  await p.context().close();
  // Excel: the active cell is where the slot goes, in a copy beside the workbook.
  const book = join(folder, "ledger.xlsx");
  writeFileSync(book, readFileSync(join(repo, "samples/documents/ledger.xlsx")));
  p = await officePage(readFileSync(book), book, "en-US", { host: "Excel" });
  await banner(p);
  await p.fill("#cell", "Orders!E10");
  await p.fill("#slot-label", "Party B");
  await p.click("#slot-button");
  await p.waitForFunction(() => /A copy with the slot/.test(document.getElementById("slot-status").textContent));
  const copy = join(folder, "ledger.slots.xlsx");
  assert.ok(existsSync(copy));
  assert.match(execFileSync(docseal, ["slot", "list", copy]).toString(), /^Party B\t\t\/xl\/drawings\/vmlDrawing1\.vml$/m);
  await p.context().close();
  // The workbook drafted in the pane: a second slot for Party A on the copy, then A seals into
  // it through the pane and B on the command line; both seals hold.
  p = await officePage(readFileSync(copy), copy, "en-US", { host: "Excel" });
  await banner(p);
  await p.fill("#cell", "Orders!E20");
  await p.fill("#slot-label", "Party A");
  await p.click("#slot-button");
  await p.waitForFunction(() => /A copy with the slot/.test(document.getElementById("slot-status").textContent));
  await p.context().close();
  const draft = join(folder, "ledger.slots.slots.xlsx");
  p = await officePage(readFileSync(draft), draft, "en-US", { host: "Excel" });
  await banner(p);
  await p.waitForSelector("#slot-choice:not([hidden])");
  await p.waitForFunction(() => document.querySelectorAll("#seal option").length > 0);
  await p.selectOption("#slot", "Party A");
  await p.fill("#pin", "123456");
  await p.click("#seal-button");
  await p.waitForFunction(() => /Sealed copy/.test(document.getElementById("seal-status").textContent), null, { timeout: 30000 });
  assert.match((await banner(p)).text, /1 of 2 seal slots sealed; empty: Party B/);
  const both = join(folder, "ledger.both.xlsx");
  execFileSync(docseal, ["stamp", join(folder, "ledger.slots.slots.sealed.xlsx"), "-o", both, "--key", join(work, "pki/rsa.key"),
    "--cert", join(work, "pki/rsa.pem"), "--name", "Northwind Import GmbH", "--into-slot", "Party B"]);
  const r = JSON.parse(execFileSync(docseal, ["verify", "--json", "--trust", join(work, "pki/ca.pem"), both]).toString())[0];
  assert.equal(r.verdict, "valid", JSON.stringify(r.findings));
  assert.deepEqual(r.seals.map((s) => [s.slot, s.status]).sort(), [["Party A", "bound"], ["Party B", "bound"]]);
});

test("a red banner covers the copied seals in the open document and says not to save", async () => {
  // Word: the seal is hidden through the shapes API where the host has it.
  const docx = copiedSeal();
  const marks = sealMarks(join(repo, "samples/stamped/contract.sealed.docx"), "word/document.xml");
  assert.equal(marks.length, 1);
  let p = await officePage(docx, "", "en-US", { shapes: [marks[0], "a logo"], sets: ["WordApiDesktop"] });
  let b = await banner(p);
  assert.match(b.cls, /red/, JSON.stringify(b));
  await p.waitForSelector(".banner-note");
  assert.match(await p.textContent(".banner-note"), /1 seal\(s\) .* covered .* Do not save/);
  let calls = await p.evaluate(() => window.__officeCalls);
  assert.deepEqual(calls.filter((c) => c[0] === "shape.visible"), [["shape.visible", marks[0], false]]);
  await p.screenshot({ path: join(artifacts, "covered-word.png") });
  // The next message (checking again, a failure) takes the note away with the red banner.
  await p.evaluate(() => docsealBanner.message("grey", "Checking", ""));
  assert.equal(await p.locator(".banner-note").count(), 0);
  await p.context().close();
  // Without the shapes API the banner alone says it: nothing is touched.
  p = await officePage(docx, "", "en-US", { shapes: [marks[0]], sets: [] });
  await banner(p);
  calls = await p.evaluate(() => window.__officeCalls);
  assert.equal(calls.filter((c) => c[0] === "shape.visible").length, 0);
  await p.context().close();
  // Excel: a grey cross and INVALID over the seal.
  const xlsx = copiedSeal("ledger.sealed.xlsx");
  const xmarks = sealMarks(join(repo, "samples/stamped/ledger.sealed.xlsx"), "xl/drawings/drawing1.xml");
  assert.equal(xmarks.length, 1);
  p = await officePage(xlsx, "", "en-US", { host: "Excel", shapes: [xmarks[0]], sets: ["ExcelApi"] });
  b = await banner(p);
  assert.match(b.cls, /red/, JSON.stringify(b));
  await p.waitForSelector(".banner-note");
  calls = await p.evaluate(() => window.__officeCalls);
  assert.deepEqual(calls.filter((c) => c[0] === "addLine").map((c) => c.slice(1, 5)), [[40, 60, 160, 180], [160, 60, 40, 180]]);
  assert.deepEqual(calls.filter((c) => c[0] === "addTextBox"), [["addTextBox", "INVALID"]]);
  await p.screenshot({ path: join(artifacts, "covered-excel.png") });
});

test("in Chinese Office the pane speaks Chinese: labels and the valid, modified, copied and revoked banners", async () => {
  const cases = [
    ["valid", readFileSync(join(repo, "samples/stamped/contract.sealed.docx")), /green/, /^由 docseal golden test seal .*盖章$/, /盖章时间 .*此后未被修改/],
    ["modified", readFileSync(join(work, "tampered.docx")), /red/, /^盖章后被修改$/, /^盖章后文档的文字被修改。$/],
    ["copied", copiedSeal(), /red/, /^复制的印章——在此无效$/, /复制/],
    ["revoked", await signCli(join(repo, "samples/documents/contract.docx"), join(work, "lost-zh.docx"), "ec.key", "ec.pem"), /amber/, /^印章已挂失（已吊销）$/, /签章者自称/],
  ];
  for (const [name, bytes, cls, title, text] of cases) {
    const p = await officePage(bytes, "", "zh-CN");
    const b = await banner(p);
    assert.equal(await p.getAttribute("html", "lang"), "zh-CN");
    assert.match(b.cls, cls, `${name}: ${JSON.stringify(b)}`);
    assert.match(b.title, title, `${name}: ${JSON.stringify(b)}`);
    assert.match(b.text, text, `${name}: ${JSON.stringify(b)}`);
    assert.equal((await p.textContent("#seal-form h2")).trim(), "为此文档盖章");
    assert.equal((await p.textContent("#seal-button")).trim(), "盖章");
    await p.screenshot({ path: join(artifacts, `banner-${name}-zh.png`) });
    if (name === "valid") {
      await p.waitForFunction(() => { const i = document.getElementById("seal-picture"); return !i.hidden && i.complete && i.naturalWidth > 0; });
      assert.doesNotMatch(await p.textContent("#seal"), /pkcs11:/);
      await p.locator("#seal-form").screenshot({ path: join(artifacts, "picker-zh.png") });
    }
    await p.context().close();
  }
});

test("the switch on the page changes the language, and the language files have the same keys", async () => {
  const p = await officePage(readFileSync(join(repo, "samples/stamped/contract.sealed.docx")), "", "en-US");
  await banner(p);
  assert.match(await p.textContent("#banner-title"), /^Sealed by/);
  await p.selectOption("#lang", "zh-CN");
  await p.waitForFunction(() => document.getElementById("banner-title").textContent.startsWith("由"));
  assert.equal((await p.textContent("#seal-form h2")).trim(), "为此文档盖章");
  await p.context().close();
  const en = JSON.parse(readFileSync(join(repo, "taskpane/i18n/en.json"), "utf8"));
  const zh = JSON.parse(readFileSync(join(repo, "taskpane/i18n/zh-CN.json"), "utf8"));
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
  for (const [k, v] of Object.entries(zh)) assert.ok(v.trim() !== "" && v !== en[k], `zh-CN ${k} is not translated`);
  const html = readFileSync(join(repo, "taskpane/taskpane.html"), "utf8");
  const js = ["app.js", "banner.js"].map((f) => readFileSync(join(repo, "taskpane", f), "utf8")).join("\n");
  const used = [...html.matchAll(/data-i18n="([^"]+)"/g), ...js.matchAll(/\bt\("([^"]+)"/g)].map((m) => m[1]);
  // Keys built at run time ("error." + code) are prefixes, not keys.
  for (const k of used.filter((k) => !k.endsWith("."))) assert.ok(k in en, `${k} is used but not in en.json`);
});
