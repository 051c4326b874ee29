"""The answer path's recovery hook (service layer): re-survey answers and praise.

Called by ``services.answering`` after every submit, next to case opening. Each part costs
nothing for answers it does not concern (see ``resurvey.link_answer`` and
``kudos.record_for_answer``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from surveyapp.domain.clock import Clock
from surveyapp.domain.survey_definition import SurveyDefinition
from surveyapp.models import Channel, Response
from surveyapp.services.cases import kudos, resurvey


def after_answer(
    session: Session, response: Response, definition: SurveyDefinition, *, clock: Clock
) -> None:
    """Link a re-survey's answer to its case, and record praise for a known agent."""
    if response.channel == Channel.TEST:
        return
    resurvey.link_answer(session, response, definition, clock=clock)
    kudos.record_for_answer(session, response, definition, clock=clock)
