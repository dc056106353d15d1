import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from phongdich.notifications.models import Message
from phongdich.notifications.services import MASK, message_deliver, notify


@pytest.mark.django_db
def test_a_message_is_sent_only_after_the_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = notify(phone="+84912345678", text="Xin chào", kind="test")
    assert Message.objects.get(pk=message.pk).status == Message.Status.QUEUED
    for callback in callbacks:
        callback()
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.sent_at and message.attempts == 1


@pytest.mark.django_db
def test_a_secret_is_masked_once_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = notify(phone="+84912345678", text="Mã xác thực: 123456", kind="otp", secret=True)
    message.refresh_from_db()
    assert message.text == MASK


@pytest.mark.django_db
def test_no_phone_no_message():
    assert notify(phone="", text="x", kind="test") is None
    assert not Message.objects.exists()


class _Gateway(BaseHTTPRequestHandler):
    received: list = []
    fail = False

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Gateway.received.append((self.headers["Authorization"], body))
        self.send_response(503 if _Gateway.fail else 200)
        self.end_headers()
        self.wfile.write(b'{"id": "gw-1"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    server = HTTPServer(("127.0.0.1", 0), _Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Gateway.received, _Gateway.fail = [], False
    yield server
    server.shutdown()


@pytest.mark.django_db
def test_the_http_gateway_gets_the_message_and_a_failure_is_kept_for_retry(settings, gateway):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{gateway.server_port}/send"
    settings.SMS_HTTP_TOKEN = "t0ken"
    message = Message.objects.create(kind="test", phone="+84912345678", text="Kết quả đã có")

    _Gateway.fail = True
    assert message_deliver(message.pk) is False
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED and "503" in message.last_error

    _Gateway.fail = False
    assert message_deliver(message.pk) is True
    message.refresh_from_db()
    assert message.status == Message.Status.SENT and message.gateway_id == "gw-1" and message.attempts == 2
    sent = {"to": "+84912345678", "text": "Kết quả đã có", "id": str(message.pk)}
    assert _Gateway.received[-1] == ("Bearer t0ken", sent)
    assert message_deliver(message.pk) is True  # already sent: nothing sent twice
    assert len(_Gateway.received) == 2


@pytest.mark.django_db
def test_a_message_goes_without_marks_in_one_part_not_three(settings):
    """An accented invitation is UCS-2, 70 characters a part: plain, 160 (walk-through of 2026-12-06)."""
    text = "Mời ông/bà Đỗ Thị Hoa tiêm mũi 2 ngày 07/12, 07:30–09:00 tại Trạm Y tế thị trấn Kim Tân. Mang CCCD."
    message = notify(phone="+84912345678", text=text, kind="test")
    assert message.text == (
        "Moi ong/ba Do Thi Hoa tiem mui 2 ngay 07/12, 07:30-09:00 tai Tram Y te thi tran Kim Tan. Mang CCCD."
    )
    assert message.text.isascii()
    settings.SMS_WITHOUT_DIACRITICS = False
    assert notify(phone="+84912345678", text=text, kind="test").text == text


@pytest.mark.django_db
def test_messages_left_unsent_are_queued_again_but_not_codes_nor_old_ones():
    """A message whose task was lost (a retry the broker refused, a worker lost with its queue) is sent by the
    15-minute sweep; one-time codes, messages two days old and messages out of tries are left alone."""
    import datetime as dt

    from django.utils import timezone

    from phongdich.notifications.services import MAX_ATTEMPTS, messages_unsent_requeue

    now = timezone.now()

    def stored(minutes_ago, **fields):
        fields = {"kind": "test_result", **fields}
        message = Message.objects.create(phone="+84912345678", text="Tra cuu ket qua", **fields)
        Message.objects.filter(pk=message.pk).update(created_at=now - dt.timedelta(minutes=minutes_ago))
        return message.pk

    lost = stored(20)
    failed = stored(60, status=Message.Status.FAILED, attempts=3, last_error="gateway 503")
    recent = stored(5)
    code = stored(20, kind="otp", secret=True)
    old = stored(3 * 24 * 60)
    exhausted = stored(60, status=Message.Status.FAILED, attempts=MAX_ATTEMPTS)
    sent = stored(60, status=Message.Status.SENT, attempts=1)

    assert messages_unsent_requeue(now=now) == 2  # the tasks run here (eager in the tests)

    status = dict(Message.objects.values_list("pk", "status"))
    assert status[lost] == status[failed] == Message.Status.SENT
    assert status[recent] == status[code] == status[old] == Message.Status.QUEUED
    assert status[exhausted] == Message.Status.FAILED and status[sent] == Message.Status.SENT
    assert Message.objects.get(pk=sent).attempts == 1  # not sent twice
