"""PDF rendering (service layer): ``templates/reports`` through WeasyPrint, fetching nothing.

Every PDF goes through ``render_pdf``. The HTML is rendered with our own Jinja environment
(as ``services/mail/rendering.py`` does for mail: no Flask, no app context), autoescaped,
translated into the reader's language, and handed to WeasyPrint with ``StaticOnlyFetcher``:

- ``file:`` URLs are served only when the file lies inside the app's ``static/`` folder once
  symlinks and ``..`` are resolved (the report's fonts); any other file is refused;
- ``data:`` URLs are decoded in memory: they reach neither the network nor the disk;
- everything else (``http``, ``https``, ``ftp``, unknown schemes) is refused, so no redirect
  can ever be followed either.

A refused URL is logged and the resource left out; the PDF is still produced. User-written
text (team names, comments) is escaped, so it cannot add a resource in the first place; the
fetcher is the second line (DESIGN.md §7).

A build is bounded (``BuildLimits``): the HTML may hold at most ``html_chars`` characters, and
WeasyPrint runs in a forked child process that may commit at most ``memory_bytes`` more private
memory (``RLIMIT_DATA``) and is killed after ``seconds``. A build past a bound raises
``ReportBuildAborted`` (a 503 on the download page; a failed send for a subscription); the
web or worker process itself is never at risk.
"""

from __future__ import annotations

import logging
import mimetypes
import multiprocessing
import resource
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup
from weasyprint import HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

from config import PROJECT_ROOT, SUPPORTED_LOCALES
from surveyapp.domain.i18n import N_
from surveyapp.services.errors import ServiceError
from surveyapp.services.mail.rendering import catalogue_locale

log = logging.getLogger(__name__)

TEMPLATE_DIR = PROJECT_ROOT / "templates" / "reports"
STATIC_DIR = (PROJECT_ROOT / "static").resolve()
TRANSLATIONS_DIR = PROJECT_ROOT / "surveyapp" / "translations"
# Relative URLs in the report templates (``fonts/DejaVuSans.ttf``) resolve inside static/.
BASE_URL = STATIC_DIR.as_uri() + "/"


@dataclass(frozen=True)
class BuildLimits:
    """How much one PDF build may take; a normal report needs about 1.5 s and 32 MiB."""

    seconds: float = 60.0
    memory_bytes: int = 512 * 1024 * 1024  # private memory the forked child may add
    html_chars: int = 2_000_000


DEFAULT_LIMITS = BuildLimits()
TOO_SLOW = N_("The report took too long to build. Choose a shorter period or fewer answers.")
TOO_BIG = N_("The report is too large to build. Choose a shorter period or fewer answers.")
FAILED = N_("The report could not be built.")


class ReportBuildAborted(ServiceError):
    """A PDF build went past one of its ``BuildLimits`` (or its process died); nothing made."""

    status = 503


class RefusedUrl(ValueError):
    """The report asked for a resource outside the app's static files."""


class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc]  # WeasyPrint ships no types
    """A WeasyPrint URL fetcher that serves the app's static files and ``data:`` URLs only."""

    def __init__(self, static_dir: Path = STATIC_DIR) -> None:
        # No handlers are used (``fetch`` never calls urllib for a network scheme); the
        # parent keeps its error flag, which WeasyPrint reads.
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False)
        self._static_dir = static_dir.resolve()

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
        """The resource at ``url``, or ``RefusedUrl`` (WeasyPrint then leaves it out)."""
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)  # decoded in memory by urllib's DataHandler
        if scheme == "file":
            return self._static_file(url)
        log.warning("PDF rendering refused to fetch %.200s", url)
        raise RefusedUrl(f"only static files may be fetched, not {scheme}: URLs")

    def _static_file(self, url: str) -> URLFetcherResponse:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            raise self._refuse(url)
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not path.is_relative_to(self._static_dir) or not path.is_file():
            raise self._refuse(url)
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
        )

    @staticmethod
    def _refuse(url: str) -> RefusedUrl:
        log.warning("PDF rendering refused to read %.200s", url)
        return RefusedUrl("only files inside static/ may be read")


def render_pdf(
    template: str,
    context: Mapping[str, object],
    *,
    locale: str,
    limits: BuildLimits | None = None,
) -> bytes:
    """The PDF of ``templates/reports/<template>`` rendered with ``context`` in ``locale``.

    ``context`` holds plain data only (no ORM objects); a name the template uses but the
    context lacks raises ``jinja2.UndefinedError``. Fetches only static files and stays within
    ``limits`` (``DEFAULT_LIMITS`` when not given; module doc). Pure computation: no database,
    no network.
    """
    html = render_report_html(template, context, locale=locale)
    return html_to_pdf(html, limits=limits)


