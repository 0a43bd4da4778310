// FX mid rates: the current rates (stale ones marked) and, for treasury and admin, setting one.
import { clear, field, h, message, table, when } from "../dom.js";
import { payloadOrThrow } from "../api.js";

export async function render(main, ctx) {
  const { t } = ctx;
  const notes = h("div", { "aria-live": "polite" });
  const list = h("div", {});
  main.append(notes, list);

  async function load() {
    clear(list);
    const rows = (await ctx.gql("{ fxRates(first: 100) { nodes { id baseCurrency quoteCurrency rate source asOf stale } } }")).fxRates.nodes;
    list.append(table(t("page.fx"), [[t("fx.pair"), (r) => `${r.baseCurrency}/${r.quoteCurrency}`], [t("fx.rate"), (r) => r.rate, { num: true }],
      [t("fx.source"), (r) => r.source], [t("fx.asOf"), (r) => when(r.asOf)],
      [t("fx.state"), (r) => h("span", { className: r.stale ? "badge bad" : "badge good" }, r.stale ? t("fx.stale") : t("fx.fresh"))]],
    rows, t("fx.none")));
  }

  if (ctx.can("FX_WRITE")) {
    const base = field(t("fx.base"), h("input", { type: "text", maxlength: 3, size: 4, value: "USD" }));
    const quote = field(t("fx.quote"), h("input", { type: "text", maxlength: 3, size: 4, value: "CNY" }));
    const rate = field(t("fx.rate"), h("input", { type: "text", inputmode: "decimal", maxlength: 24 }));
    const source = field(t("fx.source"), h("input", { type: "text", maxlength: 64, value: "treasury desk" }));
    const form = h("form", { "aria-label": t("fx.set") }, base.el, quote.el, rate.el, source.el, h("button", { type: "submit" }, t("fx.set")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clear(notes);
      if (!/^\d{1,9}(\.\d{1,9})?$/.test(rate.input.value.trim())) {
        notes.append(message("error", t("fx.badRate")));
        return;
      }
      ctx.run(notes, async () => {
        payloadOrThrow((await ctx.gql(`mutation($i: FxRateSetInput!) { fxRateSet(input: $i) { userErrors { code message } } }`,
          { i: { baseCurrency: base.input.value.trim().toUpperCase(), quoteCurrency: quote.input.value.trim().toUpperCase(),
            rate: rate.input.value.trim(), source: source.input.value.trim() } })).fxRateSet);
        notes.append(message("ok", t("common.saved")));
        await load();
      });
    });
    main.append(h("h2", {}, t("fx.set")), form);
  }
  await load();
}
