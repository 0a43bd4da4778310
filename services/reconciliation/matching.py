"""What one settlement line means against our transfer (pure): outcomes to apply, nothing, or an exception kind.

| the file says | ours is                         | what happens                                   |
|---------------|---------------------------------|------------------------------------------------|
| SETTLED       | SUBMITTED                       | apply SETTLED                                  |
| SETTLED       | SETTLED, RETURNED, RETURN_UNRECOVERED | nothing (already known: it did settle)   |
| SETTLED       | FAILED                          | STATUS_CONFLICT                                |
| FAILED        | SUBMITTED                       | apply FAILED                                   |
| FAILED        | FAILED                          | nothing                                        |
| FAILED        | SETTLED, RETURNED, RETURN_UNRECOVERED | STATUS_CONFLICT                          |
| RETURNED      | SETTLED                         | apply RETURNED                                 |
| RETURNED      | SUBMITTED                       | apply SETTLED, then RETURNED (a return implies the settlement we missed) |
| RETURNED      | RETURNED, RETURN_UNRECOVERED    | nothing                                        |
| RETURNED      | FAILED                          | STATUS_CONFLICT                                |

Before any of that: no transfer of the rail with that reference is
UNKNOWN_REFERENCE, and a different amount or currency is AMOUNT_MISMATCH
(nothing applied). A transfer not yet SUBMITTED has no reference, so it is
never matched.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.rails.interface import FAILED, RETURNED, SETTLED

AMOUNT_MISMATCH = "AMOUNT_MISMATCH"
UNKNOWN_REFERENCE = "UNKNOWN_REFERENCE"
STATUS_CONFLICT = "STATUS_CONFLICT"
MISSING_FROM_FILE = "MISSING_FROM_FILE"
MALFORMED_LINE = "MALFORMED_LINE"
KINDS = (AMOUNT_MISMATCH, UNKNOWN_REFERENCE, STATUS_CONFLICT, MISSING_FROM_FILE, MALFORMED_LINE)

_ENDED_AFTER_SETTLING = ("SETTLED", "RETURNED", "RETURN_UNRECOVERED")

# (the file's status, ours) -> the outcomes to apply, in order; a pair not listed is a STATUS_CONFLICT.
_NEWS: dict[tuple[str, str], tuple[str, ...]] = {
    (SETTLED, "SUBMITTED"): (SETTLED,),
    **{(SETTLED, ours): () for ours in _ENDED_AFTER_SETTLING},
    (FAILED, "SUBMITTED"): (FAILED,),
    (FAILED, "FAILED"): (),
    (RETURNED, "SETTLED"): (RETURNED,),
    (RETURNED, "SUBMITTED"): (SETTLED, RETURNED),
    (RETURNED, "RETURNED"): (),
    (RETURNED, "RETURN_UNRECOVERED"): (),
}


@dataclass(frozen=True)
class Verdict:
    """What to do with one line: apply these outcomes (maybe none), or raise an exception of this kind."""

    apply: tuple[str, ...] = ()
    exception: str | None = None
    detail: str = ""


def judge(*, file_status: str, amount_minor: int, currency: str, ours: tuple[str, int, str] | None) -> Verdict:
    """The verdict on a line given our transfer as (status, amount_minor, currency), or None when there is none."""
    if ours is None:
        return Verdict(exception=UNKNOWN_REFERENCE, detail="no transfer of this rail has this reference")
    status, our_amount, our_currency = ours
    if (amount_minor, currency) != (our_amount, our_currency):
        return Verdict(exception=AMOUNT_MISMATCH,
                       detail=f"the file says {amount_minor} {currency} (minor units), we have {our_amount} {our_currency}")
    news = _NEWS.get((file_status, status))
    if news is None:
        return Verdict(exception=STATUS_CONFLICT, detail=f"the file says {file_status}, we have {status}")
    return Verdict(apply=news)
