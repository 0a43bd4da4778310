"""PII envelope encryption without a database: tokens, contexts, tampering, masking, the master key."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.pii.envelope import mask, open_token, seal, token_kid
from services.pii.errors import MasterKeyUnavailable, PiiIntegrityError
from services.pii.master_key import MASTER_KEY_FILE, forget_master_key, load_master_key

KID = "dk_0123456789abcdef"
CONTEXT = "kyc_submission.id_number_enc:0190f4f0-0000-7000-8000-000000000001"


@pytest.fixture
def keys() -> dict[str, AESGCM]:
    return {KID: AESGCM(AESGCM.generate_key(bit_length=256))}


def test_round_trip(keys):
    for value in ("G12345678", "张伟", "1990-04-12", "x", "", "Flat 3\n12 Long Road"):
        token = seal(keys[KID], KID, value, context=CONTEXT)
        assert token.startswith(f"pii1.{KID}.")
        assert len(value) < 4 or value not in token
        assert open_token(token, context=CONTEXT, keys=keys) == value


def test_each_encryption_uses_a_fresh_nonce(keys):
    assert seal(keys[KID], KID, "same", context=CONTEXT) != seal(keys[KID], KID, "same", context=CONTEXT)


@pytest.mark.parametrize("other", [
    "kyc_submission.id_number_enc:0190f4f0-0000-7000-8000-000000000002",  # another row
    "kyc_submission.address_enc:0190f4f0-0000-7000-8000-000000000001",  # another column
    "customer.id_number_enc:0190f4f0-0000-7000-8000-000000000001",  # another table
    "",
])
def test_a_value_moved_to_another_place_is_refused(keys, other):
    token = seal(keys[KID], KID, "G12345678", context=CONTEXT)
    with pytest.raises(PiiIntegrityError) as refused:
        open_token(token, context=other, keys=keys)
    assert "G12345678" not in str(refused.value)


def test_flipping_any_single_character_of_a_token_is_detected(keys):
    secret = "G12345678"
    token = seal(keys[KID], KID, secret, context=CONTEXT)
    for position in range(len(token)):
        for flip in (0x01, 0x20, 0x04):
            changed = chr(ord(token[position]) ^ flip)
            if changed == token[position]:
                continue
            tampered = token[:position] + changed + token[position + 1:]
            with pytest.raises(PiiIntegrityError) as refused:
                open_token(tampered, context=CONTEXT, keys=keys)
            assert secret not in str(refused.value), (position, flip)


def test_truncated_extended_and_foreign_tokens_are_refused(keys):
    token = seal(keys[KID], KID, "G12345678", context=CONTEXT)
    for bad in (token[:-1], token + "A", token[:30], "", "pii1", f"pii1.{KID}.", "plaintext", None, 42,
                token.replace("pii1.", "pii2."), f"pii1.dk_ffffffffffffffff.{token.split('.')[2]}"):
        with pytest.raises(PiiIntegrityError):
            open_token(bad, context=CONTEXT, keys=keys)


def test_a_token_names_its_key():
    assert token_kid(f"pii1.{KID}.AAAA") == KID
    with pytest.raises(PiiIntegrityError):
        token_kid(f"pii1.{KID.upper()}.AAAA")


@pytest.mark.parametrize(("value", "masked"), [
    ("G12345678", "••••••5678"), ("12 Main Street", "••••••reet"),
    # A date or a value under eight characters shows nothing: its last four are most of it.
    ("1990-04-12", "••••"), ("1234567", "••••"), ("12345", "••••"), ("1234", "••••"), ("ab", "••••"), ("", "••••"),
])
def test_mask_shows_only_the_last_four_characters_of_long_values(value, masked):
    assert mask(value) == masked


# --- the master key -----------------------------------------------------------


@pytest.fixture
def master_env(monkeypatch, tmp_path):
    """A clean master-key environment in an empty working directory."""
    for name in ("QIANBAO_MASTER_KEY", "QIANBAO_MASTER_KEY_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QIANBAO_ENV", "development")
    monkeypatch.chdir(tmp_path)
    forget_master_key()
    yield monkeypatch
    forget_master_key()


def test_the_master_key_comes_from_the_environment(master_env, tmp_path):
    master_env.setenv("QIANBAO_MASTER_KEY", base64.b64encode(os.urandom(32)).decode())
    master_env.setenv("QIANBAO_MASTER_KEY_ID", "mk7")
    assert load_master_key().key_id == "mk7"
    assert not (tmp_path / MASTER_KEY_FILE).exists()


@pytest.mark.parametrize("bad", ["not base64!", base64.b64encode(os.urandom(16)).decode()])
def test_a_malformed_master_key_is_refused_without_repeating_it(master_env, bad):
    master_env.setenv("QIANBAO_MASTER_KEY", bad)
    with pytest.raises(MasterKeyUnavailable) as refused:
        load_master_key()
    assert bad not in str(refused.value)


def test_outside_production_a_key_file_is_made_once_with_mode_0600(master_env, tmp_path):
    first = load_master_key()
    path = tmp_path / MASTER_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(path.read_text().strip())) == 32
    content = path.read_text()
    forget_master_key()
    second = load_master_key()
    assert path.read_text() == content and first.key_id == second.key_id == "mk1"
    probe = seal(first.aead, KID, "x", context=CONTEXT)
    assert open_token(probe, context=CONTEXT, keys={KID: second.aead}) == "x"


def test_a_key_file_readable_by_others_is_refused(master_env, tmp_path):
    load_master_key()
    (tmp_path / MASTER_KEY_FILE).chmod(0o644)
    forget_master_key()
    with pytest.raises(MasterKeyUnavailable, match="chmod 600"):
        load_master_key()


def test_production_refuses_to_run_without_the_environment_key(master_env, tmp_path):
    master_env.setenv("QIANBAO_ENV", "production")
    with pytest.raises(MasterKeyUnavailable, match="QIANBAO_MASTER_KEY is not set"):
        load_master_key()
    assert not (tmp_path / MASTER_KEY_FILE).exists()
