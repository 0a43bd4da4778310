// Overview: the reporting queries over a date range, as charts with a table beside each (their text alternative),
// then the rankings and desk figures as tables.
import { clear, field, h, message, money, table } from "../dom.js";

const QUERY = `query($f: Date!, $t: Date!) {
  reportVolumes(from: $f, to: $t) { day kind currency count amount { amount currency } }
  reportRevenue(from: $f, to: $t) { day currency bankShare { amount } partnerShare { amount } }
  reportKycFunnel(from: $f, to: $t) { submitted approved rejected pending medianDecisionSeconds }
  reportAmlAlerts(from: $f, to: $t) { rule severity ageBucket open total }
  reportActiveUsers(from: $f, to: $t) { period activeWallets activeCustomers }
  reportTopMerchants(from: $f, to: $t, limit: 10) { name category categoryName currency count amount { amount currency } }
  reportTopCategories(from: $f, to: $t, limit: 10) { category categoryName currency count amount { amount currency } }
  reportSupportSla(from: $f, to: $t) { tickets firstResponseMet firstResponseBreached resolved medianFirstResponseSeconds }
  reportReconciliationOpen { rail kind open oldestAgeSeconds }
}`;
const MAX_DAYS = 366;
const charts = [];

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

// The range typed in, or a message key when it is not a range the reports take.
export function checkRange(from, to) {
  const pattern = /^\d{4}-\d{2}-\d{2}$/;
  if (!pattern.test(from) || !pattern.test(to) || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to))) return "overview.badDate";
  if (to < from) return "overview.reversed";
  if ((Date.parse(to) - Date.parse(from)) / 86400000 + 1 > MAX_DAYS) return "overview.tooLong";
  return null;
}

// A titled card: the chart (only when there is something to draw) and its figures as a table (its text alternative).
function chartCard(title, kind, labels, datasets, tableNode) {
  const card = h("section", { className: "card", "aria-label": title }, h("h2", {}, title));
  if (window.Chart && labels.length) {
    const canvas = h("canvas", { role: "img", "aria-label": title });
    card.append(canvas);
    charts.push(new window.Chart(canvas, {
      type: kind, data: { labels, datasets },
      options: { animation: false, responsive: true, maintainAspectRatio: true, plugins: { legend: { display: datasets.length > 1 } } },
    }));
  }
  card.append(tableNode);
  return card;
}

function tableCard(title, tableNode) {
  return h("section", { className: "card", "aria-label": title }, h("h2", {}, title), tableNode);
}

// The rankings, active users and the desks' figures (support first response, open reconciliation).
function moreCards(t, data) {
  const users = data.reportActiveUsers;
  const labels = users.map((r) => r.period);
  const sla = data.reportSupportSla;
  const category = (r) => r.categoryName || r.category;
  return [
    chartCard(t("overview.activeUsers"), "line", labels,
      [{ label: t("overview.activeWallets"), data: users.map((r) => r.activeWallets), borderColor: "#0b5cad" },
       { label: t("overview.activeCustomers"), data: users.map((r) => r.activeCustomers), borderColor: "#1b6e3a" }],
      table(t("overview.activeUsers"), [[t("overview.day"), (r) => r.period, { nowrap: true }],
        [t("overview.activeWallets"), (r) => String(r.activeWallets), { num: true }],
        [t("overview.activeCustomers"), (r) => String(r.activeCustomers), { num: true }]], users, t("overview.noData"))),
    tableCard(t("overview.topMerchants"), table(t("overview.topMerchants"), [[t("overview.merchant"), (r) => r.name],
      [t("overview.category"), category], [t("overview.count"), (r) => String(r.count), { num: true }],
      [t("overview.amount"), (r) => money(r.amount), { num: true }]], data.reportTopMerchants, t("overview.noData"))),
    tableCard(t("overview.topCategories"), table(t("overview.topCategories"), [[t("overview.category"), category],
      [t("overview.count"), (r) => String(r.count), { num: true }], [t("overview.amount"), (r) => money(r.amount), { num: true }]],
    data.reportTopCategories, t("overview.noData"))),
    tableCard(t("overview.sla"), table(t("overview.sla"), [[t("overview.figure"), (r) => r[0]], [t("overview.count"), (r) => String(r[1]), { num: true }]],
      [[t("overview.tickets"), sla.tickets], [t("overview.slaMet"), sla.firstResponseMet], [t("overview.slaBreached"), sla.firstResponseBreached],
       [t("overview.resolved"), sla.resolved], [t("overview.medianFirstResponse"), sla.medianFirstResponseSeconds ?? "—"]], "")),
    tableCard(t("overview.reconOpen"), table(t("overview.reconOpen"), [[t("overview.rail"), (r) => r.rail], [t("overview.kind"), (r) => r.kind],
      [t("overview.open"), (r) => String(r.open), { num: true }],
      [t("overview.oldest"), (r) => (r.oldestAgeSeconds / 3600).toFixed(1), { num: true }]], data.reportReconciliationOpen, t("overview.noData"))),
  ];
}

