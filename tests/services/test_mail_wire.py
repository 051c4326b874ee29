"""The wire form of a message: what the SMTP server receives is what was composed."""

from __future__ import annotations

import email
from email import policy
from email.headerregistry import Address

from surveyapp.services.mail.rendering import alternative_message
from surveyapp.services.mail.transport import serialize, wire_bytes

UNSUBSCRIBE = (
    "<https://feedback.example.com/p/MQ.slUos9vodxVntMjD1n1iNGSQjm4/unsubscribe>, "
    "<mailto:unsubscribe@feedback.example.com?subject=unsubscribe-MQ.slUos9vodxVntMjD1n1iNGSQjm4>"
)


def _message(text: str = "Hallo Jürgen,\n.\nDanke!\n", html: str = "<p>Grüße</p>\n"):  # type: ignore[no-untyped-def]
    return alternative_message(
        {
            "Subject": "Wie war es? Ticket geschlossen (4711)",
            "From": "surveys@example.com",
            "To": Address(display_name="Jürgen Müller, Sohn", addr_spec="j@example.com"),
            "Message-ID": "<invitation-1.invitation@example.com>",
            "List-Unsubscribe": UNSUBSCRIBE,
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        text,
        html,
    )


def test_the_wire_form_parses_back_to_the_same_message() -> None:
    message = _message()

    parsed = email.message_from_bytes(serialize(message), policy=policy.default)

    for name in ("Subject", "From", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"):
        assert parsed[name] == message[name]
    assert parsed["To"].addresses[0].display_name == "Jürgen Müller, Sohn"
    assert parsed["To"].addresses[0].addr_spec == "j@example.com"
    text = parsed.get_body(preferencelist=("plain",))
    html = parsed.get_body(preferencelist=("html",))
    assert text is not None
    assert html is not None
    # A parser keeps the wire's CRLF inside a quoted-printable part, as for any mail.
    assert text.get_content().replace("\r\n", "\n") == "Hallo Jürgen,\n.\nDanke!\n"
    assert "Grüße" in html.get_content() or "Gr&#252;&#223;e" in html.get_content()


def test_long_ascii_headers_stay_readable_and_lines_end_in_crlf() -> None:
    data = serialize(_message())

    assert f"List-Unsubscribe: {UNSUBSCRIBE}\r\n".encode() in data
    assert b"=?utf-8?" not in data.split(b"\r\nTo:")[0]  # no encoded words before To
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    assert b"\n" not in data.replace(b"\r\n", b"")


def test_smtp_data_is_dot_stuffed_and_terminated() -> None:
    data = wire_bytes(_message(text=".hidden line\n"))

    assert data.endswith(b"\r\n.\r\n")
    body = data[: -len(b".\r\n")]
    assert b"\r\n." not in body.replace(b"\r\n..", b"")  # every leading dot doubled
