// The KYC review queue: pending submissions, oldest first; compliance decides each with a reason.
import { clear, field, h, message, select, table, when } from "../dom.js";
import { payloadOrThrow } from "../api.js";

const QUEUE = `{ kycSubmissions(status: PENDING, first: 50) { nodes { id submittedAt subjectKind nationality legalName
  customer { id displayName externalRef } } } }`;

export async function render(main, ctx) {
  const { t } = ctx;
  const notes = h("div", { "aria-live": "polite" });
  const list = h("div", {});
  main.append(notes, list);

  async function load() {
    clear(list);
    const rows = (await ctx.gql(QUEUE)).kycSubmissions.nodes;
    const columns = [[t("kyc.submittedAt"), (s) => when(s.submittedAt)],
      [t("customers.name"), (s) => (s.customer ? h("a", { href: `#/customer/${encodeURIComponent(s.customer.id)}` }, s.customer.displayName) : "—")],
      [t("kyc.legalName"), (s) => s.legalName ?? "—"], [t("customers.kind"), (s) => s.subjectKind], [t("kyc.nationality"), (s) => s.nationality]];
    if (ctx.can("KYC_REVIEW")) columns.push([t("kyc.decide"), (s) => decideForm(s)]);
    list.append(table(t("page.kyc"), columns, rows, t("kyc.empty")));
  }

  function decideForm(submission) {
    const decision = field(t("kyc.decision"), select([["APPROVE", t("kyc.approve")], ["REJECT", t("kyc.reject")], ["NEEDS_INFO", t("kyc.needsInfo")]], "APPROVE"));
    const tier = field(t("kyc.tier"), select([["1", "1"], ["2", "2"], ["3", "3"]], "2"));
    const reason = field(t("common.reason"), h("input", { type: "text", maxlength: 500 }));
    const form = h("form", { "aria-label": `${t("kyc.decide")} ${submission.legalName ?? ""}` }, decision.el, tier.el, reason.el,
      h("button", { type: "submit" }, t("kyc.submitDecision")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clear(notes);
      if (!reason.input.value.trim()) {
        notes.append(message("error", t("common.reasonNeeded")));
        return;
      }
      ctx.run(notes, async () => {
        const input = { submissionId: submission.id, decision: decision.input.value, reason: reason.input.value.trim() };
        if (decision.input.value === "APPROVE") input.tier = Number(tier.input.value);
        const result = payloadOrThrow((await ctx.gql(`mutation($i: KycReviewInput!) { kycReview(input: $i) { submission { id status }
          userErrors { code message } } }`, { i: input })).kycReview);
        notes.append(message("ok", t("kyc.decided", { status: result.submission.status })));
        await load();
      });
    });
    return form;
  }

  await load();
}
