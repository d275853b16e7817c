"""The token store: encrypted at rest, key file 0600 or CONSOLE_SECRET_KEY, atomic token updates; an
undecryptable record is listed as needing a reconnect and never deleted; a bad key or store file is explained."""
from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from core import engine
from core.connect.tokens import TokenRecord, TokenStore
from core.errors import ConsoleError, Reconnect
from tests.fixtures.tokens import damage_record


def _record(name: str = "demo", refresh: str | None = "REFRESH-SECRET-1") -> TokenRecord:
    return TokenRecord(name=name, environment={"kind": "sandbox", "login_url": "https://test.salesforce.com",
                                               "label": "Sandbox", "badge": "SANDBOX", "expects_sandbox": True},
                       token_url="https://test.salesforce.com", instance_url="https://acme--uat.sandbox.my.salesforce.com",
                       org_id="00D000000000001AAA", user_id="005000000000001AAA", username="int@acme.test",
                       access_token="ACCESS-SECRET-1", refresh_token=refresh, issued_at="1700000000000",
                       client_id="3MVG9", client_secret="CLIENT-SECRET")


def test_given_no_secret_env_when_store_opens_then_key_file_is_created_0600(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    TokenStore(tmp_path)
    key_file = tmp_path / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    Fernet(key_file.read_bytes())  # a valid Fernet key


def test_given_saved_record_when_loaded_then_equal_and_tokens_not_in_clear_on_disk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    store = TokenStore(tmp_path)
    store.save(_record())
    assert store.load("demo") == _record()
    raw = store.raw_bytes()
    for secret in (b"ACCESS-SECRET-1", b"REFRESH-SECRET-1", b"CLIENT-SECRET", b"int@acme.test"):
        assert secret not in raw


def test_given_record_when_repr_then_no_token_text() -> None:
    assert "SECRET" not in repr(_record())


def test_given_key_env_when_reopened_with_same_then_readable_and_no_key_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_SECRET_KEY", Fernet.generate_key().decode())
    TokenStore(tmp_path).save(_record())
    assert TokenStore(tmp_path).load("demo") == _record()
    assert not (tmp_path / "secret.key").exists()


def test_given_other_key_env_when_loading_then_reconnect_with_cause_and_fix_and_record_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Fernet.generate_key().decode()
    monkeypatch.setenv("CONSOLE_SECRET_KEY", first)
    TokenStore(tmp_path).save(_record())
    monkeypatch.setenv("CONSOLE_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(Reconnect) as caught:
        TokenStore(tmp_path).load("demo")
    assert caught.value.cause == "tokens_unreadable" and caught.value.health == "needs_reconnect"
    assert "cannot be decrypted" in caught.value.message
    assert "CONSOLE_SECRET_KEY" in caught.value.fix and "connect again" in caught.value.fix
    assert TokenStore(tmp_path).names() == ["demo"]
    monkeypatch.setenv("CONSOLE_SECRET_KEY", first)  # restoring the key brings it back
    assert TokenStore(tmp_path).load("demo") == _record()


@pytest.mark.parametrize("value", ["a", "correct horse battery staple", "dGhpcnR5LXR3by1ieXRlcy1idXQtc2hvcnQ=",
                                   "A" * 44, "Zm9v!" + "A" * 38 + "="],
                         ids=["one letter", "passphrase", "too short", "33 bytes", "not base64"])
def test_given_a_key_env_that_is_no_fernet_key_when_store_opens_then_refused_with_how_to_make_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("CONSOLE_SECRET_KEY", value)
    with pytest.raises(ConsoleError) as caught:
        TokenStore(tmp_path)
    assert caught.value.cause == "secret_key_invalid"
    assert "CONSOLE_SECRET_KEY is not a Fernet key" in caught.value.message
    assert "Fernet.generate_key()" in caught.value.fix and "unset CONSOLE_SECRET_KEY" in caught.value.fix
    assert len(value) < 5 or value not in caught.value.message + caught.value.fix  # the value is never repeated
    assert not (tmp_path / "tokens.sqlite3").exists()  # refused before anything is written


def test_given_fernet_key_env_when_used_then_records_decrypt_with_that_key(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    key = Fernet.generate_key()
    monkeypatch.setenv("CONSOLE_SECRET_KEY", key.decode())
    TokenStore(tmp_path).save(_record())
    blob = sqlite3.connect(tmp_path / "tokens.sqlite3").execute("SELECT record FROM connection").fetchone()[0]
    assert b"ACCESS-SECRET-1" in Fernet(key).decrypt(blob)


def test_given_world_readable_key_file_when_store_opens_then_error_with_chmod_fix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    key_file = tmp_path / "secret.key"
    key_file.write_bytes(Fernet.generate_key())
    key_file.chmod(0o644)
    with pytest.raises(ConsoleError) as caught:
        TokenStore(tmp_path)
    assert caught.value.cause == "key_file_permissions" and "mode 644" in caught.value.message
    assert f"chmod 600 {key_file}" in caught.value.fix


def test_given_refresh_without_new_refresh_token_when_updated_then_old_refresh_token_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    store = TokenStore(tmp_path)
    store.save(_record())
    store.update_tokens("demo", "ACCESS-2", None, "1700000001000")
    loaded = store.load("demo")
    assert loaded is not None
    assert (loaded.access_token, loaded.refresh_token) == ("ACCESS-2", "REFRESH-SECRET-1")


def test_given_rotated_refresh_token_when_updated_then_new_one_saved(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    store = TokenStore(tmp_path)
    store.save(_record())
    store.update_tokens("demo", "ACCESS-2", "REFRESH-2", "1700000001000", "https://moved.my.salesforce.com")
    loaded = TokenStore(tmp_path).load("demo")
    assert loaded is not None
    assert (loaded.refresh_token, loaded.instance_url) == ("REFRESH-2", "https://moved.my.salesforce.com")


def test_given_deleted_connection_when_refresh_saved_then_reconnect(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    store = TokenStore(tmp_path)
    store.save(_record())
    assert store.delete("demo") is True
    with pytest.raises(Reconnect):
        store.update_tokens("demo", "ACCESS-2", None, "1")
    assert store.load("demo") is None and store.delete("demo") is False


def test_given_two_records_when_listed_then_names_sorted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    store = TokenStore(tmp_path)
    store.save(_record("zeta"))
    store.save(_record("alpha"))
    assert store.names() == ["alpha", "zeta"]


def test_given_console_data_dir_env_when_store_opens_without_base_then_files_live_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    monkeypatch.setenv("CONSOLE_DATA_DIR", str(tmp_path / "elsewhere"))
    TokenStore().save(_record())
    assert (tmp_path / "elsewhere" / "tokens.sqlite3").exists() and (tmp_path / "elsewhere" / "secret.key").exists()


def test_given_many_threads_opening_a_new_store_when_racing_then_one_key_for_all(tmp_path: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    stores: list[TokenStore] = []
    threads = [threading.Thread(target=lambda: stores.append(TokenStore(tmp_path))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stores[0].save(_record())
    assert all(s.load("demo") == _record() for s in stores)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".secret")] == []


def test_given_a_damaged_record_when_loaded_then_reconnect_for_it_alone_and_nothing_deleted(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    store = TokenStore(tmp_path)
    store.save(_record("good"))
    store.save(_record("torn"))
    damage_record(tmp_path, "torn")
    with pytest.raises(Reconnect) as caught:
        store.load("torn")
    assert caught.value.cause == "tokens_unreadable" and "'torn'" in caught.value.message
    assert store.load("good") == _record("good")
    assert store.names() == ["good", "torn"]


def test_given_a_replaced_key_file_when_listed_then_unreadable_connection_needs_reconnect_with_cause_and_fix(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    TokenStore(tmp_path).save(_record("uat"))
    (tmp_path / "secret.key").write_bytes(Fernet.generate_key())
    [info] = engine.connections(base=tmp_path)
    assert (info.name, info.readable, info.environment.badge) == ("uat", False, "UNKNOWN")
    assert engine.connection("uat", base=tmp_path) == info
    health = engine.check_health("uat", base=tmp_path)  # fails on the store, before any network call
    assert (health.status, health.cause) == ("needs_reconnect", "tokens_unreadable")
    assert "secret key changed" in (health.message or "") and "connect again under the name 'uat'" in (health.fix or "")


def test_given_an_unreadable_record_when_saved_again_under_its_name_then_replaced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    store = TokenStore(tmp_path)
    store.save(_record("uat"))
    damage_record(tmp_path, "uat")
    store.save(_record("uat", refresh="REFRESH-NEW"))
    loaded = store.load("uat")
    assert loaded is not None and loaded.refresh_token == "REFRESH-NEW"


def test_given_an_unreadable_record_when_disconnected_then_kept_without_force_and_deleted_with_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    TokenStore(tmp_path).save(_record("uat"))
    damage_record(tmp_path, "uat")
    operator = engine.Actor("op")
    with pytest.raises(Reconnect) as caught:
        engine.disconnect("uat", actor=operator, base=tmp_path)
    assert "force" in caught.value.fix
    assert TokenStore(tmp_path).names() == ["uat"]
    assert engine.disconnect("uat", actor=operator, force=True, base=tmp_path).revoked is False  # nothing was revoked
    assert TokenStore(tmp_path).names() == []


def test_given_a_damaged_store_file_when_opened_then_clear_error_and_file_untouched(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    TokenStore(tmp_path).save(_record())
    path = tmp_path / "tokens.sqlite3"
    damaged = path.read_bytes()[:2048] + b"\x00" * 100
    path.write_bytes(damaged)
    with pytest.raises(ConsoleError) as caught:
        TokenStore(tmp_path).names()
    assert caught.value.cause == "token_store_damaged" and str(path) in caught.value.message
    assert "backup" in caught.value.fix
    assert path.read_bytes() == damaged


@pytest.mark.parametrize("content", [b"", b"not a key", b"\xff\xfe" * 22])
def test_given_a_malformed_key_file_when_store_opens_then_key_invalid_names_the_file_and_keeps_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: bytes) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    key_file = tmp_path / "secret.key"
    key_file.write_bytes(content)
    key_file.chmod(0o600)
    with pytest.raises(ConsoleError) as caught:
        TokenStore(tmp_path)
    assert caught.value.cause == "key_invalid" and str(key_file) in caught.value.message
    assert "Restore the key file" in caught.value.fix
    assert key_file.read_bytes() == content


def test_given_a_key_path_that_is_a_directory_when_store_opens_then_key_file_unreadable(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSOLE_SECRET_KEY", raising=False)
    (tmp_path / "secret.key").mkdir(mode=0o700)
    with pytest.raises(ConsoleError) as caught:
        TokenStore(tmp_path)
    assert caught.value.cause == "key_file_unreadable" and "cannot be read" in caught.value.message
