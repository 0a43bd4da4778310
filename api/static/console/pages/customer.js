// One customer: wallets and their latest transactions, KYC (masked, reveal one value with a reason), bank accounts, tickets.
import { clear, field, h, message, money, select, table, when } from "../dom.js";
import { payloadOrThrow } from "../api.js";

const CUSTOMER = `query($id: ID!) { customer(id: $id) { id displayName externalRef kind country kycStatus kycTier status createdAt
  wallets(first: 20) { nodes { id currency status balance { amount currency } availableBalance { amount currency }
    transactions(first: 10) { nodes { id kind status amount { amount currency } fee { amount currency } createdAt } } } } } }`;
const KYC = `query($id: ID!) { kycSubmissions(customerId: $id, first: 10) { nodes { id status submittedAt reviewedAt
  legalName dateOfBirth idNumber address nationality } } }`;
const PII_FIELDS = [["LEGAL_NAME", "legalName"], ["DATE_OF_BIRTH", "dateOfBirth"], ["ID_NUMBER", "idNumber"], ["ADDRESS", "address"]];

export async function render(main, ctx, [customerId]) {
  const { t } = ctx;
  if (!customerId) {
    main.append(message("error", t("customer.missing")));
    return;
  }
  const customer = (await ctx.gql(CUSTOMER, { id: customerId })).customer;
  if (!customer) {
    main.append(message("error", t("customer.notFound")));
    return;
  }
  main.querySelector("h1").textContent = `${t("page.customer")}: ${customer.displayName}`;
  main.append(table(t("page.customer"), [[t("customers.ref"), (c) => c.externalRef], [t("customers.kind"), (c) => c.kind],
    [t("customers.country"), (c) => c.country], [t("customers.kyc"), (c) => `${c.kycStatus} (tier ${c.kycTier})`],
    [t("customers.status"), (c) => c.status], [t("customers.created"), (c) => when(c.createdAt)]], [customer], ""));

  main.append(h("h2", {}, t("customer.wallets")));
  for (const wallet of customer.wallets.nodes) {
    main.append(h("h3", {}, `${wallet.currency} · ${wallet.status} · ${money(wallet.balance)}`),
      table(t("customer.transactions"), [[t("tx.when"), (x) => when(x.createdAt)], [t("tx.kind"), (x) => x.kind],
        [t("tx.status"), (x) => x.status], [t("tx.amount"), (x) => money(x.amount), { num: true }], [t("tx.fee"), (x) => money(x.fee), { num: true }]],
      wallet.transactions.nodes, t("customer.noTransactions")));
  }
  if (!customer.wallets.nodes.length) main.append(h("p", { className: "muted" }, t("customer.noWallets")));

  if (ctx.can("KYC_READ")) {
    main.append(h("h2", {}, t("customer.kyc")));
    const kycBox = h("div", {});
    main.append(kycBox);
    await ctx.run(kycBox, async () => {
      const submissions = (await ctx.gql(KYC, { id: customerId })).kycSubmissions.nodes;
      kycBox.append(table(t("customer.kyc"), [[t("kyc.status"), (s) => s.status], [t("kyc.submittedAt"), (s) => when(s.submittedAt)],
        ...PII_FIELDS.map(([, key]) => [t(`kyc.${key}`), (s) => s[key] ?? "—"])], submissions, t("customer.noKyc")));
      if (submissions.length && ctx.can("PII_REVEAL")) kycBox.append(revealForm(ctx, submissions));
    });
  }
  if (ctx.can("CUSTOMERS_READ")) {
    const banks = h("div", {});
    main.append(h("h2", {}, t("customer.bankAccounts")), banks);
    await ctx.run(banks, async () => {
      const accounts = (await ctx.gql(`query($id: ID!) { bankAccounts(customerId: $id, first: 20) { nodes { id bankCode maskedNumber
        holderName currency status createdAt } } }`, { id: customerId })).bankAccounts.nodes;
      banks.append(table(t("customer.bankAccounts"), [[t("bank.number"), (b) => b.maskedNumber], [t("bank.holder"), (b) => b.holderName],
        [t("bank.currency"), (b) => b.currency], [t("bank.status"), (b) => b.status]], accounts, t("customer.noBankAccounts")));
    });
  }
  if (ctx.can("SUPPORT_READ")) {
    const tickets = h("div", {});
    main.append(h("h2", {}, t("customer.tickets")), tickets);
    await ctx.run(tickets, async () => {
      const rows = (await ctx.gql(`query($id: ID!) { supportTickets(customerId: $id, first: 20) { nodes { id subject status priority createdAt } } }`,
        { id: customerId })).supportTickets.nodes;
      tickets.append(table(t("customer.tickets"), [[t("support.subject"), (x) => x.subject], [t("support.status"), (x) => x.status],
        [t("support.priority"), (x) => x.priority], [t("support.created"), (x) => when(x.createdAt)]], rows, t("customer.noTickets")));
    });
  }
}

function revealForm(ctx, submissions) {
  const { t } = ctx;
  const submission = field(t("kyc.submission"), select(submissions.map((s) => [s.id, `${s.status} · ${when(s.submittedAt)}`])));
  const which = field(t("kyc.field"), select(PII_FIELDS.map(([value, key]) => [value, t(`kyc.${key}`)])));
  const reason = field(t("common.reason"), h("input", { type: "text", maxlength: 500 }));
  const result = h("div", { "aria-live": "polite" });
  const form = h("form", { "aria-label": t("kyc.reveal") }, submission.el, which.el, reason.el, h("button", { type: "submit" }, t("kyc.reveal")), result);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clear(result);
    if (!reason.input.value.trim()) {
      result.append(message("error", t("kyc.reasonNeeded")));
      reason.input.focus();
      return;
    }
    ctx.run(result, async () => {
      const payload = payloadOrThrow((await ctx.gql(`mutation($i: KycRevealInput!) { kycReveal(input: $i) { field value userErrors { code message } } }`,
        { i: { submissionId: submission.input.value, field: which.input.value, reason: reason.input.value.trim() } })).kycReveal);
      result.append(message("ok", `${t("kyc.revealed")}: ${payload.value ?? "—"}`));
    });
  });
  return form;
}
