// Reconciliation: open exceptions from the rails' settlement files; admin and compliance resolve them with a reason.
import { clear, field, h, message, money, table, when } from "../dom.js";
import { payloadOrThrow } from "../api.js";

const OPEN = `{ reconciliationExceptions(status: OPEN, first: 50) { nodes { id rail kind reference detail createdAt
  expected { amount currency } actual { amount currency } } } }`;

export async function render(main, ctx) {
  const { t } = ctx;
  const notes = h("div", { "aria-live": "polite" });
  const list = h("div", {});
  main.append(notes, list);

  async function load() {
    clear(list);
    const rows = (await ctx.gql(OPEN)).reconciliationExceptions.nodes;
    const columns = [[t("recon.raised"), (x) => when(x.createdAt)], [t("recon.rail"), (x) => x.rail], [t("recon.kind"), (x) => x.kind],
      [t("recon.reference"), (x) => x.reference ?? "—"], [t("recon.expected"), (x) => money(x.expected), { num: true }],
      [t("recon.actual"), (x) => money(x.actual), { num: true }], [t("recon.detail"), (x) => x.detail]];
    if (ctx.can("RECONCILIATION_WRITE")) columns.push([t("recon.resolve"), (x) => resolveForm(x)]);
    list.append(table(t("page.reconciliation"), columns, rows, t("recon.none")));
  }

  function resolveForm(exception) {
    const reason = field(t("common.reason"), h("input", { type: "text", maxlength: 1000 }));
    const form = h("form", { "aria-label": `${t("recon.resolve")} ${exception.kind}` }, reason.el, h("button", { type: "submit" }, t("recon.resolve")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clear(notes);
      if (!reason.input.value.trim()) {
        notes.append(message("error", t("common.reasonNeeded")));
        return;
      }
      ctx.run(notes, async () => {
        payloadOrThrow((await ctx.gql(`mutation($i: ReconciliationExceptionResolveInput!) { reconciliationExceptionResolve(input: $i) {
          userErrors { code message } } }`, { i: { exceptionId: exception.id, reason: reason.input.value.trim() } })).reconciliationExceptionResolve);
        notes.append(message("ok", t("common.saved")));
        await load();
      });
    });
    return form;
  }

  await load();
}
