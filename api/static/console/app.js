// The console shell: sign-in, the role's navigation, hash routing, and what happens when a session ends.
import { AuthExpired, ApiError, gql, hasToken, signIn, signOut } from "./api.js";
import { clear, field, h, message } from "./dom.js";
import { lang, setLang, t } from "./i18n.js";
import { PAGES } from "./pages/index.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const navList = document.getElementById("nav-list");
const who = document.getElementById("who");
const langButton = document.getElementById("lang");
const logoutButton = document.getElementById("logout");
let viewer = null; // { role, email, scopes: Set of Scope enum names }
let returnTo = null; // the page to go back to after signing in again
// The page on screen when its session ended mid-way (with what was typed in it), kept out of the document while the
// login shows: { hash, email, lang, nodes }. Put back only for the same staff member, page and language; anyone
// else, a sign-out or a navigation gets a freshly loaded page instead (never someone else's data or typed input).
let parked = null;
let rendering = false; // a page is being loaded by route(): a session ending then leaves nothing worth keeping

function can(scope) {
  return Boolean(viewer && viewer.scopes.has(scope));
}

function describe(error) {
  if (error instanceof ApiError) return error.code ? `${t("error.refused")} (${error.code}): ${error.message}` : error.message;
  return String(error && error.message ? error.message : error);
}

async function loadViewer() {
  const data = await gql("{ viewer { kind role grantedScopes staffUser { email } } }");
  if (data.viewer.kind !== "staff") {
    signOut();
    throw new ApiError(t("login.notStaff"), "FORBIDDEN");
  }
  viewer = { role: data.viewer.role, email: data.viewer.staffUser ? data.viewer.staffUser.email : "", scopes: new Set(data.viewer.grantedScopes) };
}

function renderChrome() {
  document.title = t("app.title");
  document.getElementById("brand").textContent = t("app.title");
  document.getElementById("skip").textContent = t("app.skip");
  nav.setAttribute("aria-label", t("app.nav"));
  langButton.textContent = lang() === "zh" ? "English" : "中文";
  langButton.setAttribute("lang", lang() === "zh" ? "en" : "zh");
  logoutButton.textContent = t("app.signOut");
  logoutButton.hidden = !viewer;
  nav.hidden = !viewer;
  who.textContent = viewer ? `${viewer.email} · ${t(`role.${viewer.role}`)}` : "";
  clear(navList);
  if (!viewer) return;
  const currentPage = location.hash.replace(/^#\/?/, "").split("/")[0];
  for (const page of PAGES.filter((p) => p.nav && can(p.scope))) {
    const link = h("a", { href: `#/${page.id}` }, t(`page.${page.id}`));
    if (page.id === currentPage || (page.id === "customers" && currentPage === "customer")) link.setAttribute("aria-current", "page");
    navList.append(h("li", {}, link));
  }
}

function park() {
  if (rendering || !viewer || main.querySelector("#login-title")) return;
  parked = { hash: location.hash, email: viewer.email, lang: lang(), nodes: [...main.childNodes] };
}

// After signing in again: the parked page back as it was, when it is this person's and the page they are on.
function unpark() {
  const kept = parked;
  parked = null;
  if (!kept || kept.email !== viewer.email || kept.hash !== location.hash || kept.lang !== lang()) return false;
  renderChrome();
  clear(main);
  main.append(...kept.nodes);
  for (const old of main.querySelectorAll(".restored")) old.remove();
  const notice = message("info", t("login.restored"));
  notice.classList.add("restored");
  const title = main.querySelector("h1");
  if (title) title.after(notice);
  else main.prepend(notice);
  main.focus();
  return true;
}

function showLogin(notice) {
  viewer = null;
  renderChrome();
  clear(main);
  const email = field(t("login.email"), h("input", { type: "email", autocomplete: "username", required: true }));
  const password = field(t("login.password"), h("input", { type: "password", autocomplete: "current-password", required: true }));
  const status = h("div", {});
  const form = h("form", { className: "login", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, t("login.title")), notice ? message("info", notice) : null,
    email.el, password.el, h("button", { type: "submit" }, t("login.submit")), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(status);
    try {
      await signIn(email.input.value.trim(), password.input.value);
      await loadViewer();
      const target = returnTo && returnTo !== "#/login" ? returnTo : "";
      returnTo = null;
      if (target && target !== location.hash) {
        parked = null;
        location.hash = target;
      } else if (!unpark()) await route();
    } catch (error) {
      status.append(message("error", error instanceof ApiError && error.code === "invalid_grant" ? t("login.failed") : describe(error)));
    }
  });
  main.append(form);
  email.input.focus();
}

const ctx = {
  can, t, gql,
  describe,
  // Run an action; a finished session goes back to the login (the page is remembered), other errors show in `into`.
  async run(into, action) {
    try {
      return await action();
    } catch (error) {
      if (error instanceof AuthExpired) {
        returnTo = location.hash;
        park();
        showLogin(t("login.expired"));
        return undefined;
      }
      if (into) into.append(message("error", describe(error)));
      else throw error;
      return undefined;
    }
  },
};

// Show the page of the hash. While it loads, main is aria-busy (assistive technology waits for it); once no page is
// loading any more, main's data-loaded names the route it shows (what the browser tests wait for).
let loading = 0;

async function route() {
  loading += 1;
  main.setAttribute("aria-busy", "true");
  try {
    await show();
  } finally {
    loading -= 1;
    if (!loading) {
      main.removeAttribute("aria-busy");
      main.dataset.loaded = location.hash;
    }
  }
}

async function show() {
  if (parked && parked.hash !== location.hash) parked = null;
  if (!hasToken()) {
    showLogin(returnTo ? t("login.expired") : null);
    return;
  }
  try {
    if (!viewer) await loadViewer();
  } catch (error) {
    if (error instanceof AuthExpired) {
      returnTo = location.hash;
      showLogin(t("login.expired"));
    } else {
      showLogin(describe(error));
    }
    return;
  }
  const [name, ...rest] = location.hash.replace(/^#\/?/, "").split("/");
  const allowed = PAGES.filter((p) => p.nav && can(p.scope));
  const page = PAGES.find((p) => p.id === name) || allowed[0];
  renderChrome();
  clear(main);
  if (!page) {
    main.append(h("h1", {}, t("app.title")), message("info", t("forbidden.nothing")));
    return;
  }
  main.append(h("h1", {}, t(`page.${page.id}`)));
  if (!can(page.scope)) {
    main.append(message("error", t("forbidden.page", { role: t(`role.${viewer.role}`) })));
    return;
  }
  rendering = true;
  try {
    await ctx.run(main, () => page.render(main, ctx, rest.map(decodeURIComponent)));
  } finally {
    rendering = false;
  }
  if (viewer) main.focus();
}

langButton.addEventListener("click", () => {
  setLang(lang() === "zh" ? "en" : "zh");
  route();
});
logoutButton.addEventListener("click", () => {
  signOut();
  returnTo = null;
  parked = null;
  showLogin(t("login.signedOut"));
});
// The skip link moves focus to the content; followed as a link it would change the hash, which is the page's route.
document.getElementById("skip").addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});
window.addEventListener("hashchange", route);
setLang(lang());
route();
