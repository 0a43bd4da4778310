// AML: open alerts with their held transactions (release, reject or dismiss with a reason), and the cases.
import { clear, field, h, message, money, table, when } from "../dom.js";
import { payloadOrThrow } from "../api.js";

const ALERTS = `{ amlAlerts(status: OPEN, first: 50) { nodes { id rule severity action status createdAt
  customer { id displayName } transaction { id status amount { amount currency } } } } }`;
const CASES = `{ amlCases(first: 20) { nodes { id title status createdAt customer { displayName } } } }`;

export async function render(main, ctx) {
  const { t } = ctx;
  const notes = h("div", { "aria-live": "polite" });
  const alerts = h("div", {});
  const cases = h("div", {});
  main.append(notes, h("h2", {}, t("aml.alerts")), alerts, h("h2", {}, t("aml.cases")), cases);

  async function load() {
    clear(alerts);
    const rows = (await ctx.gql(ALERTS)).amlAlerts.nodes;
    const columns = [[t("aml.raised"), (a) => when(a.createdAt)], [t("aml.rule"), (a) => a.rule], [t("aml.severity"), (a) => a.severity],
      [t("customers.name"), (a) => (a.customer ? h("a", { href: `#/customer/${encodeURIComponent(a.customer.id)}` }, a.customer.displayName) : "—")],
      [t("aml.transaction"), (a) => (a.transaction ? `${money(a.transaction.amount)} · ${a.transaction.status}` : "—")]];
    if (ctx.can("AML_REVIEW")) columns.push([t("aml.decide"), (a) => decideForm(a)]);
    alerts.append(table(t("aml.alerts"), columns, rows, t("aml.noAlerts")));
  }

  function decideForm(alert) {
    const reason = field(t("common.reason"), h("input", { type: "text", maxlength: 1000 }));
    // What the API accepts for this alert: RELEASE or REJECT what a HOLD alert held, DISMISS an alert-only (ALERT) one.
    const choices = alert.action === "HOLD"
      ? [["RELEASE", t("aml.release"), ""], ["REJECT", t("aml.reject"), "danger"]]
      : [["DISMISS", t("aml.dismiss"), "secondary"]];
    const buttons = choices.map(([value, text, className]) => h("button", { type: "submit", value, className }, text));
    const form = h("form", { "aria-label": `${t("aml.decide")} ${alert.rule}` }, reason.el, h("div", { className: "actions" }, buttons));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clear(notes);
      const decision = event.submitter ? event.submitter.value : choices[0][0];
      if (!reason.input.value.trim()) {
        notes.append(message("error", t("common.reasonNeeded")));
        return;
      }
      ctx.run(notes, async () => {
        const result = payloadOrThrow((await ctx.gql(`mutation($i: AmlAlertResolveInput!) { amlAlertResolve(input: $i) {
          alert { id status transaction { status } } userErrors { code message } } }`,
        { i: { alertId: alert.id, decision, reason: reason.input.value.trim() } })).amlAlertResolve);
        const txn = result.alert.transaction ? ` · ${t("aml.transaction")}: ${result.alert.transaction.status}` : "";
        notes.append(message("ok", `${t("aml.decided", { status: result.alert.status })}${txn}`));
        await load();
      });
    });
    return form;
  }

  await load();
  await ctx.run(cases, async () => {
    const rows = (await ctx.gql(CASES)).amlCases.nodes;
    cases.append(table(t("aml.cases"), [[t("aml.caseTitle"), (c) => c.title], [t("aml.status"), (c) => c.status],
      [t("customers.name"), (c) => (c.customer ? c.customer.displayName : "—")], [t("aml.opened"), (c) => when(c.createdAt)]], rows, t("aml.noCases")));
  });
}
