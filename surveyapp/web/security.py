"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, Response, request

# No inline script or style anywhere: every asset is a file under static/.
STAFF_CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


# Set on every response that has not set its own (names as werkzeug spells them).
_DEFAULT_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
)
_HSTS = ("Strict-Transport-Security", "max-age=31536000")


def header_values(response: Response) -> dict[str, str]:
    """The response's headers by lower-case name (the last of repeated ones), in one pass.

    Asking werkzeug's ``Headers`` for a missing name raises and catches an exception; the
    headers below are missing on almost every response, so they are looked up here instead.
    """
    return {name.lower(): value for name, value in response.headers.items()}


def install_security_headers(app: Flask) -> None:
    """Add CSP, nosniff, referrer, framing and (over https) HSTS headers to every response."""
    defaults = _DEFAULT_HEADERS + (
        (_HSTS,) if app.config["PREFERRED_URL_SCHEME"] == "https" else ()
    )

    @app.after_request
    def _add_headers(response: Response) -> Response:
        present = header_values(response)
        missing = [(name, value) for name, value in defaults if name.lower() not in present]
        csp = present.get("content-security-policy")
        if csp is None:
            csp = STAFF_CSP
            missing.append(("Content-Security-Policy", csp))
        # Pages that may be framed (the website widget's) list their framers in the CSP.
        if "frame-ancestors 'none'" in csp and "x-frame-options" not in present:
            missing.append(("X-Frame-Options", "DENY"))
        # Pages, JSON and problems may carry personal data, a health probe wants the state now:
        # nothing but the static files may be kept, unless a view chose its own caching.
        if request.endpoint != "static" and "cache-control" not in present:
            missing.append(("Cache-Control", "no-store"))
        response.headers.extend(missing)
        return response
