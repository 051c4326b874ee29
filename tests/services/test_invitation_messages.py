"""The invitation and reminder emails: what a contact's mail client receives and shows."""

from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from html.parser import HTMLParser

import pytest
from babel.messages.extract import extract_from_file

from config import PROJECT_ROOT
from surveyapp.domain.dispatch import MailKind
from surveyapp.domain.scoring import QuestionType
from surveyapp.domain.survey_definition import Question, SurveyDefinition, Wording
from surveyapp.domain.survey_templates import ces_template, csat_template, nps_template
from surveyapp.services.dispatch.messages import InvitationMail, compose, find_reference
from surveyapp.services.mail.rendering import translate

BASE_URL = "https://feedback.example"
DOMAIN = "feedback.example"
SENDER = "Acme Support <surveys@feedback.example>"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TOKEN = "tok-3n9Xb_Q"
PREFERENCE_TOKEN = "MjE.pref-Sig"
SURVEY_URL = f"{BASE_URL}/s/{TOKEN}"
TRAP_URL = f"{SURVEY_URL}/t"
PREFERENCES_URL = f"{BASE_URL}/p/{PREFERENCE_TOKEN}"
UNSUBSCRIBE_URL = f"{PREFERENCES_URL}/unsubscribe"
TEXT_TEMPLATE = PROJECT_ROOT / "templates" / "emails" / "invitation.txt"
# The HTML part is ASCII: "ü" travels as "&#252;". Markup escapes (&lt; &#39;) stay as they are.
NON_ASCII_REFERENCE = re.compile(r"&#(1[2-9][0-9]|[2-9][0-9]{2}|[0-9]{4,});")
SIGNATURE_LINE = "-- "  # the conventional signature separator ends in a space


def make_mail(**overrides: object) -> InvitationMail:
    fields: dict[str, object] = {
        "invitation_id": 42,
        "kind": MailKind.INVITATION,
        "attempt": 1,
        "recipient": "anna@example.com",
        "name": "Anna Schmidt",
        "locale": "en",
        "token": TOKEN,
        "preference_token": PREFERENCE_TOKEN,
        "definition": nps_template(),
        "touchpoint_name": "Support ticket closed",
        "reference": "4711",
    }
    fields.update(overrides)
    return InvitationMail(**fields)  # type: ignore[arg-type]


