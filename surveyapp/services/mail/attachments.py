"""Mail attachments (service layer): a rendered message plus files, as ``multipart/mixed``.

``with_attachments`` takes a message from ``rendering.alternative_message`` and wraps its
two bodies with the files into a ``multipart/mixed`` message, in the 7-bit form
``transport.serialize`` writes out as it is: every file is base64, whose alphabet has no
``=_`` in the middle of a line, so the constant boundary never clashes with a file; it starts
with the alternative part's boundary, which a 7-bit text body never contains (a body that
does is quoted-printable, where ``=`` is always escaped).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage, MIMEPart

from surveyapp.services.mail.rendering import MAIL_POLICY, reusable_header

_MIXED_BOUNDARY = "=_surveyapp_alternative_mixed"
_MIXED = reusable_header("Content-Type", f'multipart/mixed; boundary="{_MIXED_BOUNDARY}"')
_BASE64 = reusable_header("Content-Transfer-Encoding", "base64")
BASE64_LINE = 76  # RFC 2045 6.8


@dataclass(frozen=True)
class Attachment:
    """A file sent along: its name as the recipient sees it, its media type and content."""

    filename: str
    content_type: str
    content: bytes


def with_attachments(message: EmailMessage, attachments: Sequence[Attachment]) -> EmailMessage:
    """``message`` (``multipart/alternative``) with ``attachments`` after its bodies.

    The headers stay on the outer message; the alternative bodies become its first part.
    Without attachments ``message`` is returned unchanged.
    """
    if not attachments:
        return message
    bodies = MIMEPart(policy=MAIL_POLICY)
    outer = EmailMessage(policy=MAIL_POLICY)
    for name, value in message.raw_items():
        if name.lower() == "content-type":
            bodies[name] = value
            outer[name] = _MIXED
        else:
            outer[name] = value
    bodies.set_payload(message.get_payload())
    outer.set_payload([bodies, *(_file_part(attachment) for attachment in attachments)])
    return outer


def _file_part(attachment: Attachment) -> MIMEPart:
    if any(character in attachment.filename for character in '"\\\r\n'):
        raise ValueError("an attachment name may not contain quotes or line breaks")
    part = MIMEPart(policy=MAIL_POLICY)
    part["Content-Type"] = f'{attachment.content_type}; name="{attachment.filename}"'
    part["Content-Disposition"] = f'attachment; filename="{attachment.filename}"'
    part["Content-Transfer-Encoding"] = _BASE64
    encoded = base64.b64encode(attachment.content).decode("ascii")
    lines = [encoded[start : start + BASE64_LINE] for start in range(0, len(encoded), BASE64_LINE)]
    part.set_payload("\n".join(lines) + "\n")
    return part