function sumBy(rows, key, value) {
  const out = new Map();
  for (const row of rows) out.set(key(row), (out.get(key(row)) || 0) + value(row));
  return out;
}

export async function render(main, ctx) {
  const { t } = ctx;
  const today = new Date();
  const from = field(t("overview.from"), h("input", { type: "date", value: isoDay(new Date(today.getTime() - 29 * 86400000)) }));
  const to = field(t("overview.to"), h("input", { type: "date", value: isoDay(today) }));
  const out = h("div", {});
  const form = h("form", { "aria-label": t("overview.range") }, from.el, to.el, h("button", { type: "submit" }, t("overview.apply")));
  main.append(form, out);

  async function load() {
    while (charts.length) charts.pop().destroy();
    clear(out);
    const problem = checkRange(from.input.value, to.input.value);
    if (problem) {
      out.append(message("error", t(problem)));
      return;
    }
    await ctx.run(out, async () => {
      const data = await ctx.gql(QUERY, { f: from.input.value, t: to.input.value });
      const days = sumBy(data.reportVolumes, (r) => r.day, (r) => r.count);
      const currency = (data.reportRevenue[0] || {}).currency;
      const revenue = data.reportRevenue.filter((r) => r.currency === currency);
      const bank = sumBy(revenue, (r) => r.day, (r) => Number(r.bankShare.amount));
      const partner = sumBy(revenue, (r) => r.day, (r) => Number(r.partnerShare.amount));
      const funnel = data.reportKycFunnel;
      const rules = sumBy(data.reportAmlAlerts, (r) => r.rule, (r) => r.total);
      const open = sumBy(data.reportAmlAlerts, (r) => r.rule, (r) => r.open);
      const volumeLabels = [...days.keys()].sort();
      const revenueLabels = [...bank.keys()].sort();
      out.append(h("div", { className: "cards" },
        chartCard(t("overview.volumes"), "line", volumeLabels,
          [{ label: t("overview.count"), data: volumeLabels.map((d) => days.get(d)), borderColor: "#0b5cad" }],
          table(t("overview.volumes"), [[t("overview.day"), (d) => d, { nowrap: true }], [t("overview.count"), (d) => String(days.get(d)), { num: true }]],
            volumeLabels, t("overview.noData"))),
        chartCard(currency ? `${t("overview.revenue")} (${currency})` : t("overview.revenue"), "bar", revenueLabels,
          [{ label: t("overview.bankShare"), data: revenueLabels.map((d) => bank.get(d)), backgroundColor: "#0b5cad" },
           { label: t("overview.partnerShare"), data: revenueLabels.map((d) => partner.get(d)), backgroundColor: "#f0a202" }],
          table(t("overview.revenue"), [[t("overview.day"), (d) => d, { nowrap: true }],
            [t("overview.bankShare"), (d) => bank.get(d).toFixed(2), { num: true }],
            [t("overview.partnerShare"), (d) => partner.get(d).toFixed(2), { num: true }]], revenueLabels, t("overview.noData"))),
        chartCard(t("overview.funnel"), "bar", [t("kyc.submitted"), t("kyc.approved"), t("kyc.rejected"), t("kyc.pending")],
          [{ label: t("overview.funnel"), data: [funnel.submitted, funnel.approved, funnel.rejected, funnel.pending], backgroundColor: "#1b6e3a" }],
          table(t("overview.funnel"), [[t("overview.stage"), (r) => r[0]], [t("overview.count"), (r) => String(r[1]), { num: true }]],
            [[t("kyc.submitted"), funnel.submitted], [t("kyc.approved"), funnel.approved], [t("kyc.rejected"), funnel.rejected],
             [t("kyc.pending"), funnel.pending], [t("overview.medianDecision"), funnel.medianDecisionSeconds ?? "—"]], t("overview.noData"))),
        chartCard(t("overview.alerts"), "bar", [...rules.keys()],
          [{ label: t("aml.total"), data: [...rules.values()], backgroundColor: "#a4161a" },
           { label: t("aml.open"), data: [...rules.keys()].map((k) => open.get(k)), backgroundColor: "#f0a202" }],
          table(t("overview.alerts"), [[t("aml.rule"), (r) => r], [t("aml.total"), (r) => String(rules.get(r)), { num: true }],
            [t("aml.open"), (r) => String(open.get(r)), { num: true }]], [...rules.keys()], t("overview.noData"))),
        ...moreCards(t, data)));
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  await load();
}
