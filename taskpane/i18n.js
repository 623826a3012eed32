// The pane's language: Simplified Chinese or English, after Office's display language in Office
// and the browser's elsewhere, with a switch on the page. The strings live in i18n/<lang>.json,
// one file per language; the server's error codes pick the message in the reader's language.
"use strict";
const docsealI18n = (() => {
  const LANGS = ["en", "zh-CN"];
  let lang = "en", strings = {};
  function choose() {
    const saved = (() => { try { return localStorage.getItem("docseal-pane-lang"); } catch (e) { return null; } })();
    if (LANGS.includes(saved)) return saved;
    const office = window.Office && Office.context && Office.context.displayLanguage;
    const asked = (office || navigator.language || "en").toLowerCase();
    return asked.startsWith("zh") ? "zh-CN" : "en";
  }
  function t(key, vars) {
    let s = strings[key];
    if (s === undefined) return key;
    for (const [k, v] of Object.entries(vars || {})) s = s.split("{" + k + "}").join(v);
    return s;
  }
  function has(key) { return key in strings; }
  function apply() {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
    for (const el of document.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
    const sel = document.getElementById("lang");
    if (sel) sel.value = lang;
  }
  async function load(which) {
    lang = LANGS.includes(which) ? which : choose();
    strings = await (await fetch("i18n/" + lang + ".json")).json();
    apply();
    return lang;
  }
  function remember(which) { try { localStorage.setItem("docseal-pane-lang", which); } catch (e) { /* private mode */ } }
  return { load, t, has, remember, lang: () => lang };
})();