def received(mail: InvitationMail, *, now: datetime = NOW) -> EmailMessage:
    """The message as the recipient's mail client parses it from the wire."""
    message = compose(mail, base_url=BASE_URL, sender=SENDER, domain=DOMAIN, now=now)
    parsed = email.message_from_bytes(message.as_bytes(policy=policy.SMTP), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def bodies(message: EmailMessage) -> tuple[str, str]:
    """The text and the HTML, with the HTML's references to non-ASCII letters read back."""
    text_part = message.get_body(("plain",))
    html_part = message.get_body(("html",))
    assert text_part is not None
    assert html_part is not None
    # Read from the wire, lines end in CRLF; a mail client shows them as line breaks.
    text = text_part.get_content().replace("\r\n", "\n")
    html = html_part.get_content().replace("\r\n", "\n")
    return text, NON_ASCII_REFERENCE.sub(lambda match: chr(int(match[1])), html)


class _Links(HTMLParser):
    """Every link of an HTML body: its attributes and the text people see in it."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[dict[str, str | None], str]] = []
        self._open: tuple[dict[str, str | None], list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._open = (dict(attrs), [])

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._open[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open is not None:
            self.links.append((self._open[0], "".join(self._open[1]).strip()))
            self._open = None


def links_of(html: str) -> list[tuple[dict[str, str | None], str]]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def hrefs(html: str) -> list[str]:
    return [str(attrs.get("href")) for attrs, _text in links_of(html)]


def test_an_invitation_is_text_and_html_alternatives_in_english() -> None:
    message = received(make_mail())
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == [
        "text/plain",
        "text/html",
    ]
    assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())
    assert message["Subject"] == "How did we do? Support ticket closed (4711)"
    assert message["Content-Language"] == "en"
    text, html = bodies(message)
    for body in (text, html):
        assert "Hello Anna Schmidt," in body
        assert "Regarding: Support ticket closed (4711)" in body
        assert "How likely are you to recommend us to a friend or colleague?" in body
        assert "0 = Not at all likely" in body
        assert "10 = Extremely likely" in body
    assert '<html lang="en">' in html


def test_a_german_contact_gets_german_wording_and_the_german_question() -> None:
    message = received(make_mail(locale="de", name="Jörg Müller"))
    assert message["Subject"] == "Wie war es? Support ticket closed (4711)"
    assert message["Content-Language"] == "de"
    assert message["To"].addresses[0].display_name == "Jörg Müller"
    text, html = bodies(message)
    for body in (text, html):
        assert "Guten Tag Jörg Müller," in body
        assert "Betrifft: Support ticket closed (4711)" in body
        assert "Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen" in body
        assert "0 = Äußerst unwahrscheinlich" in body
        assert "Einstellungen" in body
        assert "Hello" not in body
        assert "Regarding" not in body
    assert '<html lang="de">' in html


def test_a_language_the_survey_lacks_falls_back_to_the_surveys_default() -> None:
    german_only = replace(nps_template(), locales=("de",), default_locale="de")
    text, _html = bodies(received(make_mail(locale="fr", definition=german_only)))
    assert "Guten Tag Anna Schmidt," in text
    assert "Wie wahrscheinlich ist es" in text


@pytest.mark.parametrize(
    ("definition", "scores"),
    [(nps_template(), range(11)), (csat_template(), range(1, 6)), (ces_template(), range(1, 8))],
    ids=["nps", "csat", "ces"],
)
def test_every_score_of_the_scale_links_to_the_survey_with_that_score(
    definition: SurveyDefinition, scores: range
) -> None:
    text, html = bodies(received(make_mail(definition=definition)))
    expected = [f"{SURVEY_URL}?score={score}" for score in scores]
    score_links = [
        (attrs["href"], label) for attrs, label in links_of(html) if "?score=" in str(attrs["href"])
    ]
    assert score_links == [(url, str(score)) for url, score in zip(expected, scores, strict=True)]
    text_links = re.findall(r"^\s*(\d+): (\S+)$", text, flags=re.MULTILINE)
    assert text_links == [(str(score), url) for url, score in zip(expected, scores, strict=True)]


def test_the_scale_end_labels_sit_under_the_first_and_last_buttons() -> None:
    _text, html = bodies(received(make_mail(definition=csat_template())))
    buttons_end = html.index(f"{SURVEY_URL}?score=5")
    low = html.index("1 = Very dissatisfied")
    high = html.index("5 = Very satisfied")
    assert buttons_end < low < high
    assert re.search(r'<td colspan="2" align="left"[^>]*>1 = Very dissatisfied</td>', html)
    assert re.search(r'<td colspan="3" align="right"[^>]*>5 = Very satisfied</td>', html)


def test_the_next_page_is_promised_only_when_the_survey_asks_more() -> None:
    definition = nps_template()
    rating_only = definition.with_questions(definition.questions[:1])
    assert "tell us more" in bodies(received(make_mail(definition=definition)))[0]
    for body in bodies(received(make_mail(definition=rating_only))):
        assert "Just click the answer that fits best." in body
        assert "tell us more" not in body


def test_a_survey_without_a_rating_gets_one_open_link() -> None:
    comment_only = SurveyDefinition(
        thank_you={"en": "Thanks", "de": "Danke"},
        questions=(
            Question(
                key="comment",
                type=QuestionType.TEXT,
                wording={"en": Wording("Anything to tell us?"), "de": Wording("Noch etwas?")},
            ),
        ),
    )
    text, html = bodies(received(make_mail(definition=comment_only)))
    survey_links = [
        (attrs["href"], label) for attrs, label in links_of(html) if "/s/" in str(attrs["href"])
    ]
    assert survey_links == [(TRAP_URL, ""), (SURVEY_URL, "Open the survey")]
    assert "?score=" not in html
    assert "?score=" not in text
    assert f"Open the survey: {SURVEY_URL}\n" in text


def test_the_trap_link_is_in_the_html_hidden_from_people_and_absent_from_the_text() -> None:
    text, html = bodies(received(make_mail()))
    traps = [(attrs, label) for attrs, label in links_of(html) if attrs.get("href") == TRAP_URL]
    assert len(traps) == 1
    attrs, label = traps[0]
    assert label == ""
    assert attrs["aria-hidden"] == "true"
    assert attrs["tabindex"] == "-1"
    assert "display:none" in str(attrs["style"])
    assert TRAP_URL not in text


def test_the_message_id_is_fixed_per_invitation_and_kind_and_the_attempt_is_stated() -> None:
    first = received(make_mail(attempt=1))
    retry = received(make_mail(attempt=3), now=datetime(2026, 3, 2, 9, 45, tzinfo=UTC))
    reminder = received(make_mail(kind=MailKind.REMINDER))
    assert first["Message-ID"] == retry["Message-ID"] == f"<invitation-42.invitation@{DOMAIN}>"
    assert reminder["Message-ID"] == f"<invitation-42.reminder@{DOMAIN}>"
    assert first["X-Surveyapp-Attempt"] == "1"
    assert retry["X-Surveyapp-Attempt"] == "3"
    assert first["Date"].datetime == NOW
    assert retry["Date"].datetime == datetime(2026, 3, 2, 9, 45, tzinfo=UTC)


def test_sender_recipient_and_mailbox_headers() -> None:
    message = received(make_mail())
    assert str(message["From"]) == SENDER
    recipient = message["To"].addresses[0]
    assert (recipient.display_name, recipient.addr_spec) == ("Anna Schmidt", "anna@example.com")
    assert message["List-Unsubscribe"] == (
        f"<{UNSUBSCRIBE_URL}>, <mailto:unsubscribe@{DOMAIN}?subject=unsubscribe-{PREFERENCE_TOKEN}>"
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert message["Precedence"] is None
    assert message["Auto-Submitted"] is None


def test_long_unsubscribe_addresses_stay_literal_on_the_wire() -> None:
    """Mail clients read List-Unsubscribe literally: a long URL must not become encoded words."""
    base_url = "https://customer-feedback.surveys.example-company.co.uk/feedback-platform"
    token = "MTIzNDU2.eyJhbGciOiJIUzI1NiJ9.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw"
    message = compose(
        make_mail(preference_token=token),
        base_url=base_url,
        sender=SENDER,
        domain=DOMAIN,
        now=NOW,
    )
    head = message.as_bytes(policy=policy.SMTP).split(b"\r\n\r\n")[0].decode("ascii")
    unfolded = head.replace("\r\n ", " ")
    expected = (
        f"List-Unsubscribe: <{base_url}/p/{token}/unsubscribe>, "
        f"<mailto:unsubscribe@{DOMAIN}?subject=unsubscribe-{token}>\r\n"
    )
    assert expected in unfolded
    assert "=?" not in head


def test_without_a_name_the_greeting_is_neutral_and_the_recipient_bare() -> None:
    message = received(make_mail(name=None, reference=None))
    assert str(message["To"]) == "anna@example.com"
    assert message["Subject"] == "How did we do? Support ticket closed"
    text, html = bodies(message)
    assert text.startswith("Hello,\n")
    assert ">Hello,</p>" in html
    assert "Regarding: Support ticket closed\n" in text


def test_both_parts_link_to_the_preference_centre_and_unsubscribing() -> None:
    text, html = bodies(received(make_mail()))
    assert f"Change your survey preferences: {PREFERENCES_URL}\n" in text
    assert f"Unsubscribe from surveys: {UNSUBSCRIBE_URL}\n" in text
    assert "unsubscribe at any time" in text
    footer = {label: attrs["href"] for attrs, label in links_of(html)}
    assert footer["Change your survey preferences"] == PREFERENCES_URL
    assert footer["Unsubscribe from surveys"] == UNSUBSCRIBE_URL


def test_a_reminder_says_so_and_carries_the_same_links() -> None:
    invitation = received(make_mail())
    reminder = received(make_mail(kind=MailKind.REMINDER))
    assert reminder["Subject"] == "Reminder: how did we do? Support ticket closed (4711)"
    text, html = bodies(reminder)
    for body in (text, html):
        assert "A friendly reminder" in body
        assert "please ignore this reminder" in body
    assert hrefs(html) == hrefs(bodies(invitation)[1])
    german = received(make_mail(kind=MailKind.REMINDER, locale="de"))
    assert german["Subject"].startswith("Erinnerung: ")
    assert "Erinnerung" in bodies(german)[0]


def test_user_written_wording_is_escaped_in_html_and_literal_in_text() -> None:
    definition = nps_template()
    rating = definition.questions[0]
    hostile = replace(
        rating,
        wording={
            **rating.wording,
            "en": Wording(
                "<script>alert('prompt')</script> Müller & Söhne?",
                '0 = "never" <b>',
                "10 = <img src=x onerror=alert(1)>",
            ),
        },
    )
    mail = make_mail(
        definition=definition.with_questions((hostile, *definition.questions[1:])),
        name="<script>alert('name')</script>",
        touchpoint_name="Orders & <i>returns</i>",
    )
    text, html = bodies(received(mail))
    assert "<script" not in html
    assert "<img" not in html
    assert "<i>" not in html
    assert "&lt;script&gt;alert(&#39;prompt&#39;)&lt;/script&gt; Müller &amp; Söhne?" in html
    assert "Hello &lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;," in html
    assert "Regarding: Orders &amp; &lt;i&gt;returns&lt;/i&gt; (4711)" in html
    assert "<script>alert('prompt')</script> Müller & Söhne?" in text
    assert "&amp;" not in text
    assert "&lt;" not in text
    assert "Regarding: Orders & <i>returns</i> (4711)" in text


def test_line_breaks_in_names_cannot_add_headers() -> None:
    mail = make_mail(
        name="Anna\r\nBcc: victim@example.com",
        touchpoint_name="Support\nX-Evil: 1",
        reference="47\r\n11",
    )
    message = received(mail)
    assert message["Bcc"] is None
    assert message["X-Evil"] is None
    assert message["Subject"] == "How did we do? Support X-Evil: 1 (47 11)"
    assert message["To"].addresses[0].display_name == "Anna Bcc: victim@example.com"


def test_the_message_is_seven_bit_clean_for_servers_without_8bitmime() -> None:
    message = compose(
        make_mail(locale="de", name="Jörg Müller", touchpoint_name="Rückgabe 📦"),
        base_url=BASE_URL,
        sender=SENDER,
        domain=DOMAIN,
        now=NOW,
    )
    wire = message.as_bytes(policy=policy.SMTP)
    assert wire.isascii()
    assert max(len(line) for line in wire.split(b"\r\n")) <= 998
    parsed = email.message_from_bytes(wire, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["Subject"] == "Wie war es? Rückgabe 📦 (4711)"
    assert all("Rückgabe 📦" in body for body in bodies(parsed))


def test_a_naive_date_is_refused() -> None:
    naive = datetime(2026, 3, 2, 9, 30)  # noqa: DTZ001 -- the mistake under test
    with pytest.raises(ValueError, match="timezone-aware"):
        compose(make_mail(), base_url=BASE_URL, sender=SENDER, domain=DOMAIN, now=naive)


def test_every_text_part_message_is_translated_into_german() -> None:
    """The catalogue extraction reads only the .html templates: the text part must reuse them."""
    extracted = extract_from_file("jinja2", str(TEXT_TEMPLATE), keywords={"_": None})
    msgids = {str(message) for _line, message, _comments, _context in extracted}
    assert len(msgids) >= 10
    untranslated = sorted(m for m in msgids if translate(m, locale="de") == m)
    assert untranslated == []


@pytest.mark.parametrize(
    ("attributes", "expected"),
    [
        ({"ticket": 4711, "order": "A-1"}, "4711"),
        ({"order_id": "  A-\n1 ", "number": 3}, "A- 1"),
        ({"reference": True, "case": ["x"], "number": 7}, "7"),
        ({"reference": "", "ticket_id": "T-9"}, "T-9"),
        ({"channel": "phone"}, None),
        (None, None),
        ({"reference": "x" * 100}, "x" * 64),
    ],
)
def test_the_reference_is_the_first_usable_attribute(
    attributes: dict[str, object] | None, expected: str | None
) -> None:
    assert find_reference(attributes) == expected


def test_the_english_text_part_reads_as_written() -> None:
    """A snapshot of what a CSAT invitation says in plain text."""
    text, _html = bodies(received(make_mail(definition=csat_template(), name="Anna")))
    assert text == TEXT_SNAPSHOT


TEXT_SNAPSHOT = f"""\
Hello Anna,

Thank you for being in touch with us. We would like to know how it went.
Regarding: Support ticket closed (4711)

How satisfied were you with our service?
(1 = Very dissatisfied … 5 = Very satisfied)

 1: {SURVEY_URL}?score=1
 2: {SURVEY_URL}?score=2
 3: {SURVEY_URL}?score=3
 4: {SURVEY_URL}?score=4
 5: {SURVEY_URL}?score=5

Just click the answer that fits best.
On the next page you can tell us more, if you like.

Thank you for your time.

{SIGNATURE_LINE}
You are receiving this email because you were in touch with us.
If you no longer want to receive surveys from us, you can unsubscribe at any time.
Change your survey preferences: {PREFERENCES_URL}
Unsubscribe from surveys: {UNSUBSCRIBE_URL}
"""
