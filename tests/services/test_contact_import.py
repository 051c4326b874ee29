"""CSV contact import: separators, quoting, bad lines, duplicates, consent, batches and the CLI."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Connection, event, func, select
from sqlalchemy.orm import Session, sessionmaker

from surveyapp.domain.clock import FixedClock
from surveyapp.domain.consent import ConsentAction, ConsentChannel, ConsentSource
from surveyapp.models import AuditEvent, ConsentEvent, Contact
from surveyapp.services import consent, contacts
from surveyapp.services.contact_import import ImportLineError, import_contacts
from surveyapp.services.errors import ValidationFailed
from tests.factories import make_contact, make_user


def _contact(session: Session, external_id: str) -> Contact:
    found = contacts.find_by_external_id(session, external_id)
    assert found is not None, external_id
    return found


def _count(session: Session, model: type[Contact] | type[ConsentEvent]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_bom_and_semicolons_are_understood(
    session_factory: sessionmaker[Session], session: Session, clock: FixedClock
) -> None:
    lines = [
        "\ufeffExternal_ID;Email;NAME;Locale;TimeZone\r\n",
        "A-1;Anna@Example.com;Anna;de;Europe/Berlin\r\n",
    ]
    report = import_contacts(session_factory, lines, clock=clock)
    assert (report.created, report.updated, report.failed, report.errors) == (1, 0, 0, [])
    anna = _contact(session, "A-1")
    assert (anna.email, anna.name, anna.locale, anna.timezone) == (
        "anna@example.com",
        "Anna",
        "de",
        "Europe/Berlin",
    )


def test_quoted_fields_may_hold_separators_quotes_and_line_breaks(
    session_factory: sessionmaker[Session], session: Session, clock: FixedClock
) -> None:
    lines = [
        "external_id,name,note\n",
        'B-1,"Doe, Jane","says ""hi""; twice"\n',
        'B-2,,"Two\n',
        'lines"\n',
        "B-3,,third\n",
        "B-4,Four,\n",
    ]
    report = import_contacts(session_factory, lines, clock=clock)
    assert (report.created, report.failed) == (4, 0)
    assert _contact(session, "B-1").name == "Doe, Jane"
    assert _contact(session, "B-1").attributes == {"note": 'says "hi"; twice'}
    assert _contact(session, "B-2").attributes == {"note": "Two\nlines"}
    assert _contact(session, "B-4").attributes == {}  # empty cells set no attribute


def test_bad_lines_are_reported_with_line_and_field_and_good_lines_are_stored(
    session_factory: sessionmaker[Session], session: Session, clock: FixedClock
) -> None:
    lines = [
        "external_id;email;timezone;consent_email\n",
        "G-1;g1@example.com;;\n",
        "G-2;not-an-email;;\n",
        '"multi\n',
        'line";;Mars/Base;maybe\n',
        "\n",
        ";nobody@example.com;;\n",
        "G-3;g3@example.com;UTC;granted;surplus\n",
        "G-4;g4@example.com;UTC;granted\n",
    ]
    report = import_contacts(session_factory, lines, clock=clock)
    assert (report.created, report.updated, report.failed) == (2, 0, 4)
    assert report.errors == [
        ImportLineError(3, "email", "Enter a valid email address."),
        ImportLineError(4, "timezone", "Give an IANA time zone such as Europe/Berlin."),
        ImportLineError(
            4, "external_id", "This cell holds a line break: is a closing quote missing?"
        ),
        ImportLineError(4, "consent_email", "Use granted, withdrawn or leave the cell empty."),
        ImportLineError(7, "external_id", "Give an external id of 1 to 120 characters."),
        ImportLineError(8, "", "This line has more fields than the first line."),
    ]
    stored = session.scalars(select(Contact.external_id).order_by(Contact.external_id)).all()
    assert stored == ["G-1", "G-4"]


def test_broken_csv_is_reported_and_the_next_lines_still_count(
    session_factory: sessionmaker[Session], session: Session, clock: FixedClock
) -> None:
    lines = [
        "external_id,name\n",
        "J-1," + "x" * 140_000 + "\n",  # beyond the csv module's field limit
        "J-2,Fine\n",
        'J-3,"Open quote\n',
        "J-4,swallowed\n",
    ]
    report = import_contacts(session_factory, lines, clock=clock)
    assert report.errors == [
        ImportLineError(2, "", "This line is not valid CSV."),
        ImportLineError(4, "name", "This cell holds a line break: is a closing quote missing?"),
    ]
    assert (report.created, report.failed) == (1, 2)
    assert _contact(session, "J-2").name == "Fine"


def test_bytes_that_are_not_utf8_stop_the_import_with_an_error(
    session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    good = "".join(f"W-{number},w{number}@example.com\n" for number in range(2000))
    raw = io.BytesIO(f"external_id,email\n{good}".encode() + b"W-x,\xff\xfe\n" + b"W-y,\n")
    stream = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    report = import_contacts(session_factory, stream, clock=clock, batch_size=100)
    assert report.failed == 1
    assert report.errors[0].reason == "The file is not UTF-8 text from here on."
    # Text is decoded in blocks: the lines of the block with the bad bytes are not imported.
    assert 0 < report.created < 2000


def test_every_bad_field_of_a_line_is_reported(
    session_factory: sessionmaker[Session], clock: FixedClock
) -> None:
    lines = ["external_id,email,timezone\n", "X-1,nope,Mars/Base\n"]
    report = import_contacts(session_factory, lines, clock=clock)
    assert report.failed == 1
    assert {(e.line_number, e.field) for e in report.errors} == {(2, "email"), (2, "timezone")}


def test_a_later_line_with_the_same_external_id_updates_the_earlier(
    session_factory: sessionmaker[Session], session: Session, clock: FixedClock
) -> None:
    make_contact(session, external_id="D-0", name="Before", attributes={"plan": "free"})
    session.commit()
    lines = [
        "external_id,email,name,plan,region\n",
        "D-1,first@example.com,First,pro,\n",
        "D-1,,Second,,north\n",
        "D-0,,,team,\n",
    ]
    report = import_contacts(session_factory, lines, clock=clock, batch_size=2)
    assert (report.created, report.updated, report.failed) == (1, 2, 0)
    again = _contact(session, "D-1")
    assert (again.email, again.name) == ("first@example.com", "Second")  # empty keeps
    assert again.attributes == {"plan": "pro", "region": "north"}
    assert _contact(session, "D-0").attributes == {"plan": "team"}
    assert _contact(session, "D-0").name == "Before"


def test_consent_columns_append_import_events_when_the_state_changes(
    session_factory: sessionmaker[Session], session: Session, clock: FixedClock
) -> None:
    header = "external_id,consent_email,consent_web\n"
    first = import_contacts(session_factory, [header, "E-1,Granted,withdrawn\n"], clock=clock)
    assert first.failed == 0
    contact = _contact(session, "E-1")
    events = consent.ledger(session, contact.id)
    assert [(e.channel, e.action, e.source) for e in events] == [
        (ConsentChannel.EMAIL, ConsentAction.GRANTED, ConsentSource.IMPORT),
        (ConsentChannel.WEB, ConsentAction.WITHDRAWN, ConsentSource.IMPORT),
    ]
    assert consent.decision_for(session, contact.id, ConsentChannel.EMAIL).allowed

    # The same state again adds nothing; a change is appended.
    import_contacts(session_factory, [header, "E-1,granted,withdrawn\n"], clock=clock)
    assert len(consent.ledger(session, contact.id)) == 2
    import_contacts(session_factory, [header, "E-1,withdrawn,\n"], clock=clock)
    assert len(consent.ledger(session, contact.id)) == 3
    assert not consent.decision_for(session, contact.id, ConsentChannel.EMAIL).allowed


def test_consent_changes_within_one_file_keep_their_order(
    session_factory: sessionmaker[Session], session: Session, clock: FixedClock
) -> None:
    lines = ["external_id,consent_email\n", "F-1,granted\n", "F-1,withdrawn\n"]
    import_contacts(session_factory, lines, clock=clock)
    contact = _contact(session, "F-1")
    assert [e.action for e in consent.ledger(session, contact.id)] == ["granted", "withdrawn"]
    assert not consent.decision_for(session, contact.id, ConsentChannel.EMAIL).allowed


def test_extra_columns_become_attributes_named_in_lower_case(
    session_factory: sessionmaker[Session], session: Session, clock: FixedClock
) -> None:
    lines = ["external_id;Plan;Region;Customer Value\n", "H-1;pro;north;1200\n"]
    import_contacts(session_factory, lines, clock=clock)
    attributes = _contact(session, "H-1").attributes
    assert attributes == {"plan": "pro", "region": "north", "customer value": "1200"}


def test_an_erased_contact_is_not_filled_in_again(
    session_factory: sessionmaker[Session], session: Session, clock: FixedClock
) -> None:
    contact = make_contact(session, external_id="Z-1")
    contacts.erase_contact(session, contact.id, clock=clock, actor=make_user(session))
    session.commit()
    report = import_contacts(session_factory, ["external_id,name\n", "Z-1,Back\n"], clock=clock)
    assert report.errors == [
        ImportLineError(2, "external_id", "This contact was erased and cannot be filled in again.")
    ]
    assert _contact(session, "Z-1").name is None


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "The file is empty"),
        (["\ufeff\n", "A-1\n"], "The file is empty"),
        (["email,name\n", "a@example.com,A\n"], "including external_id"),
        (["external_id,email,EMAIL\n"], "only once"),
    ],
)
def test_a_file_without_a_usable_header_is_refused(
    lines: list[str],
    message: str,
    session_factory: sessionmaker[Session],
    session: Session,
    clock: FixedClock,
) -> None:
    with pytest.raises(ValidationFailed, match=message):
        import_contacts(session_factory, lines, clock=clock)
    assert _count(session, Contact) == 0


def test_batches_are_committed_as_they_go_and_progress_is_reported(
    session_factory: sessionmaker[Session], session: Session, clock: FixedClock
) -> None:
    def lines() -> Iterator[str]:
        yield "external_id\n"
        for number in range(5):
            yield f"P-{number}\n"
        raise OSError("the disk went away")

    seen: list[int] = []
    with pytest.raises(OSError, match="disk"):
        import_contacts(session_factory, lines(), clock=clock, progress=seen.append, batch_size=2)
    assert seen == [3, 5]  # physical lines read when each batch was committed
    assert _count(session, Contact) == 4  # the unfinished last batch was not committed


def test_the_import_is_audited_with_its_counts(
    session_factory: sessionmaker[Session], session: Session, clock: FixedClock
) -> None:
    admin = make_user(session)
    session.commit()
    import_contacts(session_factory, ["external_id\n", "Q-1\n", "\n"], clock=clock, actor=admin)
    audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "contact.imported")).one()
    assert audit.actor_id == admin.id
    assert audit.details == {"created": 1, "updated": 0, "failed": 0}


def test_twenty_thousand_generated_lines_stream_in_batches(
    session_factory: sessionmaker[Session],
    session: Session,
    connection: Connection,
    clock: FixedClock,
) -> None:
    total, batch_size = 20_000, 1000
    yielded = 0

    def lines() -> Iterator[str]:
        nonlocal yielded
        yielded += 1
        yield "external_id;email;name;locale;plan;consent_email\n"
        for number in range(total):
            yielded += 1
            consent_cell = "granted" if number % 10 == 0 else ""
            yield f"N-{number};n{number}@example.com;Name {number};en;pro;{consent_cell}\n"

    selects = 0

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        nonlocal selects
        selects += statement.lstrip().upper().startswith("SELECT")

    def check_streaming(lines_read: int) -> None:
        # The generator is read only as far as the committed batches (never all at once).
        assert yielded == lines_read

    event.listen(connection, "before_cursor_execute", count)
    started = time.perf_counter()
    try:
        report = import_contacts(
            session_factory, lines(), clock=clock, progress=check_streaming, batch_size=batch_size
        )
    finally:
        event.remove(connection, "before_cursor_execute", count)
    elapsed = time.perf_counter() - started
    print(f"20,000-line import took {elapsed:.1f} s")  # shown with pytest -s

    assert (report.created, report.updated, report.failed) == (total, 0, 0)
    assert _count(session, Contact) == total
    assert _count(session, ConsentEvent) == total // 10
    # Existing contacts and ledgers are looked up per batch, never per line.
    assert selects <= 3 * (total // batch_size)
    assert elapsed < 60  # a generous guard; it takes a few seconds on either database


def test_cli_import_prints_the_summary_and_the_errors(
    app: Flask, session: Session, tmp_path: Path
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "\ufeffexternal_id;email;plan\nK-1;k1@example.com;pro\nK-2;broken;\nK-3;;\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["contacts", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 1 failed." in result.stdout
    assert "line 3, email: Enter a valid email address." in result.stdout
    assert _contact(session, "K-1").attributes == {"plan": "pro"}


def test_cli_import_fails_when_every_line_fails_or_the_header_is_wrong(
    app: Flask, tmp_path: Path
) -> None:
    runner = app.test_cli_runner()
    all_bad = tmp_path / "bad.csv"
    all_bad.write_text("external_id,email\nL-1,nope\n", encoding="utf-8")
    result = runner.invoke(args=["contacts", "import", str(all_bad)])
    assert result.exit_code == 1
    assert "0 created, 0 updated, 1 failed." in result.stdout

    no_header = tmp_path / "header.csv"
    no_header.write_text("email\na@example.com\n", encoding="utf-8")
    result = runner.invoke(args=["contacts", "import", str(no_header)])
    assert result.exit_code == 1
    assert "including external_id" in result.output

    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x01 not text")
    result = runner.invoke(args=["contacts", "import", str(binary)])
    assert result.exit_code == 1
    assert "not UTF-8" in result.output
