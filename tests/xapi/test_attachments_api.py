"""Attachments in multipart/mixed (SHA-2 checked) and signed statements (JWS, x5c verified)."""
from __future__ import annotations

import base64
import copy
import hashlib
import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.xapi.conftest import Xapi, statement
from xapi.lrs import multipart
from xapi.vocabulary import SIGNATURE_USAGE_TYPE

CONTENT = b"attachment\r\n--not-a-boundary\r\n\x00\xff binary"


def described(content: bytes, **extra: object) -> dict:
    return {"usageType": "http://example.com/attachment-usage/test", "display": {"en-US": "A test"},
            "contentType": "application/octet-stream", "length": len(content),
            "sha2": hashlib.sha256(content).hexdigest(), **extra}


def send(xapi: Xapi, statements: list[dict], parts: dict[str, bytes], *, encoding: str | None = "binary"):  # type: ignore[no-untyped-def]
    boundary = "xapi-test-boundary"
    body = [f"--{boundary}\r\nContent-Type: application/json\r\n\r\n".encode() + json.dumps(statements).encode()]
    for sha2, content in parts.items():
        head = f"--{boundary}\r\nContent-Type: application/octet-stream\r\nX-Experience-API-Hash: {sha2}\r\n"
        if encoding:
            head += f"Content-Transfer-Encoding: {encoding}\r\n"
        body.append(head.encode() + b"\r\n" + content)
    payload = b"\r\n".join(body) + f"\r\n--{boundary}--".encode()
    return xapi.post("statements", data=payload, content_type=f"multipart/mixed; boundary={boundary}")


def test_multipart_attachment_round_trip(xapi: Xapi) -> None:
    body = statement(attachments=[described(CONTENT)])
    sha2 = body["attachments"][0]["sha2"]
    response = send(xapi, [body], {sha2: CONTENT})
    assert response.status_code == 200, response.get_data(as_text=True)
    got = xapi.get(f"statements?statementId={body['id']}&attachments=true")
    assert got.content_type.startswith("multipart/mixed")
    parts = multipart.parse(got.content_type, got.data)
    assert json.loads(parts[0].content)["id"] == body["id"]
    assert parts[1].headers["x-experience-api-hash"] == sha2 and parts[1].content == CONTENT
    assert xapi.get(f"statements?statementId={body['id']}").get_json()["attachments"][0]["sha2"] == sha2


@pytest.mark.parametrize("case", ["wrong-hash", "missing-part", "extra-part", "no-encoding", "no-hash-header",
                                  "json-without-fileurl", "bad-boundary"])
def test_attachment_errors_are_400(xapi: Xapi, case: str) -> None:
    body = statement(attachments=[described(CONTENT)])
    sha2 = body["attachments"][0]["sha2"]
    if case == "wrong-hash":
        response = send(xapi, [body], {sha2: CONTENT + b"tampered"})
    elif case == "missing-part":
        response = send(xapi, [body], {})
    elif case == "extra-part":
        response = send(xapi, [body], {sha2: CONTENT, hashlib.sha256(b"x").hexdigest(): b"x"})
    elif case == "no-encoding":
        response = send(xapi, [body], {sha2: CONTENT}, encoding=None)
    elif case == "no-hash-header":
        response = xapi.post("statements", data=b"--b\r\nContent-Type: application/json\r\n\r\n" +
                             json.dumps(body).encode() + b"\r\n--b\r\nContent-Transfer-Encoding: binary\r\n\r\n"
                             + CONTENT + b"\r\n--b--", content_type="multipart/mixed; boundary=b")
    elif case == "json-without-fileurl":
        response = xapi.post("statements", json=body)
    else:
        response = xapi.post("statements", data=b"garbage", content_type="multipart/mixed; boundary=zzz")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert xapi.get(f"statements?statementId={body['id']}").status_code == 404


def test_file_url_attachment_needs_no_part(xapi: Xapi) -> None:
    body = statement(attachments=[described(CONTENT, fileUrl="https://example.com/file.bin")])
    assert xapi.post("statements", json=body).status_code == 200


def _certificate() -> tuple[rsa.RSAPrivateKey, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "xAPI signer")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=1)).sign(key, hashes.SHA256()))
    return key, base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


