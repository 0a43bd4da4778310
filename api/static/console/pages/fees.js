// Fee rules: the schedule, a new rule (admin), and a live quote preview of what the schedule charges.
import { clear, field, h, message, money, select, table, when } from "../dom.js";
import { payloadOrThrow } from "../api.js";

const KINDS = ["TOP_UP", "TRANSFER", "PAYMENT", "WITHDRAWAL", "INTERNATIONAL_TRANSFER", "FX"];
const SCHEDULE = `{ feeSchedule { id ruleScope feeKind currency rateBps payer effectiveFrom fixedFee { amount currency }
  minimumFee { amount currency } maximumFee { amount currency } partner { name } } }`;
const AMOUNT = /^\d{1,12}(\.\d{1,3})?$/;

export async function render(main, ctx) {
  const { t } = ctx;
  const notes = h("div", { "aria-live": "polite" });
  const schedule = h("div", {});
  main.append(notes);

  // The quote preview: what the current schedule charges for a kind, amount and currency, as they are typed.
  const qKind = field(t("fees.kind"), select(KINDS.map((k) => [k, k]), "TRANSFER"));
  const qAmount = field(t("fees.amount"), h("input", { type: "text", inputmode: "decimal", value: "100.00", maxlength: 16 }));
  const qCurrency = field(t("fees.currency"), h("input", { type: "text", value: "CNY", maxlength: 3, size: 4 }));
  const preview = h("output", { "aria-live": "polite", className: "card" });
  const quoteForm = h("form", { "aria-label": t("fees.preview") }, qKind.el, qAmount.el, qCurrency.el, h("button", { type: "submit" }, t("fees.quote")));
  let timer = null;
  async function quote() {
    clear(preview);
    const amount = qAmount.input.value.trim();
    const currency = qCurrency.input.value.trim().toUpperCase();
    if (!AMOUNT.test(amount) || !/^[A-Z]{3}$/.test(currency)) {
      preview.append(message("error", t("fees.badAmount")));
      return;
    }
    await ctx.run(preview, async () => {
      const q = (await ctx.gql(`query($i: FeeQuoteInput!) { feeQuote(input: $i) { fee { amount currency } totalDebit { amount currency }
        rule { id ruleScope } } }`, { i: { kind: qKind.input.value, amount, currency } })).feeQuote;
      preview.append(h("p", {}, `${t("fees.fee")}: ${money(q.fee)} · ${t("fees.total")}: ${money(q.totalDebit)}`),
        h("p", { className: "muted" }, q.rule ? `${t("fees.rule")}: ${q.rule.ruleScope}` : t("fees.noRule")));
    });
  }
  for (const input of [qKind.input, qAmount.input, qCurrency.input]) {
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(quote, 250);
    });
  }
  quoteForm.addEventListener("submit", (event) => {
    event.preventDefault();
    quote();
  });

  async function load() {
    clear(schedule);
    const rules = (await ctx.gql(SCHEDULE)).feeSchedule;
    schedule.append(table(t("fees.schedule"), [[t("fees.kind"), (r) => r.feeKind], [t("fees.scope"), (r) => (r.partner ? r.partner.name : r.ruleScope)],
      [t("fees.currency"), (r) => r.currency ?? "*"], [t("fees.fixed"), (r) => money(r.fixedFee), { num: true }],
      [t("fees.rate"), (r) => `${r.rateBps} bps`, { num: true }], [t("fees.min"), (r) => money(r.minimumFee), { num: true }],
      [t("fees.max"), (r) => money(r.maximumFee), { num: true }], [t("fees.payer"), (r) => r.payer], [t("fees.from"), (r) => when(r.effectiveFrom)]],
    rules, t("fees.none")));
  }

  main.append(h("h2", {}, t("fees.preview")), quoteForm, preview);
  if (ctx.can("FEES_WRITE")) {
    const kind = field(t("fees.kind"), select(KINDS.map((k) => [k, k]), "TRANSFER"));
    const currency = field(t("fees.currency"), h("input", { type: "text", value: "CNY", maxlength: 3, size: 4 }));
    const fixed = field(t("fees.fixed"), h("input", { type: "text", inputmode: "decimal", value: "0.00", maxlength: 16 }));
    const rate = field(t("fees.rateBps"), h("input", { type: "number", min: 0, max: 10000, step: 1, value: 0 }));
    const form = h("form", { "aria-label": t("fees.create") }, kind.el, currency.el, fixed.el, rate.el, h("button", { type: "submit" }, t("fees.create")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clear(notes);
      if (!AMOUNT.test(fixed.input.value.trim())) {
        notes.append(message("error", t("fees.badAmount")));
        return;
      }
      ctx.run(notes, async () => {
        payloadOrThrow((await ctx.gql(`mutation($i: FeeRuleInput!) { feeRuleCreate(input: $i) { rule { id } userErrors { code message } } }`,
          { i: { kind: kind.input.value, currency: currency.input.value.trim().toUpperCase(), fixed: fixed.input.value.trim(),
            rateBps: Number(rate.input.value) } })).feeRuleCreate);
        notes.append(message("ok", t("fees.created")));
        qKind.input.value = kind.input.value;
        qCurrency.input.value = currency.input.value.trim().toUpperCase();
        await load();
        await quote();
      });
    });
    main.append(h("h2", {}, t("fees.create")), form);
  }
  main.append(h("h2", {}, t("fees.schedule")), schedule);
  await load();
  await quote();
}
