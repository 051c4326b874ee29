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
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Callable, Mapping
from datetime import date, datetime
from functools import lru_cache
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
from surveyapp.services.mail.rendering import catalogue_locale

log = logging.getLogger(__name__)

TEMPLATE_DIR = PROJECT_ROOT / "templates" / "reports"
STATIC_DIR = (PROJECT_ROOT / "static").resolve()
TRANSLATIONS_DIR = PROJECT_ROOT / "surveyapp" / "translations"
# Relative URLs in the report templates (``fonts/DejaVuSans.ttf``) resolve inside static/.
BASE_URL = STATIC_DIR.as_uri() + "/"


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


def render_pdf(template: str, context: Mapping[str, object], *, locale: str) -> bytes:
    """The PDF of ``templates/reports/<template>`` rendered with ``context`` in ``locale``.

    ``context`` holds plain data only (no ORM objects); a name the template uses but the
    context lacks raises ``jinja2.UndefinedError``. Fetches only static files (module doc).
    Pure computation: no database, no network.
    """
    html = render_report_html(template, context, locale=locale)
    return bytes(HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf())


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
