"""error_text.first_line: the one-line exception text the job, the CLI and the callback use."""

from __future__ import annotations

from attn.error_text import first_line


class Wrapper(Exception):
    """Like a SQLAlchemy ``DBAPIError``: the driver's own error as ``orig``."""

    def __init__(self, orig: BaseException) -> None:
        super().__init__(f"(driver) {orig}\n[SQL: SELECT 1]")
        self.orig = orig


class TestFirstLine:
    def test_type_and_first_line_cut_at_300_characters(self) -> None:
        exc = ValueError("  " + "x" * 400 + "\nsecond line")
        assert first_line(exc) == "ValueError: " + "x" * 300

    def test_an_empty_text_gives_the_type_alone(self) -> None:
        assert first_line(ValueError("  \n")) == "ValueError"
        assert first_line(ValueError(), typed=False) == "ValueError"

    def test_untyped_is_the_line_alone(self) -> None:
        assert first_line(ValueError("y" * 250 + "\nmore"), limit=200, typed=False) == "y" * 200

    def test_driver_reads_the_wrapped_error_without_a_limit(self) -> None:
        exc = Wrapper(OSError("refused " + "z" * 400 + "\ndetail"))
        assert first_line(exc, limit=None, driver=True) == "Wrapper: refused " + "z" * 400
        assert first_line(exc).startswith("Wrapper: (driver) refused")
