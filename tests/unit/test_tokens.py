"""The token store: encrypted at rest, key file 0600 or CONSOLE_SECRET_KEY, atomic token updates."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from core.errors import ConsoleError, Reconnect
from core.tokens import TokenRecord, TokenStore


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


def test_given_passphrase_env_when_reopened_with_same_then_readable_and_no_key_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_SECRET_KEY", "correct horse battery staple")
    TokenStore(tmp_path).save(_record())
    assert TokenStore(tmp_path).load("demo") == _record()
    assert not (tmp_path / "secret.key").exists()


def test_given_other_passphrase_when_loading_then_reconnect_with_fix(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSOLE_SECRET_KEY", "first passphrase")
    TokenStore(tmp_path).save(_record())
    monkeypatch.setenv("CONSOLE_SECRET_KEY", "second passphrase")
    with pytest.raises(Reconnect) as caught:
        TokenStore(tmp_path).load("demo")
    assert caught.value.cause == "secret_key_changed" and "CONSOLE_SECRET_KEY" in caught.value.fix


def test_given_fernet_key_env_when_used_then_records_decrypt_with_that_key(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    key = Fernet.generate_key()
    monkeypatch.setenv("CONSOLE_SECRET_KEY", key.decode())
    TokenStore(tmp_path).save(_record())
    import sqlite3
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
    assert "chmod 600" in caught.value.fix


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
    assert [r.name for r in store.all()] == ["alpha", "zeta"]


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
