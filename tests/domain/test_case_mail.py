"""Case mail: its send life cycle and the stable identities of a message."""

from __future__ import annotations

import pytest

from surveyapp.domain.case_mail import (
    CaseMailState,
    case_mail_token,
    case_message_id,
    move_mail,
)
from surveyapp.domain.states import IllegalTransition


def test_a_message_goes_out_at_most_once() -> None:
    assert move_mail(CaseMailState.QUEUED, CaseMailState.SENDING) == CaseMailState.SENDING
    assert move_mail(CaseMailState.SENDING, CaseMailState.QUEUED) == CaseMailState.QUEUED
    for final in (CaseMailState.SENT, CaseMailState.FAILED, CaseMailState.UNCERTAIN):
        assert move_mail(CaseMailState.SENDING, final) == final
        for target in CaseMailState:
            with pytest.raises(IllegalTransition):
                move_mail(final, target)  # an uncertain send is never retried by itself
    with pytest.raises(IllegalTransition):
        move_mail(CaseMailState.QUEUED, CaseMailState.SENT)


def test_tokens_and_message_ids_are_stable_and_secret_bound() -> None:
    assert case_mail_token("secret-a", 7) == case_mail_token("secret-a", 7)
    assert case_mail_token("secret-a", 7) != case_mail_token("secret-b", 7)
    assert case_mail_token("secret-a", 7) != case_mail_token("secret-a", 8)
    assert len(case_mail_token("secret-a", 7)) == 32  # 24 bytes, URL-safe base64
    assert case_message_id(7, "example.com") == "<case-mail-7@example.com>"
