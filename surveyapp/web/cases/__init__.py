"""Follow-up cases: the inbox, the case page, case settings; and the customer's answer page."""

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")
# The customer's "Did we solve your issue?" page: no sign-in, its own rate limits.
answer_bp = Blueprint("case_answers", __name__)

# Importing the view modules registers their routes on the blueprints.
from surveyapp.web.cases import answer_views as answer_views  # noqa: E402
from surveyapp.web.cases import case_views as case_views  # noqa: E402
from surveyapp.web.cases import playbook_views as playbook_views  # noqa: E402
from surveyapp.web.cases import recovery_views as recovery_views  # noqa: E402
from surveyapp.web.cases import settings_views as settings_views  # noqa: E402
from surveyapp.web.cases import views as views  # noqa: E402
