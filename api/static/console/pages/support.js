// The support queue: tickets by what is due next; support and admin reply.
import { clear, field, h, message, table, when } from "../dom.js";
import { payloadOrThrow } from "../api.js";

const QUEUE = `{ supportQueue(first: 50) { nodes { id subject category priority status customerId createdAt firstResponseDueAt
  firstResponseBreached } } }`;

export async function render(main, ctx) {
  const { t } = ctx;
  const notes = h("div", { "aria-live": "polite" });
  const list = h("div", {});
  main.append(notes, list);

  async function load() {
    clear(list);
    const rows = (await ctx.gql(QUEUE)).supportQueue.nodes;
    const columns = [[t("support.subject"), (x) => x.subject], [t("support.category"), (x) => x.category], [t("support.priority"), (x) => x.priority],
      [t("support.status"), (x) => x.status],
      [t("support.due"), (x) => h("span", { className: x.firstResponseBreached ? "badge bad" : "badge" }, when(x.firstResponseDueAt))],
      [t("support.customer"), (x) => h("a", { href: `#/customer/${encodeURIComponent(x.customerId)}` }, t("support.open"))]];
    if (ctx.can("SUPPORT_WRITE")) columns.push([t("support.reply"), (x) => replyForm(x)]);
    list.append(table(t("page.support"), columns, rows, t("support.none")));
  }

  function replyForm(ticket) {
    const text = field(t("support.message"), h("input", { type: "text", maxlength: 4000 }));
    const form = h("form", { "aria-label": `${t("support.reply")} ${ticket.subject}` }, text.el, h("button", { type: "submit" }, t("support.send")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clear(notes);
      if (!text.input.value.trim()) {
        notes.append(message("error", t("support.empty")));
        return;
      }
      ctx.run(notes, async () => {
        payloadOrThrow((await ctx.gql(`mutation($i: SupportTicketReplyInput!) { supportTicketReply(input: $i) { userErrors { code message } } }`,
          { i: { ticketId: ticket.id, message: text.input.value.trim() } })).supportTicketReply);
        notes.append(message("ok", t("support.sent")));
        await load();
      });
    });
    return form;
  }

  await load();
}
