"""OAuth building blocks: the PKCE authorize URL and the JWT bearer assertion."""
from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.connect import oauth
from core.errors import BadInput


def test_given_verifier_when_authorize_url_built_then_s256_challenge_and_no_verifier_in_url() -> None:
    verifier = oauth.new_code_verifier()
    url = oauth.authorize_url("https://test.salesforce.com/", client_id="3MVG9", redirect_uri="http://localhost:8501/connect",
                              state="st-123", code_verifier=verifier)
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "test.salesforce.com", "/services/oauth2/authorize")
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert query == {"response_type": "code", "client_id": "3MVG9", "redirect_uri": "http://localhost:8501/connect",
                     "scope": "api refresh_token id", "state": "st-123", "code_challenge": expected,
                     "code_challenge_method": "S256"}
    assert verifier not in url


def test_given_new_secrets_when_generated_then_long_and_unique() -> None:
    verifiers = {oauth.new_code_verifier() for _ in range(50)}
    assert len(verifiers) == 50 and all(43 <= len(v) <= 128 for v in verifiers)
    assert len({oauth.new_state() for _ in range(50)}) == 50


def test_given_rsa_key_when_assertion_signed_then_claims_verify_with_public_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    token = oauth.jwt_assertion(client_id="3MVG9", username="int@acme.test", audience="https://login.salesforce.com/",
                                private_key_pem=pem)
    claims = jwt.decode(token, key.public_key(), algorithms=["RS256"], audience="https://login.salesforce.com")
    assert (claims["iss"], claims["sub"]) == ("3MVG9", "int@acme.test")
    assert 0 < claims["exp"] - claims["iat"] <= 180


def test_given_garbage_key_when_assertion_signed_then_bad_input() -> None:
    with pytest.raises(BadInput) as caught:
        oauth.jwt_assertion(client_id="x", username="y", audience="https://login.salesforce.com",
                            private_key_pem=b"not a key")
    assert caught.value.cause == "jwt_key_invalid"


def test_given_unreachable_token_host_when_exchanging_then_network_error_retryable() -> None:
    from core.errors import RetryLater
    with pytest.raises(RetryLater) as caught:
        oauth.exchange_code("http://127.0.0.1:9", client_id="x", client_secret=None, code="c",
                            redirect_uri="http://localhost/connect", code_verifier="v")
    assert caught.value.cause == "network"
