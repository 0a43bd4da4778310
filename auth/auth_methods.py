"""How a partner authenticated its customer, as a customer token carries it (`amr`, `auth_time`).

A partner mints a customer token after its app authenticated the customer;
it tells us how (`CustomerAuthMethod`: PASSWORD, PIN, BIOMETRIC,
DEVICE_BOUND) and when. The token carries the methods as the OIDC `amr`
claim (RFC 8176 names where one fits) and the time as `auth_time` (seconds
since the epoch). Whether that is strong enough for a payment is decided by
the compliance packs (services.compliance.strong_auth), not here.
"""

from __future__ import annotations

from collections.abc import Iterable

# Our method name -> its `amr` value. RFC 8176 registers pwd, pin and hwk
# (proof of possession of a hardware-secured key: a device-bound credential);
# it names biometric modalities only one by one (fpt, face, iris...), and a
# partner telling us BIOMETRIC does not say which, so that one is "bio".
AMR_OF_METHOD: dict[str, str] = {"PASSWORD": "pwd", "PIN": "pin", "BIOMETRIC": "bio", "DEVICE_BOUND": "hwk"}
METHOD_OF_AMR: dict[str, str] = {amr: method for method, amr in AMR_OF_METHOD.items()}
AUTH_METHODS: tuple[str, ...] = tuple(AMR_OF_METHOD)


def amr_claim(methods: Iterable[str]) -> list[str]:
    """The `amr` claim for our method names (sorted, so equal sets make equal tokens)."""
    return sorted(AMR_OF_METHOD[m] for m in methods)


def methods_of_amr(values: Iterable[str]) -> frozenset[str]:
    """Our method names in an `amr` claim; values we do not know grant nothing and are dropped."""
    return frozenset(METHOD_OF_AMR[v] for v in values if v in METHOD_OF_AMR)
