"""The two real delivery channels against real servers on 127.0.0.1: e-mail to an SMTP inbox (aiosmtpd), and a
signed webhook to an HTTP receiver that checks the signature as a customer's endpoint would."""
from __future__ import annotations

import hashlib
import hmac
import json
import shutil
import socket
import ssl
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from missiondesk.adapters.delivery import SmtpChannel, SmtpUrlInvalid, WebhookChannel, parse_smtp_url, sign, verify
from missiondesk.adapters.delivery.webhook import encode_payload, signature_header
from missiondesk.services.channels import Channel, DeliveryFailed, Outbound
from tests.support_servers import SmtpInbox, WebhookReceiver, unused_port

SENT_AT = datetime(2026, 3, 14, 6, 20, tzinfo=UTC)  # the incident's dawn: 1773469200
SECRET = "whsec_konoha"
SENDER = "Mission office <office@konoha.example>"


def outbound(**changes) -> Outbound:
    message = Outbound(
        delivery_id=7, idempotency_key="alert-42-email-7", channel="email", target="kakashi@konoha.example",
        recipient_name="Hatake Kakashi", kind="DUTY_OF_CARE", subject="Duty of care: Team 7 is overdue",
        text="Team 7 has not reported since 22:00.\nUzumaki Naruto, Haruno Sakura.",
        payload={"alert_id": 42, "kind": "DUTY_OF_CARE", "mission_id": 3, "codes": ["OVERDUE"]},
        sent_at=SENT_AT, secret=SECRET)
    return replace(message, **changes)


def hook(receiver: WebhookReceiver, **changes) -> Outbound:
    return outbound(channel="webhook", target=receiver.url, **changes)


def failure(channel: Channel, message: Outbound) -> DeliveryFailed:
    with pytest.raises(DeliveryFailed) as caught:
        channel.send(message)
    return caught.value


@pytest.fixture
def inbox():
    with SmtpInbox() as server:
        yield server


@pytest.fixture
def receiver():
    # the receiver's clock is the service's, a few seconds after the attempt
    with WebhookReceiver(SECRET, now=lambda: SENT_AT + timedelta(seconds=3)) as server:
        yield server