@pytest.fixture(scope="module")
def signer() -> tuple[rsa.RSAPrivateKey, str]:
    return _certificate()


def signed(payload: dict, key: rsa.RSAPrivateKey, x5c: str, alg: str = "RS256") -> tuple[dict, bytes]:
    token = jwt.encode(payload, key, algorithm=alg, headers={"x5c": [x5c]}).encode()
    body = copy.deepcopy(payload)
    body["attachments"] = [described(token, usageType=SIGNATURE_USAGE_TYPE, display={"en-US": "Signature"})]
    return body, token


def test_signed_statement_is_verified(xapi: Xapi, signer) -> None:  # type: ignore[no-untyped-def]
    key, x5c = signer
    body, token = signed(statement(), key, x5c, "RS384")
    response = send(xapi, [body], {body["attachments"][0]["sha2"]: token})
    assert response.status_code == 200, response.get_data(as_text=True)


@pytest.mark.parametrize("forgery", ["payload-differs", "other-key", "not-jws", "hs256"])
def test_forged_signatures_are_rejected(xapi: Xapi, signer, forgery: str) -> None:  # type: ignore[no-untyped-def]
    key, x5c = signer
    original = statement()
    if forgery == "payload-differs":
        body, token = signed(original, key, x5c)
        body["verb"] = {"id": "http://example.com/verbs/forged"}
    elif forgery == "other-key":
        other, _ = _certificate()
        body, token = signed(original, other, x5c)
    elif forgery == "not-jws":
        body, _ = signed(original, key, x5c)
        token = b"definitely not a jws"
        body["attachments"][0] = described(token, usageType=SIGNATURE_USAGE_TYPE, display={"en-US": "S"})
    else:
        token = jwt.encode(original, "secret-secret-secret-secret-secret", algorithm="HS256").encode()
        body = dict(original, attachments=[described(token, usageType=SIGNATURE_USAGE_TYPE,
                                                     display={"en-US": "S"})])
    response = send(xapi, [body], {body["attachments"][0]["sha2"]: token})
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "JWS" in response.get_data(as_text=True) or "jws" in response.get_data(as_text=True).lower()


def test_lf_only_multipart_with_two_attachments(xapi: Xapi) -> None:
    """Bodies saved with bare LF line breaks (as the ADL conformance suite's .part files are) are accepted."""
    first, second = b"here is a simple attachment", b"here is another simple attachment"
    body = statement(attachments=[described(first, contentType="text/plain"),
                                  described(second, contentType="text/plain")])
    boundary = "-------314159265358979323846"
    lines = [f"--{boundary}", "Content-Type: application/json", "", json.dumps(body)]
    for content in (first, second):
        lines += [f"--{boundary}", 'Content-Disposition: attachment; filename="text_data.txt"',
                  "Content-Type: text/plain", "Content-Transfer-Encoding: binary",
                  f"X-Experience-API-Hash: {hashlib.sha256(content).hexdigest()}", "", content.decode()]
    payload = ("\n".join(lines) + f"\n--{boundary}--\n").encode()
    response = xapi.post("statements", data=payload, content_type=f"multipart/mixed; boundary={boundary}")
    assert response.status_code == 200, response.get_data(as_text=True)
    got = xapi.get("statements?attachments=true")
    contents = {p.content for p in multipart.parse(got.content_type, got.data)[1:]}
    assert contents == {first, second}


def test_signature_compares_durations_to_hundredths(xapi: Xapi, signer) -> None:  # type: ignore[no-untyped-def]
    """ADL suite 4.2.7 (2.0; 1.0.3 4.6): precision beyond 0.01 s is not part of the comparison."""
    key, x5c = signer
    body, token = signed(statement(result={"duration": "P1DT12H36M0.12S"}), key, x5c)
    body["result"]["duration"] = "P1DT12H36M0.1237S"
    response = send(xapi, [body], {body["attachments"][0]["sha2"]: token})
    assert response.status_code == 200, response.get_data(as_text=True)
    body, token = signed(statement(result={"duration": "P1DT12H36M0.12S"}), key, x5c)
    body["result"]["duration"] = "P1DT12H36M0.13S"  # a different hundredth is a different statement
    assert send(xapi, [body], {body["attachments"][0]["sha2"]: token}).status_code == 400
