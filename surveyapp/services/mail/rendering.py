"""Mail rendering (service layer): text and HTML bodies from ``templates/emails``, as a message.

Every message has two templates, ``<name>.txt`` and ``<name>.html``. Autoescaping is chosen by
the file's extension, as Flask does for pages: the HTML part escapes every variable (survey
wording and contact names are user-written), the text part shows them literally ("Müller &
Söhne"), and any other extension is escaped to be safe.

The Jinja environment is our own, not ``app.jinja_env``: the service layer stays free of Flask
(the import contracts), rendering needs no app context, and a sender that composes thousands of
messages a minute parses each template once per process and language, never per message.

``alternative_message`` wraps the two bodies into a ``multipart/alternative`` message. It builds
the MIME tree itself rather than through ``set_content``/``add_alternative``, which parse and
rewrite a dozen headers per message and spent three quarters of the time of composing one.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable, Mapping
from email import policy
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage, MIMEPart
from email.policy import Policy
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from babel.support import NullTranslations, Translations
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext
from markupsafe import Markup

from config import PROJECT_ROOT, SUPPORTED_LOCALES

TEMPLATE_DIR = PROJECT_ROOT / "templates" / "emails"
TRANSLATIONS_DIR = PROJECT_ROOT / "surveyapp" / "translations"
FALLBACK_LOCALE = "en"  # the language of the msgids

if TYPE_CHECKING:
    _EmailPolicy = policy.EmailPolicy[EmailMessage]
else:
    _EmailPolicy = policy.EmailPolicy  # generic only in the type stubs


class _UrlListHeader(UnstructuredHeader, BaseHeader):
    """An RFC 2369 header (``<https://...>, <mailto:...>``): never encoded, broken between URLs.

    The standard folding turns a URL longer than a line into RFC 2047 encoded words, which
    mail clients do not decode in these headers: one-click unsubscribe would break for long
    addresses. A long line is allowed (up to 998 characters); a broken URL is not.
    """

    def fold(self, *, policy: Policy[Any]) -> str:
        value = str(self)
        if not value.isascii():
            return super().fold(policy=policy)
        entries = [entry.strip() for entry in value.split(",")]
        return f"{self.name}: {(',' + policy.linesep + ' ').join(entries)}{policy.linesep}"


class _ReusedHeaderClasses(HeaderRegistry):
    """The standard header registry, but building each header class once.

    ``HeaderRegistry.__getitem__`` creates a new class with ``type()`` for every header it
    parses (CPython 3.11 to 3.13): a fifth of the cost of composing a small message.
    """

    def __init__(self) -> None:
        super().__init__()
        self.map_to_type("list-unsubscribe", _UrlListHeader)
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        found = self._classes.get(key)
        if found is None:
            found = self._classes[key] = super().__getitem__(name)
        return found


class _MailPolicy(_EmailPolicy):
    """``email.policy.default``, but plain one-line ASCII values of ``VERBATIM_HEADERS`` are kept.

    Such a value is stored as the parser stores a received header: it is written out as it is
    when it fits on one line (and parsed and folded when it does not) and parsed when read.
    Parsing on assignment and folding on output cost more than the templates, and for these
    headers the value we write is already what the wire carries. Anything else (addresses,
    non-ASCII text) is parsed, checked and encoded as usual.
    """

    def header_store_parse(self, name: str, value: Any) -> tuple[str, Any]:
        if (
            type(value) is str
            and name.lower() in VERBATIM_HEADERS
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
        ):
            return (name, value)
        return super().header_store_parse(name, value)


# Headers whose values the mail code writes itself, or that are unstructured text, and that
# the generator does not read while writing a message (Content-* headers are parsed once).
VERBATIM_HEADERS = frozenset(
    {
        "subject",
        "to",  # only as email.utils.formataddr() writes it; non-ASCII is parsed and encoded
        "date",
        "message-id",
        "content-language",
        "list-unsubscribe-post",
        "x-auto-response-suppress",
        "x-surveyapp-attempt",
    }
)
MAIL_POLICY = _MailPolicy(header_factory=_ReusedHeaderClasses())


def render_mail(
    template_base: str, context: Mapping[str, object], *, locale: str
) -> tuple[str, str]:
    """The text and HTML bodies of ``templates/emails/<template_base>.{txt,html}``.

    Args:
        template_base: the message's template name without extension, e.g. ``"invitation"``.
        context: plain data only (no ORM objects); a name the templates use but ``context``
            lacks raises ``jinja2.UndefinedError`` instead of rendering an empty string.
        locale: the recipient's language; ``_()`` in the templates translates into it, and a
            language without a catalogue falls back to English.

    Returns:
        ``(text, html)``; the HTML escapes every variable, the text escapes none.
    """
    environment = _environment(catalogue_locale(locale))
    text = environment.get_template(f"{template_base}.txt").render(context)
    html = environment.get_template(f"{template_base}.html").render(context)
    return text, html


def translate(message: str, *, locale: str, **variables: object) -> str:
    """``message`` (a msgid marked with ``N_``) in ``locale``, with ``%(name)s`` filled in.

    For text outside the templates, such as a subject line. Nothing is escaped.
    """
    translated = _translations(catalogue_locale(locale)).gettext(message)
    return translated % variables if variables else translated


def catalogue_locale(locale: str) -> str:
    """The supported language closest to ``locale`` (``de-AT`` -> ``de``), else English."""
    if locale in SUPPORTED_LOCALES:
        return locale
    language = locale.replace("_", "-").partition("-")[0]
    return language if language in SUPPORTED_LOCALES else FALLBACK_LOCALE


@lru_cache(maxsize=len(SUPPORTED_LOCALES))
def _translations(locale: str) -> NullTranslations:
    # A missing .mo file (catalogues not compiled) yields NullTranslations: English text.
    return Translations.load(str(TRANSLATIONS_DIR), [locale])


@lru_cache(maxsize=len(SUPPORTED_LOCALES))
def _environment(locale: str) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(
            enabled_extensions=("html",), disabled_extensions=("txt",), default=True
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        # Templates ship with the code: no stat() per message to look for changes.
        auto_reload=False,
    )
    environment.globals["_"] = _template_gettext(_translations(locale))
    return environment


def _template_gettext(translations: NullTranslations) -> Callable[..., str]:
    """``_()`` for the templates, as Flask-Babel's new-style gettext behaves.

    ``_("Hello %(name)s,", name=name)`` escapes ``name`` in HTML templates (the translation
    itself is trusted markup) and leaves it alone in text templates. One plain call instead of
    the three context calls of ``jinja2.ext.i18n``: a message makes about twenty of them.
    """
    translate_message = translations.gettext

    @pass_eval_context
    def gettext(eval_context: EvalContext, message: str, **variables: object) -> str:
        translated = translate_message(message)
        if eval_context.autoescape:
            translated = Markup(translated)  # noqa: S704 -- the catalogue is ours, not input
        return translated % variables if variables else translated

    return gettext


def alternative_message(headers: Mapping[str, str | Address], text: str, html: str) -> EmailMessage:
    """A ``multipart/alternative`` message: ``headers``, then the text part, then the HTML part.

    Both parts are UTF-8 and 7-bit clean, so the message travels over servers without
    8BITMIME: the HTML part writes non-ASCII letters as character references and is sent as
    it is; a part that still is not 7-bit (the text part in German) is quoted-printable.
    Header values are checked as ``EmailMessage`` checks them (``MAIL_POLICY``): one with a
    line break raises ``ValueError``.
    """
    message = EmailMessage(policy=MAIL_POLICY)
    for name, value in headers.items():
        message[name] = value
    message["MIME-Version"] = _MIME_VERSION
    message["Content-Type"] = _ALTERNATIVE
    message.set_payload(
        [
            _body_part(_TEXT_PLAIN, text),
            _body_part(_TEXT_HTML, html.encode("ascii", "xmlcharrefreplace").decode()),
        ]
    )
    return message


@lru_cache(maxsize=64)
def reusable_header(name: str, value: str) -> str:
    """The parsed header ``name: value``, shared by every message that uses the same value.

    For values that repeat from message to message, such as the sender: parsing an address
    header costs as much as rendering a template. Header objects are immutable.
    """
    header: str = MAIL_POLICY.header_factory(name, value)
    return header


def _body_part(content_type: str, body: str) -> MIMEPart:
    part = MIMEPart(policy=MAIL_POLICY)
    part["Content-Type"] = content_type
    if _is_seven_bit(body):
        part["Content-Transfer-Encoding"] = _SEVEN_BIT
        part.set_payload(body)
    else:
        part["Content-Transfer-Encoding"] = _QUOTED_PRINTABLE
        # binascii's encoder is C; email.quoprimime (what set_content uses) is pure Python.
        part.set_payload(binascii.b2a_qp(body.encode("utf-8"), istext=True).decode("ascii"))
    return part


def _is_seven_bit(body: str) -> bool:
    """Whether ``body`` may travel as it is (RFC 2045 2.7), without clashing with the boundary."""
    return (
        body.isascii()
        and "\r" not in body
        and "\0" not in body
        and _BOUNDARY not in body
        and max(map(len, body.split("\n"))) <= MAX_LINE_LENGTH
    )


# RFC 5322 2.1.1: at most 998 characters per line, without CRLF.
MAX_LINE_LENGTH = 998
# "=_" never occurs in a quoted-printable body ("=" is always followed by two hex digits or a
# line break), and a 7-bit body is checked for it, so one constant boundary never clashes.
_BOUNDARY = "=_surveyapp_alternative"
# Parsed once: the generator reads these again and again while writing a message out.
_MIME_VERSION = reusable_header("MIME-Version", "1.0")
_ALTERNATIVE = reusable_header("Content-Type", f'multipart/alternative; boundary="{_BOUNDARY}"')
_TEXT_PLAIN = reusable_header("Content-Type", 'text/plain; charset="utf-8"')
_TEXT_HTML = reusable_header("Content-Type", 'text/html; charset="utf-8"')
_QUOTED_PRINTABLE = reusable_header("Content-Transfer-Encoding", "quoted-printable")
_SEVEN_BIT = reusable_header("Content-Transfer-Encoding", "7bit")
