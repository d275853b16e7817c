"""The JWT bearer flow for headless use: connect with a key file, renew by a new assertion, and
an inactive user or an unknown certificate classified with cause and fix."""
from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from core import engine
from core.errors import ConsoleError, Reconnect
from tests.org.test_connect_pkce import OPERATOR, adopt_as_demo

TOKEN = "POST /services/oauth2/token"


def _key_and_cert(directory: Path) -> tuple[Path, str]:
    """A fresh RSA key file (PEM) and the self-signed certificate an admin would upload to the app."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "console-jwt")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    key_file = directory / "server.key"
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return key_file, cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture()
def setup(tmp_path: Path, fresh_localorg: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, Any]:
    """(data dir, key file, org) with the key's certificate registered on the demo connected app."""
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    adopt_as_demo(tmp_path, fresh_localorg)
    key_file, cert = _key_and_cert(tmp_path)
    fresh_localorg.register_jwt_certificate(cert)
    return tmp_path, key_file, fresh_localorg


def test_given_registered_certificate_when_connecting_with_jwt_then_connected_and_renewed_by_assertion(
        setup: tuple[Path, Path, Any]) -> None:
    base, key_file, org = setup
    info = engine.connect_jwt("demo", client_id=org.client_id, key_file=key_file, username="integration@demo.test",
                              name="headless", actor=OPERATOR, base=base)
    assert (info.name, info.username, info.org_id) == ("headless", "integration@demo.test", org.org.org_id)
    org.set_access_token_ttl(1.0)
    time.sleep(1.2)
    org.reset_counters()
    assert engine.check_health("headless", base=base).status == "connected"
    assert org.counters().get(TOKEN) == 1  # a new assertion, no refresh token involved


def test_given_jwt_user_deactivated_when_health_checked_then_needs_reconnect_user_inactive(
        setup: tuple[Path, Path, Any]) -> None:
    base, key_file, org = setup
    engine.connect_jwt("demo", client_id=org.client_id, key_file=key_file, username="integration@demo.test",
                       actor=OPERATOR, base=base)
    org.set_user_active("integration@demo.test", False)

    health = engine.check_health("demo", base=base)

    assert (health.status, health.cause) == ("needs_reconnect", "user_inactive")
    assert health.fix and "reactivate" in health.fix


def test_given_key_not_matching_certificate_when_connecting_then_reconnect_with_certificate_fix(
        setup: tuple[Path, Path, Any], tmp_path: Path) -> None:
    base, _, org = setup
    other = tmp_path / "other"
    other.mkdir()
    wrong_key, _ = _key_and_cert(other)
    with pytest.raises(Reconnect) as caught:
        engine.connect_jwt("demo", client_id=org.client_id, key_file=wrong_key, username="integration@demo.test",
                           actor=OPERATOR, base=base)
    assert caught.value.cause == "jwt_rejected" and "certificate" in caught.value.fix


def test_given_missing_key_file_when_connecting_then_bad_input_names_the_flag(setup: tuple[Path, Path, Any]) -> None:
    base, key_file, org = setup
    with pytest.raises(ConsoleError) as caught:
        engine.connect_jwt("demo", client_id=org.client_id, key_file=key_file.with_name("absent.key"),
                           username="integration@demo.test", actor=OPERATOR, base=base)
    assert caught.value.cause == "jwt_key_missing" and "--key-file" in caught.value.fix
