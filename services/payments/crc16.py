"""CRC-16/CCITT-FALSE, the checksum of EMVCo QR payloads (field 63).

Parameters (the "CRC-16/CCITT-FALSE" entry of the usual CRC catalogues):
width 16, polynomial 0x1021, initial value 0xFFFF, input and output not
reflected, final XOR 0x0000; check value (the CRC of b"123456789") 0x29B1.
The standard library's `binascii.crc_hqx(data, 0xFFFF)` computes the same
function; the tests compare the two. This table-driven version is kept so the
algorithm is spelled out next to the QR code that depends on it.
"""

from __future__ import annotations

POLYNOMIAL = 0x1021
INITIAL_VALUE = 0xFFFF


def _table() -> tuple[int, ...]:
    """The 256 CRC values of a single high byte, for the byte-at-a-time loop."""
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ POLYNOMIAL) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


_TABLE = _table()


def crc16_ccitt_false(data: bytes) -> int:
    """The CRC-16/CCITT-FALSE of the bytes, as an int in 0..0xFFFF."""
    crc = INITIAL_VALUE
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[(crc >> 8) ^ byte]
    return crc
