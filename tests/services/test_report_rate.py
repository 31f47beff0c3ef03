"""The attendance rate's one definition (``services/reports/rate.py``) and the CSV cells of
the report files: pure functions, no storage."""

from __future__ import annotations

from fractions import Fraction

import pytest

from attn.services.reports.files import csv_bytes, csv_text
from attn.services.reports.rate import Tally, as_percent, attendance_rate, is_under
from attn.services.reports.tables import Table


class TestRate:
    def test_present_and_weighted_late_over_counted_less_excused(self) -> None:
        tally = Tally(present=6, late=2, excused=2, absent=1, rejected=1)
        assert tally.held == 12
        # (6 + 2 × 0.5) / (12 − 2)
        assert attendance_rate(tally, 50) == Fraction(7, 10)
        assert attendance_rate(tally, 100) == Fraction(8, 10)
        assert attendance_rate(tally, 0) == Fraction(6, 10)

    def test_pending_and_rejected_count_as_not_attended(self) -> None:
        assert attendance_rate(Tally(present=1, pending=1, rejected=2), 100) == Fraction(1, 4)

    @pytest.mark.parametrize("tally", [Tally(), Tally(excused=3)])
    def test_nothing_to_count_is_no_rate_and_never_under(self, tally: Tally) -> None:
        rate = attendance_rate(tally, 100)
        assert rate is None
        assert as_percent(rate) is None
        assert not is_under(rate, 70)

    def test_exactly_the_threshold_is_not_under(self) -> None:
        rate = attendance_rate(Tally(present=7, absent=3), 100)
        assert not is_under(rate, 70)
        assert is_under(attendance_rate(Tally(present=7, late=0, absent=3), 100), 71)
        # 2/3 is 66.666…: under 67 although it shows as 66.7
        two_thirds = attendance_rate(Tally(present=2, absent=1), 100)
        assert (as_percent(two_thirds), is_under(two_thirds, 67)) == (66.7, True)

    def test_tally_of_statuses(self) -> None:
        tally = Tally.of(["present", "late", "late", "absent", "excused"])
        assert (tally.present, tally.late, tally.absent, tally.excused, tally.held) == (
            1, 2, 1, 1, 5,
        )  # fmt: skip


class TestCsvCells:
    @pytest.mark.parametrize("value", ["=1+1", "+90", "-5", "@SUM(A1)", "\tx", "\rx"])
    def test_formula_starts_get_an_apostrophe(self, value: str) -> None:
        assert csv_text(value) == "'" + value

    def test_plain_text_stays(self) -> None:
        assert csv_text("Ayşe Çağlar") == "Ayşe Çağlar"

    def test_the_semicolon_variant_writes_decimal_commas(self) -> None:
        table = Table("t", ["a", "b", "c"], [["x;y", 83.3, 2]], [1, 1, 1])
        assert csv_bytes(table, "semicolon").decode() == '\ufeffa;b;c\r\n"x;y";83,3;2\r\n'
        assert csv_bytes(table, "comma").decode() == "\ufeffa,b,c\r\nx;y,83.3,2\r\n"
