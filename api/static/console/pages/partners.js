// Partners: list, create (with its first API client's secret shown once), suspend or reactivate, API clients, fee share.
import { clear, field, h, message, select, table, when } from "../dom.js";
import { payloadOrThrow } from "../api.js";

const LIST = `{ partners(first: 100) { nodes { id name status environment feeShareBps createdAt
  apiClients { clientId status grantedScopes } } } }`;

// A partner picker's options after the list changed, keeping the choice when that partner is still listed.
function fill(picker, partners) {
  const chosen = picker.value;
  clear(picker);
  for (const p of partners) picker.append(h("option", { value: p.id }, `${p.name} (${p.status})`));
  if (partners.some((p) => p.id === chosen)) picker.value = chosen;
}

export async function render(main, ctx) {
  const { t } = ctx;
  const out = h("div", {});
  const notes = h("div", { "aria-live": "polite" });
  const pickers = []; // every partner <select> of the page, refilled with the list
  main.append(notes, out);

  // The list (and every picker) as the API has it now: after each change, not only when the page opens.
  async function load() {
    const partners = (await ctx.gql(LIST)).partners.nodes;
    clear(out);
    out.append(table(t("page.partners"), [
      [t("partners.name"), (p) => p.name], [t("partners.status"), (p) => p.status], [t("partners.environment"), (p) => p.environment],
      [t("partners.feeShare"), (p) => `${p.feeShareBps} bps`, { num: true }],
      [t("partners.clients"), (p) => p.apiClients.map((c) => `${c.clientId} (${c.status})`).join(", ")],
      [t("partners.created"), (p) => when(p.createdAt)]], partners, t("partners.none")));
    for (const picker of pickers) fill(picker, partners);
  }
  const picker = () => {
    const el = select([]);
    pickers.push(el);
    return el;
  };

  if (ctx.can("PARTNERS_WRITE")) {
    const name = field(t("partners.name"), h("input", { type: "text", required: true, maxlength: 100 }));
    const env = field(t("partners.environment"), select([["LIVE", "LIVE"], ["SANDBOX", "SANDBOX"]], "LIVE"));
    const create = h("form", { "aria-label": t("partners.create") }, name.el, env.el, h("button", { type: "submit" }, t("partners.create")));
    create.addEventListener("submit", (event) => {
      event.preventDefault();
      clear(notes);
      ctx.run(notes, async () => {
        const result = payloadOrThrow((await ctx.gql(`mutation($i: PartnerCreateInput!) { partnerCreate(input: $i) {
          partner { id name } apiClient { clientId } clientSecret userErrors { code message } } }`,
        { i: { name: name.input.value, environment: env.input.value } })).partnerCreate);
        notes.append(message("ok", t("partners.created.secret", { name: result.partner.name, client: result.apiClient.clientId, secret: result.clientSecret })));
        name.input.value = "";
        await load();
      });
    });
    const who = field(t("partners.partner"), picker());
    const reason = field(t("common.reason"), h("input", { type: "text", required: true, maxlength: 500 }));
    const status = h("form", { "aria-label": t("partners.suspend") }, who.el, reason.el,
      h("button", { type: "submit", className: "danger", value: "partnerSuspend" }, t("partners.suspend")),
      h("button", { type: "submit", className: "secondary", value: "partnerReactivate" }, t("partners.reactivate")));
    status.addEventListener("submit", (event) => {
      event.preventDefault();
      clear(notes);
      const operation = event.submitter && event.submitter.value === "partnerReactivate" ? "partnerReactivate" : "partnerSuspend";
      if (!reason.input.value.trim()) {
        notes.append(message("error", t("common.reasonNeeded")));
        return;
      }
      ctx.run(notes, async () => {
        const result = payloadOrThrow((await ctx.gql(`mutation($i: PartnerStatusInput!) { ${operation}(input: $i) {
          partner { name status } userErrors { code message } } }`, { i: { partnerId: who.input.value, reason: reason.input.value } }))[operation]);
        notes.append(message("ok", `${result.partner.name}: ${result.partner.status}`));
        reason.input.value = "";
        await load();
      });
    });
    const clientFor = field(t("partners.partner"), picker());
    const client = h("form", { "aria-label": t("partners.newClient") }, clientFor.el, h("button", { type: "submit" }, t("partners.newClient")));
    client.addEventListener("submit", (event) => {
      event.preventDefault();
      clear(notes);
      ctx.run(notes, async () => {
        const result = payloadOrThrow((await ctx.gql(`mutation($i: ApiClientCreateInput!) { apiClientCreate(input: $i) {
          apiClient { clientId } clientSecret userErrors { code message } } }`, { i: { partnerId: clientFor.input.value } })).apiClientCreate);
        notes.append(message("ok", t("partners.client.secret", { client: result.apiClient.clientId, secret: result.clientSecret })));
        await load();
      });
    });
    main.append(h("h2", {}, t("partners.create")), create, h("h2", {}, t("partners.suspend")), status, h("h2", {}, t("partners.newClient")), client);
  }
  if (ctx.can("FEES_WRITE")) {
    const who = field(t("partners.partner"), picker());
    const bps = field(t("partners.feeShareBps"), h("input", { type: "number", min: 0, max: 10000, step: 1, required: true, value: 0 }));
    const share = h("form", { "aria-label": t("partners.setShare") }, who.el, bps.el, h("button", { type: "submit" }, t("partners.setShare")));
    share.addEventListener("submit", (event) => {
      event.preventDefault();
      clear(notes);
      ctx.run(notes, async () => {
        payloadOrThrow((await ctx.gql(`mutation($i: PartnerFeeShareInput!) { partnerFeeShareSet(input: $i) { userErrors { code message } } }`,
          { i: { partnerId: who.input.value, shareBps: Number(bps.input.value) } })).partnerFeeShareSet);
        notes.append(message("ok", t("common.saved")));
        await load();
      });
    });
    main.append(h("h2", {}, t("partners.setShare")), share);
  }
  await load();
}