def html_to_pdf(html: str, *, limits: BuildLimits | None = None) -> bytes:
    """``html`` as a PDF built in a bounded child process; ``ReportBuildAborted`` past a bound."""
    limits = limits or DEFAULT_LIMITS
    if len(html) > limits.html_chars:
        log.warning("PDF refused: %d characters of HTML (bound %d)", len(html), limits.html_chars)
        raise ReportBuildAborted(TOO_BIG)
    context = multiprocessing.get_context("fork")  # WeasyPrint is loaded already: no start-up
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_build_in_child, args=(html, limits.memory_bytes, sender), daemon=True
    )
    child.start()
    sender.close()
    try:
        return _receive(receiver, limits)
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def _receive(receiver: Connection, limits: BuildLimits) -> bytes:
    if not receiver.poll(limits.seconds):
        log.warning("PDF build stopped after %.1f s (its time bound)", limits.seconds)
        raise ReportBuildAborted(TOO_SLOW)
    try:
        outcome, payload = receiver.recv()
    except EOFError:  # the child died without a word: killed by the kernel or a C library
        log.warning("PDF build process died (memory bound %d bytes)", limits.memory_bytes)
        raise ReportBuildAborted(TOO_BIG) from None
    if outcome == "pdf":
        return bytes(payload)
    log.warning("PDF build failed: %s", payload)
    raise ReportBuildAborted(TOO_BIG if outcome == "memory" else FAILED)


def _build_in_child(html: str, memory_bytes: int, sender: Connection) -> None:
    """WeasyPrint under a memory cap; sends ``(outcome, payload)`` to the parent."""
    try:
        _cap_private_memory(memory_bytes)
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher())
        message: tuple[str, object] = ("pdf", bytes(document.write_pdf()))
    except MemoryError:
        message = ("memory", "out of memory")
    except Exception as error:
        message = ("error", f"{type(error).__name__}: {error}"[:500])
    sender.send(message)
    sender.close()


def _cap_private_memory(extra_bytes: int) -> None:
    """Let this process commit at most ``extra_bytes`` more private memory (``RLIMIT_DATA``).

    Counted from the process's current data size, so the bound is the build's own growth
    whatever the parent process held when it forked.
    """
    status = Path("/proc/self/status").read_text()
    data_kib = next(
        int(line.split()[1]) for line in status.splitlines() if line.startswith("VmData:")
    )
    limit = data_kib * 1024 + extra_bytes
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def render_report_html(template: str, context: Mapping[str, object], *, locale: str) -> str:
    """The HTML WeasyPrint turns into the PDF (autoescaped, translated into ``locale``)."""
    return _environment(catalogue_locale(locale)).get_template(template).render(context)


@lru_cache(maxsize=len(SUPPORTED_LOCALES))
def _environment(locale: str) -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    translations: NullTranslations = Translations.load(str(TRANSLATIONS_DIR), [locale])
    environment.globals["_"] = _gettext(translations)
    environment.globals["ngettext"] = _ngettext(translations)
    environment.globals["locale"] = locale
    environment.filters.update(_formatters(locale))
    return environment


def _gettext(translations: NullTranslations) -> Callable[..., str]:
    """``_("... %(name)s", name=...)`` as in the mail templates: the variables are escaped."""

    @pass_eval_context
    def gettext(eval_context: EvalContext, message: str, **variables: object) -> str:
        translated = translations.gettext(message)
        if eval_context.autoescape:
            translated = Markup(translated)  # noqa: S704 -- the catalogue is ours, not input
        return translated % variables if variables else translated

    return gettext


def _ngettext(translations: NullTranslations) -> Callable[..., str]:
    """``ngettext("%(num)s answer", "%(num)s answers", n, num=shown)``; ``num`` defaults to n."""

    @pass_eval_context
    def ngettext(
        eval_context: EvalContext, singular: str, plural: str, count: int, **variables: object
    ) -> str:
        translated = translations.ngettext(singular, plural, count)
        if eval_context.autoescape:
            translated = Markup(translated)  # noqa: S704 -- the catalogue is ours, not input
        return translated % {"num": count, **variables}

    return ngettext


def _formatters(locale: str) -> dict[str, Callable[..., str]]:
    """Number and date filters in the reader's locale (``1,234.5`` / ``1.234,5``)."""

    def number(value: float | int | None, digits: int = 0, *, signed: bool = False) -> str:
        if value is None:
            return "–"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        text = format_decimal(value, format=pattern, locale=locale)
        return f"+{text}" if signed and value > 0 else text

    def day(value: date, style: str = "medium") -> str:
        return format_date(value, format=style, locale=locale)

    def moment(value: datetime, timezone: str = "UTC", style: str = "medium") -> str:
        return format_datetime(value, format=style, tzinfo=ZoneInfo(timezone), locale=locale)

    return {"number": number, "day": day, "moment": moment}
