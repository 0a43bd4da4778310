// Customer search: by external reference or customer ID; each result links to its customer page.
import { clear, field, h, message, table, when } from "../dom.js";

const FIELDS = "id externalRef displayName kind country kycStatus status createdAt";

export async function render(main, ctx) {
  const { t } = ctx;
  const term = field(t("customers.search"), h("input", { type: "search", maxlength: 200, placeholder: t("customers.hint") }));
  const out = h("div", {});
  const form = h("form", { role: "search", "aria-label": t("customers.search") }, term.el, h("button", { type: "submit" }, t("customers.find")));
  main.append(form, out);

  function show(rows) {
    clear(out);
    out.append(table(t("page.customers"), [
      [t("customers.name"), (c) => h("a", { href: `#/customer/${encodeURIComponent(c.id)}` }, c.displayName)],
      [t("customers.ref"), (c) => c.externalRef], [t("customers.kind"), (c) => c.kind], [t("customers.country"), (c) => c.country],
      [t("customers.kyc"), (c) => c.kycStatus], [t("customers.status"), (c) => c.status], [t("customers.created"), (c) => when(c.createdAt)]],
    rows, t("customers.none")));
  }

  async function search() {
    const text = term.input.value.trim();
    clear(out);
    await ctx.run(out, async () => {
      if (!text) {
        show((await ctx.gql(`{ customers(first: 20) { nodes { ${FIELDS} } } }`)).customers.nodes);
      } else if (/^[A-Za-z0-9+/=_-]{20,}$/.test(text) && !text.includes(" ")) {
        const found = (await ctx.gql(`query($id: ID!) { customer(id: $id) { ${FIELDS} } }`, { id: text }).catch(() => ({ customer: null }))).customer;
        if (found) show([found]);
        else show((await ctx.gql(`query($r: String) { customers(first: 20, externalRef: $r) { nodes { ${FIELDS} } } }`, { r: text })).customers.nodes);
      } else {
        show((await ctx.gql(`query($r: String) { customers(first: 20, externalRef: $r) { nodes { ${FIELDS} } } }`, { r: text })).customers.nodes);
      }
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    search();
  });
  await search();
  if (!out.firstChild) out.append(message("info", t("customers.none")));
}
