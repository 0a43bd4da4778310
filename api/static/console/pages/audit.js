// The audit log, newest first, with the hash chain's verification status.
import { clear, field, h, message, table, when } from "../dom.js";

const EVENTS = `query($op: String) { auditEvents(first: 50, operation: $op) { nodes { occurredAt actorKind actorId operation
  objectType objectId outcome detail chainSeq } } }`;

export async function render(main, ctx) {
  const { t } = ctx;
  const chain = h("div", { "aria-live": "polite" });
  const operation = field(t("audit.operation"), h("input", { type: "text", maxlength: 64, placeholder: "kycReveal" }));
  const list = h("div", {});
  const form = h("form", { role: "search", "aria-label": t("audit.filter") }, operation.el, h("button", { type: "submit" }, t("audit.filter")));
  main.append(h("h2", {}, t("audit.chain")), chain, form, list);

  await ctx.run(chain, async () => {
    const s = (await ctx.gql("{ auditChainStatus { ok checkedEvents pendingEvents firstBroken headPosition headHash verifiedAt } }")).auditChainStatus;
    chain.append(s.ok
      ? message("ok", t("audit.chainOk", { checked: s.checkedEvents, head: s.headPosition, hash: s.headHash.slice(0, 16), at: when(s.verifiedAt) }))
      : message("error", t("audit.chainBroken", { problem: s.firstBroken })));
  });

  async function load() {
    clear(list);
    await ctx.run(list, async () => {
      const op = operation.input.value.trim() || null;
      const rows = (await ctx.gql(EVENTS, { op })).auditEvents.nodes;
      list.append(table(t("page.audit"), [[t("audit.when"), (e) => when(e.occurredAt)], [t("audit.actor"), (e) => `${e.actorKind} ${e.actorId}`],
        [t("audit.operation"), (e) => e.operation], [t("audit.object"), (e) => (e.objectType ? `${e.objectType} ${e.objectId ?? ""}` : "—")],
        [t("audit.outcome"), (e) => e.outcome], [t("audit.detail"), (e) => e.detail ?? ""], [t("audit.seq"), (e) => e.chainSeq ?? "…", { num: true }]],
      rows, t("audit.none")));
    });
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  await load();
}