@pytest.fixture
def silent_port():
    """A port that accepts connections (the kernel completes them) and never says a word: a hung server."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


# --- e-mail ----------------------------------------------------------------------------------------------------


def test_an_email_arrives_addressed_and_marked_for_deduplication(inbox):
    SmtpChannel(inbox.url, SENDER).send(outbound())

    [mail] = inbox.wait_for(1, timeout=2)
    m = mail.message
    assert m["To"].addresses[0].display_name == "Hatake Kakashi"
    assert m["To"].addresses[0].addr_spec == "kakashi@konoha.example"
    assert mail.rcpt_tos == ("kakashi@konoha.example",)
    assert m["From"].addresses[0].addr_spec == "office@konoha.example"
    assert m["Subject"] == "Duty of care: Team 7 is overdue"
    assert m["Message-ID"] == "<alert-42-email-7@missiondesk>"
    assert m["X-Missiondesk-Idempotency-Key"] == "alert-42-email-7"
    assert m["X-Missiondesk-Kind"] == "DUTY_OF_CARE"
    assert parsedate_to_datetime(m["Date"]) == SENT_AT
    body = m.get_content()
    assert body.startswith("Team 7 has not reported since 22:00.\nUzumaki Naruto, Haruno Sakura.\n")
    assert "DUTY_OF_CARE #42" in body
    assert "mission_id: 3" in body


def test_names_and_text_beyond_ascii_arrive_intact_and_a_subject_stays_on_one_line(inbox):
    message = outbound(recipient_name="うずまき ナルト", text="Ramen at Ichiraku — 一楽.",
                       subject="Overdue:\r\nBcc: everyone@konoha.example")
    SmtpChannel(inbox.url, SENDER).send(message)

    [mail] = inbox.wait_for(1, timeout=2)
    assert mail.message["To"].addresses[0].display_name == "うずまき ナルト"
    assert mail.message.get_content().startswith("Ramen at Ichiraku — 一楽.\n")
    assert mail.message["Subject"] == "Overdue: Bcc: everyone@konoha.example"
    assert mail.message["Bcc"] is None
    assert mail.rcpt_tos == ("kakashi@konoha.example",)


def test_a_temporary_451_is_retried_and_the_retry_is_the_same_message(inbox):
    channel = SmtpChannel(inbox.url, SENDER)
    inbox.fail_next(1)

    failed = failure(channel, outbound())
    assert failed.retry is True
    assert "451" in failed.reason
    assert inbox.messages == []

    channel.send(outbound(sent_at=SENT_AT + timedelta(minutes=1)))
    [mail] = inbox.wait_for(1, timeout=2)
    assert mail.message["Message-ID"] == "<alert-42-email-7@missiondesk>"


@pytest.mark.parametrize(("inbox_options", "fail_with", "code"), [
    ({"refuse": ["kakashi@konoha.example"]}, None, "550"),  # RCPT TO refused
    ({}, "554 5.6.0 Message refused", "554"),  # DATA refused
])
def test_a_permanent_5xx_refusal_is_not_retried(inbox_options, fail_with, code):
    with SmtpInbox(**inbox_options) as server:
        if fail_with:
            server.fail_next(1, fail_with)
        failed = failure(SmtpChannel(server.url, SENDER), outbound())
        assert failed.retry is False
        assert code in failed.reason
        assert server.messages == []


def test_a_closed_port_is_retried():
    failed = failure(SmtpChannel(f"smtp://127.0.0.1:{unused_port()}", SENDER), outbound())
    assert failed.retry is True
    assert "connect" in failed.reason


def test_a_server_that_never_greets_times_out_and_is_retried(silent_port):
    failed = failure(SmtpChannel(f"smtp://127.0.0.1:{silent_port}", SENDER, timeout=0.3), outbound())
    assert failed.retry is True


def test_a_login_with_the_url_credentials_delivers_and_a_wrong_password_is_permanent():
    with SmtpInbox(auth=("office", "p@ss:word")) as server:
        address = server.url.removeprefix("smtp://")
        SmtpChannel(f"smtp://office:p%40ss%3Aword@{address}", SENDER).send(outbound())
        [mail] = server.wait_for(1, timeout=2)
        assert mail.login == "office"

        failed = failure(SmtpChannel(f"smtp://office:wrong@{address}", SENDER), outbound())
        assert failed.retry is False
        assert "535" in failed.reason
        assert "wrong" not in failed.reason and "wrong" not in repr(SmtpChannel(f"smtp://office:wrong@{address}",
                                                                                  SENDER))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, made by openssl: (server context, client context)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, key)
    return server, ssl.create_default_context(cafile=str(cert))


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "smtps"])
def test_tls_delivers_and_checks_the_server_certificate(certificate, implicit):
    server_context, client_context = certificate
    with SmtpInbox(tls_context=server_context, implicit_tls=implicit) as server:
        url = server.url if implicit else server.url + "?starttls=1"
        SmtpChannel(url, SENDER, ssl_context=client_context).send(outbound())
        assert len(server.wait_for(1, timeout=2)) == 1

        untrusted = failure(SmtpChannel(url, SENDER, timeout=2), outbound())  # the system's trust store
        assert untrusted.retry is True
        assert "SSL" in untrusted.reason


def test_starttls_asked_of_a_server_without_it_is_a_configuration_error(inbox):
    failed = failure(SmtpChannel(inbox.url + "?starttls=1", SENDER), outbound())
    assert failed.retry is False
    assert inbox.messages == []


def test_an_address_that_is_not_one_is_refused_before_connecting():
    failed = failure(SmtpChannel(f"smtp://127.0.0.1:{unused_port()}", SENDER), outbound(target="kakashi"))
    assert failed.retry is False


@pytest.mark.parametrize("sender", ["office", "", "a@konoha.example, b@konoha.example", "x@k.example\nBcc: y@z"])
def test_a_sender_that_is_not_one_address_is_refused_when_the_channel_is_made(sender):
    with pytest.raises(SmtpUrlInvalid):
        SmtpChannel("smtp://127.0.0.1", sender)


@pytest.mark.parametrize(("url", "host", "port", "tls", "user", "password"), [
    ("smtp://mail.konoha.example", "mail.konoha.example", 25, "none", None, None),
    ("smtp://mail.konoha.example:2525?starttls=1", "mail.konoha.example", 2525, "starttls", None, None),
    ("smtp://u:p%2Fw@mail.konoha.example?starttls=true", "mail.konoha.example", 25, "starttls", "u", "p/w"),
    ("smtps://u%40k:pw@mail.konoha.example", "mail.konoha.example", 465, "implicit", "u@k", "pw"),
    ("SMTPS://mail.konoha.example:4650", "mail.konoha.example", 4650, "implicit", None, None),
])
def test_smtp_urls(url, host, port, tls, user, password):
    server = parse_smtp_url(url)
    assert (server.host, server.port, server.tls, server.user, server.password) == (host, port, tls, user, password)
    if password:
        assert password not in repr(server)


@pytest.mark.parametrize("url", ["http://mail.konoha.example", "smtp://", "smtp://host:99999",
                                 "smtps://host?starttls=1", "mail.konoha.example:25"])
def test_smtp_urls_that_name_no_server(url):
    with pytest.raises(SmtpUrlInvalid):
        parse_smtp_url(url)


# --- webhooks --------------------------------------------------------------------------------------------------


def test_a_webhook_arrives_signed_with_exactly_the_payload(receiver):
    WebhookChannel().send(hook(receiver))

    [got] = receiver.wait_for(1, timeout=2)
    assert got.ok_signature is True
    assert got.body == b'{"alert_id":42,"codes":["OVERDUE"],"kind":"DUTY_OF_CARE","mission_id":3}'
    assert got.payload == outbound().payload
    assert got.idempotency_key == "alert-42-email-7"
    assert got.headers["x-missiondesk-delivery"] == "7"
    assert got.headers["content-type"] == "application/json"
    assert got.headers["user-agent"] == "missiondesk-webhook/1"
    assert got.headers["x-missiondesk-signature"].startswith("t=1773469200,v1=")
    assert verify(SECRET, got.headers["x-missiondesk-signature"], got.body, now=SENT_AT)


def test_a_webhook_signed_with_another_secret_is_refused_and_not_retried():
    with WebhookReceiver("another secret", now=lambda: SENT_AT) as server:
        failed = failure(WebhookChannel(), hook(server))
        assert failed.retry is False  # 401
        assert "401" in failed.reason
        assert [h.ok_signature for h in server.received] == [False]


def test_a_captured_webhook_replayed_ten_minutes_later_is_refused():
    with WebhookReceiver(SECRET, now=lambda: SENT_AT + timedelta(minutes=10)) as server:
        failure(WebhookChannel(), hook(server))
        [got] = server.received
        assert got.ok_signature is False
        assert verify(SECRET, got.headers["x-missiondesk-signature"], got.body, now=SENT_AT)


def test_a_503_is_retried_and_the_retry_carries_the_same_idempotency_key(receiver):
    channel = WebhookChannel()
    receiver.fail_next(1, 503)

    failed = failure(channel, hook(receiver))
    assert failed.retry is True
    assert "503" in failed.reason

    channel.send(hook(receiver, sent_at=SENT_AT + timedelta(seconds=30)))
    first, second = receiver.wait_for(2, timeout=2)
    assert first.idempotency_key == second.idempotency_key == "alert-42-email-7"
    assert second.ok_signature is True
    assert first.headers["x-missiondesk-signature"] != second.headers["x-missiondesk-signature"]


@pytest.mark.parametrize(("status", "retry"), [
    (400, False), (404, False), (410, False), (408, True), (429, True), (500, True), (502, True), (503, True),
])
def test_answers_decide_whether_to_retry(receiver, status, retry):
    receiver.fail_next(1, status)
    failed = failure(WebhookChannel(), hook(receiver))
    assert failed.retry is retry
    assert str(status) in failed.reason


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_any_2xx_is_delivered(receiver, status):
    receiver.fail_next(1, status)
    WebhookChannel().send(hook(receiver))
    assert len(receiver.received) == 1


def test_a_redirect_is_not_followed(receiver):
    receiver.fail_next(1, 307, {"Location": receiver.url + "/elsewhere"})
    failed = failure(WebhookChannel(), hook(receiver))
    assert failed.retry is False
    assert "307" in failed.reason
    assert [h.path for h in receiver.received] == ["/hooks/missiondesk"]


def test_a_closed_port_is_retried_and_the_reason_names_neither_secret_nor_path():
    target = f"http://127.0.0.1:{unused_port()}/hooks/t0ken-in-path?key=t0ken-in-query"
    failed = failure(WebhookChannel(), outbound(channel="webhook", target=target))
    assert failed.retry is True
    assert "127.0.0.1" in failed.reason
    for secret in (SECRET, "t0ken-in-path", "t0ken-in-query"):
        assert secret not in failed.reason
        assert secret not in str(failed)


def test_an_endpoint_that_never_answers_times_out_and_is_retried(silent_port):
    failed = failure(WebhookChannel(timeout=0.3), outbound(channel="webhook", target=f"http://127.0.0.1:{silent_port}/"))
    assert failed.retry is True


@pytest.mark.parametrize(("target", "secret"), [
    ("file:///etc/passwd", SECRET), ("ftp://127.0.0.1/x", SECRET), ("127.0.0.1/hooks", SECRET),
    ("http://127.0.0.1:1/hooks", None), ("http://127.0.0.1:1/hooks", ""),
])
def test_a_target_that_is_not_http_or_an_endpoint_without_a_secret_is_refused_for_good(target, secret):
    failed = failure(WebhookChannel(), outbound(channel="webhook", target=target, secret=secret))
    assert failed.retry is False


# --- sign and verify -------------------------------------------------------------------------------------------

BODY = b'{"alert_id":42,"kind":"DUTY_OF_CARE"}'
T = 1773469200
# computed apart from this code: printf '1773469200.{"alert_id":42,"kind":"DUTY_OF_CARE"}' | openssl dgst -sha256
# -hmac whsec_konoha
KNOWN = "e29683a33810a186d352e3ff9cbd0b56cb02c2c76f413b215ec20f323e71d8dd"


def test_sign_matches_a_vector_computed_by_hand():
    assert sign(SECRET, T, BODY) == KNOWN
    assert hmac.new(SECRET.encode(), b"1773469200." + BODY, hashlib.sha256).hexdigest() == KNOWN
    assert encode_payload({"kind": "DUTY_OF_CARE", "alert_id": 42}) == BODY


def test_verify_accepts_the_signature_within_the_tolerance_either_side():
    header = f"t={T},v1={KNOWN}"
    for seconds in (0, 299, -299, 300):
        assert verify(SECRET, header, BODY, now=SENT_AT + timedelta(seconds=seconds)), seconds


@pytest.mark.parametrize(("header", "body", "secret", "now"), [
    (f"t={T},v1={KNOWN}", BODY.replace(b"42", b"43"), SECRET, SENT_AT),  # tampered body
    (f"t={T},v1={KNOWN}", BODY + b" ", SECRET, SENT_AT),  # re-serialised body
    (f"t={T},v1={KNOWN}", BODY, "whsec_suna", SENT_AT),  # wrong secret
    (f"t={T},v1={KNOWN}", BODY, SECRET, SENT_AT + timedelta(minutes=10)),  # replayed ten minutes later
    (f"t={T},v1={KNOWN}", BODY, SECRET, SENT_AT - timedelta(minutes=10)),  # from the future
    (f"t={T + 1},v1={KNOWN}", BODY, SECRET, SENT_AT),  # timestamp moved: the signature covers it
    (f"t={T}", BODY, SECRET, SENT_AT),  # no signature
    (f"v1={KNOWN}", BODY, SECRET, SENT_AT),  # no timestamp
    (f"t=,v1={KNOWN}", BODY, SECRET, SENT_AT),
    (f"t=-{T},v1={KNOWN}", BODY, SECRET, SENT_AT),
    (f"t={T},t={T},v1={KNOWN}", BODY, SECRET, SENT_AT),
    (f"t={T},v1={KNOWN.upper()}", BODY, SECRET, SENT_AT),
    (f"t={T},v1={KNOWN[:-1]}", BODY, SECRET, SENT_AT),
    (f"t={T},v1=ü{KNOWN}", BODY, SECRET, SENT_AT),
    ("", BODY, SECRET, SENT_AT),
    ("garbage", BODY, SECRET, SENT_AT),
])
def test_verify_refuses(header, body, secret, now):
    assert verify(secret, header, body, now=now) is False


def test_verify_accepts_any_one_of_several_signatures_while_a_secret_is_rotated():
    old = sign("whsec_old", T, BODY)
    assert verify(SECRET, f"t={T},v1={old},v1={KNOWN}", BODY, now=SENT_AT)
    assert verify("whsec_old", f"t={T}, v1={old}, v1={KNOWN}", BODY, now=SENT_AT)
    assert signature_header(SECRET, T, BODY) == f"t={T},v1={KNOWN}"


def test_verify_honours_a_narrower_tolerance():
    header = signature_header(SECRET, T, BODY)
    assert not verify(SECRET, header, BODY, now=SENT_AT + timedelta(seconds=31), tolerance=timedelta(seconds=30))
    assert verify(SECRET, header, BODY, now=SENT_AT + timedelta(seconds=30), tolerance=timedelta(seconds=30))


def test_the_payload_sent_is_the_payload_signed_even_beyond_ascii(receiver):
    payload = {"message": "一楽 ramen — overdue", "alert_id": 9}
    WebhookChannel().send(hook(receiver, payload=payload))
    [got] = receiver.wait_for(1, timeout=2)
    assert got.ok_signature is True
    assert got.payload == payload
    assert got.body == json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
