"""The website widget's public endpoints (``bp``, JSON with CORS) and its survey frame pages.

No sign-in and no cookies: the widget's requests name the site by its public key and are
admitted only from the site's allowed origins; the frame is opened with an invitation token.
"""

from flask import Blueprint

bp = Blueprint("embed", __name__, url_prefix="/embed/v1")
frame_bp = Blueprint("embed_frame", __name__, url_prefix="/embed/v1/frame")

# Importing the view modules registers their routes and error handlers.
from surveyapp.web.embed import errors, frame_views, views  # noqa: E402, F401
