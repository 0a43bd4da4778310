"""A statement as PDF (fpdf2), with the bundled Noto Sans SC font so Chinese names and memos render.

fpdf2 rather than reportlab: it embeds OpenType fonts with CFF outlines, which Noto Sans CJK is (reportlab
embeds TrueType outlines only), it subsets the embedded font to the glyphs a document uses (a statement is a
few kilobytes, not the font's megabytes), and it is pure Python with a small dependency set (fontTools, Pillow,
defusedxml).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF

from services.money import format_amount
from services.statements.describe import counterparty
from services.statements.statement import Statement

FONT_FILE = Path(__file__).parent / "fonts" / "NotoSansSC-Regular-subset.otf"
_FONT = "NotoSansSC"
# Landscape A4 columns (mm): time, kind, counterparty, memo, amount, fee, running balance.
_COLUMNS = (("Time (UTC)", 34), ("Kind", 24), ("Counterparty", 88), ("Memo", 50), ("Amount", 26), ("Fee", 18),
            ("Balance", 28))
_NUMERIC = {"Amount", "Fee", "Balance"}


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """The text, shortened with an ellipsis until it fits the column."""
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "…") > width - 2:
        text = text[:-1]
    return text + "…"


def _row(pdf: FPDF, values: list[str]) -> None:
    for (name, width), value in zip(_COLUMNS, values):
        pdf.cell(width, 6, _fit(pdf, value, width), border="B", align="R" if name in _NUMERIC else "L")
    pdf.ln()


def _header(pdf: FPDF, statement: Statement, holder: str, wallet_label: str) -> None:
    currency = statement.wallet.currency
    pdf.set_font(_FONT, size=16)
    pdf.cell(0, 10, "钱包对账单 Wallet statement", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, size=10)
    period = f"{statement.period.start.isoformat()} – {statement.period.end.isoformat()} (UTC, end excluded)"
    for label, value in (("户名 Holder", holder), ("钱包 Wallet", wallet_label), ("期间 Period", period),
                         ("币种 Currency", currency),
                         ("期初余额 Opening balance", format_amount(statement.opening_minor, currency)),
                         ("期末余额 Closing balance", format_amount(statement.closing_minor, currency)),
                         ("手续费合计 Total fees", format_amount(statement.total_fees_minor, currency))):
        pdf.cell(60, 6, label)
        pdf.cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
    if statement.totals:
        pdf.ln(2)
        pdf.cell(0, 6, "按类型合计 Totals by kind: " + "; ".join(
            f"{t.kind.value} ×{t.count} {format_amount(t.amount_minor, currency)}" for t in statement.totals),
            new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


async def statement_pdf(statement: Statement, *, holder: str, wallet_ref: Callable[[uuid.UUID], str]) -> bytes:
    """The statement as a PDF document: holder's name, wallet, period, balances, totals, then every line."""
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_font(_FONT, fname=str(FONT_FILE))
    pdf.add_page()
    _header(pdf, statement, holder, wallet_ref(statement.wallet.wallet_id))
    pdf.set_font(_FONT, size=8)
    _row(pdf, [name for name, _ in _COLUMNS])
    currency = statement.wallet.currency
    async for line in statement.stream():
        if pdf.will_page_break(6):
            pdf.add_page()
            _row(pdf, [name for name, _ in _COLUMNS])
        _row(pdf, [line.at.strftime("%Y-%m-%d %H:%M:%S"), line.kind.value, counterparty(line, wallet_ref),
                   line.memo or "", format_amount(line.amount_minor, currency),
                   format_amount(line.fee_minor, currency), format_amount(line.running_balance_minor, currency)])
    return bytes(pdf.output())
