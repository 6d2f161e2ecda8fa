"""Report figures for the hand-built letters of tests/report_cases.py (the table of the
letters, and the dates they rely on, is there), each number counted by hand in a comment."""

from __future__ import annotations

import datetime as dt

import pytest

from correspondence.database import Database
from correspondence.domain.workdays import due_date, working_days_between
from correspondence.services.reports.reports import (
    Period,
    ReportParams,
    Reports,
    Scope,
    WorkdayIndex,
    preset_range,
)
from correspondence.services.unit_of_work import acting_as
from tests.report_cases import END, START, TODAY, D, build_cases


@pytest.fixture
def reports(db: Database) -> Reports:
    with db.session_factory.begin() as s:
        build_cases(s)
    return Reports(acting_as(db.session_factory, "tester"), clock=lambda: TODAY)


def _month(reports: Reports, scope: Scope = Scope.ALL):  # noqa: ANN202
    return reports.report(ReportParams(START, END, scope, Period.MONTH))


def test_the_hand_counted_dates_are_right() -> None:
    # The table in tests/report_cases.py relies on these working-day counts.
    assert due_date(D(2025, 11, 26)) == D(2025, 12, 24)  # day 20 is Christmas Eve
    assert working_days_between(D(2025, 11, 26), D(2025, 12, 29)) == 21
    assert due_date(D(2026, 3, 5)) == D(2026, 4, 2)  # day 20 is the eve of Good Friday
    assert working_days_between(D(2026, 3, 5), D(2026, 4, 7)) == 21
    assert working_days_between(D(2026, 3, 2), TODAY) == 33


def test_overall_figures_for_all_letters(reports: Reports) -> None:
    s = _month(reports).summary
    assert s.received == 12  # A–L; M was received before the range
    assert s.needs_reply == 10  # not H (no reply) nor I (transferred)
    assert s.answered == 7  # A B C D E J K
    assert s.within_target == 5  # A(20) C(20) E(9) J(5 of 5) K(5 of 5); B and D took 21
    assert s.open_past_target == 2  # F (33 > 20), L (ack, 5-day target); G is 3 days in
    assert s.pct_within_target == pytest.approx(5 / 9)  # 5 ÷ (7 answered + 2 open and late)
    assert s.by_agreed_deadline == 6  # all but B; D met its extended date (10 Apr)
    assert s.median_days == 20  # 5 5 9 [20] 20 21 21
    assert s.still_open == 3  # F G L
    assert s.overdue_now == 3  # F L, and M from before the range


def test_mps_and_peers_only(reports: Reports) -> None:
    s = _month(reports, Scope.MPS_AND_PEERS).summary
    assert s.received == 6  # A C D E G I
    assert s.needs_reply == 5  # not I
    assert s.answered == 4  # A C D E
    assert s.within_target == 3  # A C E
    assert s.open_past_target == 0  # G is within its target
    assert s.pct_within_target == pytest.approx(0.75)  # 3 ÷ 4
    assert s.median_days == 20  # 9 20 | 20 21 → (20 + 20) / 2
    assert s.overdue_now == 1  # M


def test_by_month(reports: Reports) -> None:
    t = _month(reports).table("volumes")
    assert t.header == (
        "Month",
        "Received",
        "Needs reply",
        "Answered",
        "Within target",
        "Still open",
        "% within target",
    )
    assert t.column("Month") == tuple(
        D(y, m, 1) for y, m in ((2025, 11), (2025, 12), (2026, 1), (2026, 2), (2026, 3), (2026, 4))
    )
    assert t.row(D(2025, 11, 1)) == (D(2025, 11, 1), 2, 2, 2, 1, 0, 0.5)  # A in, B late
    assert t.row(D(2025, 12, 1)) == (D(2025, 12, 1), 0, 0, 0, 0, 0, None)
    assert t.row(D(2026, 1, 1)) == (D(2026, 1, 1), 3, 1, 1, 1, 0, 1.0)  # E; H, I need none
    assert t.row(D(2026, 2, 1))[:6] == (D(2026, 2, 1), 3, 3, 2, 2, 1)  # J K in time, L late
    assert t.row(D(2026, 2, 1))[6] == pytest.approx(2 / 3)
    assert t.row(D(2026, 3, 1))[:6] == (D(2026, 3, 1), 3, 3, 2, 1, 1)  # C in, D late, F late
    assert t.row(D(2026, 3, 1))[6] == pytest.approx(1 / 3)
    assert t.row(D(2026, 4, 1)) == (D(2026, 4, 1), 1, 1, 0, 0, 1, None)  # G, not yet decided


