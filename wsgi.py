"""WSGI entry point: ``gunicorn wsgi:app`` and ``flask --app wsgi``."""

import gc

from surveyapp.app import create_app

app = create_app()
# Everything built so far (routes, models, templates, translations) lives as long as the
# process. Frozen, it is left out of the garbage collector's full passes, which otherwise walk
# ~130,000 objects (30-60 ms) in the middle of some unlucky request.
gc.freeze()
