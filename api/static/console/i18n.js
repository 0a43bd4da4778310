// Chinese and English: every string the console shows is a key of both dictionaries.
import en from "./i18n/en.js";
import zh from "./i18n/zh.js";

const DICTIONARIES = { en, zh };
const LANG_KEY = "qianbao.console.lang";
let current = sessionStorage.getItem(LANG_KEY) === "zh" ? "zh" : "en";

export function lang() {
  return current;
}

export function setLang(code) {
  current = code === "zh" ? "zh" : "en";
  sessionStorage.setItem(LANG_KEY, current);
  document.documentElement.lang = current === "zh" ? "zh-CN" : "en";
}

export function t(key, vars = {}) {
  const text = DICTIONARIES[current][key] ?? DICTIONARIES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}