def test_by_week_counts_the_week_a_letter_arrived(reports: Reports) -> None:
    t = reports.report(ReportParams(START, END, Scope.ALL, Period.WEEK)).table("volumes")
    assert t.column("Week starting")[0] == D(2025, 10, 27)  # the Monday of 1 Nov's week
    assert t.row(D(2025, 11, 24))[1:4] == (2, 2, 2)  # A and B, received Wed 26 Nov
    assert t.row(D(2026, 2, 2))[1:5] == (3, 3, 2, 2)  # J K L
    assert sum(t.column("Received")) == 12


def _groups(reports: Reports, key: str) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in _month(reports).table(key).rows}


def test_by_reply_type(reports: Reports) -> None:
    # columns: received, needs reply, answered, within, open past target, %, median days
    g = _groups(reports, "reply_type")
    assert g["Ministerial reply"] == (6, 5, 3, 2, 1, 0.5, 20)  # A B E F G I; A E in; F late
    assert g["Official reply"] == (2, 2, 2, 1, 0, 0.5, 20.5)  # C (20) D (21)
    ack = g["Official acknowledgement"]  # J K L
    assert ack[:5] == (3, 3, 2, 2, 1) and ack[5] == pytest.approx(2 / 3) and ack[6] == 5
    assert g["No reply"] == (1, 0, 0, 0, 0, None, None)  # H


def test_by_team(reports: Reports) -> None:
    g = _groups(reports, "team")
    alpha = g["Alpha Team"]  # A B E G J K L; answered A B E J K (20 21 9 5 5); L late
    assert alpha[:5] == (7, 7, 5, 4, 1) and alpha[5] == pytest.approx(4 / 6) and alpha[6] == 9
    beta = g["Beta Team"]  # C D F; C in, D late, F open and late
    assert beta[:5] == (3, 3, 2, 1, 1) and beta[5] == pytest.approx(1 / 3) and beta[6] == 20.5
    assert g["(none)"][:2] == (2, 0)  # H I
    assert list(g)[-1] == "(none)"


def test_by_theme_counts_a_letter_under_each_theme(reports: Reports) -> None:
    g = _groups(reports, "theme")
    scr = g["SCR"]  # A B E G: answered A B E, within A E
    assert scr[:5] == (4, 4, 3, 2, 0) and scr[5] == pytest.approx(2 / 3) and scr[6] == 20
    smack = g["SMACK"]  # B C F: B late, C in, F open and late
    assert smack[:5] == (3, 3, 2, 1, 1) and smack[5] == pytest.approx(1 / 3)
    assert smack[6] == 20.5
    assert g["LAMING"] == (1, 1, 1, 0, 0, 0.0, 21)  # D
    assert g["BABYP"][:5] == (3, 3, 2, 2, 1)  # J K L
    assert g["(none)"][:2] == (2, 0)  # H I


def test_by_signatory(reports: Reports) -> None:
    g = _groups(reports, "signatory")
    sos = g["Ed Balls MP"]  # A B E G
    assert sos[:5] == (4, 4, 3, 2, 0) and sos[5] == pytest.approx(2 / 3) and sos[6] == 20
    assert g["Beverley Hughes MP"] == (2, 2, 2, 1, 0, 0.5, 20.5)  # C D
    assert g["(none)"] == (6, 4, 2, 2, 2, 0.5, 5)  # F H I J K L: J K in; F L late


def test_overdue_now_and_with_whom(reports: Reports) -> None:
    r = _month(reports)
    holders = r.table("overdue_by_holder")
    assert holders.rows == (
        ("Beta Team", "Dana Drafter", 2, D(2025, 11, 12), 108),  # M and F; M is the oldest
        ("Alpha Team", "Correspondence unit", 1, D(2026, 2, 11), 46),  # L, not yet allocated
    )
    listing = r.table("overdue")
    # M, L, F: earliest due first
    assert [row[0] for row in listing.rows] == [
        "2025/0009013POSoS",
        "2026/0009012POSoS",
        "2026/0009006POSoS",
    ]
    f = listing.rows[2]
    # F: due Mon 30 Mar; 31 Mar–2 Apr (3), Easter skipped, 7–10 Apr (4), 13–17 (5), 20 (1) = 13
    assert f[3] == D(2026, 3, 30) and f[4] == 13 and f[5] == "Drafting" and f[7] == "Dana Drafter"
    assert f[1] == "Ms Olive Pardoe"
    # M, since Wed 12 Nov 2025: Nov 12 (13th–28th), Dec 21 (25, 26 skipped), Jan 21 (1st
    # skipped), Feb 20, Mar 22, Apr 12 (2 + 4 + 5 + 1, Easter skipped) = 108
    assert working_days_between(D(2025, 11, 12), TODAY) == 108
    # L, since Wed 11 Feb: Feb 12 (12, 13, 16–27), Mar 22, Apr 12 = 46
    assert working_days_between(D(2026, 2, 11), TODAY) == 46


def test_campaign_volumes_over_time(reports: Reports) -> None:
    t = _month(reports).table("campaigns")
    assert t.header == ("Month", "NSPCC Baby P", "All campaign letters")
    assert t.row(D(2026, 2, 1)) == (D(2026, 2, 1), 3, 3)  # J K L
    assert sum(t.column("All campaign letters")) == 3


def test_an_empty_range_gives_no_percentages(reports: Reports) -> None:
    r = reports.report(ReportParams(D(2024, 1, 1), D(2024, 1, 31), Scope.ALL, Period.MONTH))
    assert r.summary.received == 0 and r.summary.pct_within_target is None
    assert r.summary.median_days is None
    assert r.summary.overdue_now == 3  # overdue now ignores the range


def test_a_backwards_range_is_refused() -> None:
    from correspondence.services.errors import ValidationError

    with pytest.raises(ValidationError, match="before"):
        ReportParams(D(2026, 2, 1), D(2026, 1, 1))


def test_workday_index_agrees_with_the_domain_rule() -> None:
    idx = WorkdayIndex(D(2025, 12, 1), D(2026, 5, 1))
    days = [D(2025, 12, 1) + dt.timedelta(days=i) for i in range(0, 150, 7)]
    for a in days:
        for b in days:
            assert idx.between(a, b) == working_days_between(a, b), (a, b)
    assert idx.between(D(2020, 1, 1), D(2020, 1, 10)) == working_days_between(
        D(2020, 1, 1), D(2020, 1, 10)
    )  # outside the index: falls back to the rule


def test_presets() -> None:
    assert preset_range("this_week", TODAY) == (TODAY, TODAY)  # a Monday
    assert preset_range("last_4_weeks", D(2026, 4, 22)) == (D(2026, 3, 30), D(2026, 4, 22))
    assert preset_range("this_year", TODAY) == (D(2026, 1, 1), TODAY)


def test_exports_hold_the_same_figures(reports: Reports, tmp_path) -> None:  # noqa: ANN001
    import csv

    from openpyxl import load_workbook

    from correspondence.services.reports import report_export

    r = _month(reports)
    path = report_export.write_xlsx(r, tmp_path / "r.xlsx")
    wb = load_workbook(path)
    ws = wb["By team"]
    assert [c.value for c in ws[1]] == list(r.table("team").header)
    assert ws[1][0].font.bold and ws.freeze_panes == "A2"
    row = {ws.cell(i, 1).value: i for i in range(2, ws.max_row + 1)}["Alpha Team"]
    pct = ws.cell(row, 7)
    assert pct.value == pytest.approx(4 / 6) and pct.number_format == "0.0%"
    month = wb["Received and answered by month"].cell(2, 1)
    assert month.value.date() == D(2025, 11, 1) and month.number_format == "mmm yyyy"
    assert ws.column_dimensions["A"].width >= len("Alpha Team")

    path = report_export.write_csv(r, tmp_path / "r.csv")
    text = path.read_text("utf-8-sig")
    assert "By team\nTeam,Received,Needs reply" in text
    assert "Alpha Team,7,7,5,4,1,0.6667,9" in text
    one = report_export.write_csv(r, tmp_path / "team.csv", table="team")
    rows = list(csv.reader(one.read_text("utf-8-sig").splitlines()))
    assert rows[0][0] == "Team" and rows[1][0] == "Alpha Team"
