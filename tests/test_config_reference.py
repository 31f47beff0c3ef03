"""docs/configuration.md is generated from Settings and kept true, and so are the other docs'
mentions of ``ATTN_`` variables."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import Field

from attn import config_reference
from attn.config import Settings
from attn.config_reference import COMMAND, default_text, env_name, render

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "configuration.md"
DOCS = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
NOT_SETTINGS = {"ATTN_SCREENSHOTS"}
"""Environment variables of the tests, not of ATTN (and ``ATTN_TEST_*``)."""
MENTION = re.compile(r"\bATTN_[A-Z0-9_]*")
VARIABLE_CELL = re.compile(r"`(ATTN_[A-Z0-9_]+)`")
HAND_WRITTEN = [doc for doc in DOCS if doc != REFERENCE]


class TestReference:
    def test_the_file_is_up_to_date(self) -> None:
        assert REFERENCE.read_text(encoding="utf-8") == render(), (
            f"docs/configuration.md is out of date: run `.venv/bin/{COMMAND}`"
        )

    def test_every_setting_is_in_it_with_a_description(self) -> None:
        text = render()
        for name, field in Settings.model_fields.items():
            assert field.description, f"Settings.{name} needs Field(description=...)"
            assert f"| `{env_name(name)}` |" in text

    def test_rows_give_type_bounds_and_default(self) -> None:
        text = render()
        assert (
            "| `ATTN_SESSION_TTL_STUDENT` | integer, at least 30, at most 2592000 | `600` |" in text
        )
        assert "| `ATTN_ENVIRONMENT` | one of `development`, `test`, `production` |" in text
        assert "| `ATTN_REDIS_URL` | string | unset |" in text
        assert "| `ATTN_TRUSTED_PROXIES` | JSON list of strings | `[]` |" in text
        assert "| `ATTN_PERSIST_ENABLED` | boolean | `true` |" in text
        assert "| `ATTN_PERSIST_INTERVAL` | number, more than 0, at most 3600 | `5` |" in text

    def test_a_field_without_description_is_refused(self) -> None:
        with pytest.raises(ValueError, match="no description"):
            config_reference.meaning(Field(default=1))  # type: ignore[arg-type]

    def test_check_fails_on_a_stale_file_and_says_how_to_regenerate(self, tmp_path: Path) -> None:
        output = tmp_path / "configuration.md"
        output.write_text(render().replace("`600`", "`601`"), encoding="utf-8")
        stale = _run("--check", str(output))
        assert stale.returncode == 1
        assert COMMAND in stale.stderr
        assert _run(str(output)).returncode == 0  # regenerates it
        assert output.read_text(encoding="utf-8") == render()
        assert _run("--check", str(output)).returncode == 0


class TestDocsMentions:
    @pytest.mark.parametrize("doc", DOCS, ids=lambda path: path.name)
    def test_every_attn_variable_named_exists(self, doc: Path) -> None:
        """A renamed or removed setting must not live on in the docs."""
        names = {env_name(name) for name in Settings.model_fields}
        unknown = set()
        for mention in set(MENTION.findall(doc.read_text(encoding="utf-8"))):
            if mention in NOT_SETTINGS or mention.startswith("ATTN_TEST_"):
                continue
            if mention.endswith("_"):  # a family: `ATTN_PASSWORD_*`, `ATTN_FACE_...`
                if not any(name.startswith(mention) for name in names):
                    unknown.add(mention)
            elif mention not in names:
                unknown.add(mention)
        assert not unknown, f"{doc.name} names settings that do not exist: {sorted(unknown)}"

    @pytest.mark.parametrize("doc", HAND_WRITTEN, ids=lambda path: path.name)
    def test_hand_written_tables_give_the_real_defaults(self, doc: Path) -> None:
        """In a table whose second column is ``default``, a row ``| `ATTN_X` | ...`` must
        start that cell with the generated default (``unset`` for none), or the docs would
        contradict the code."""
        fields = {env_name(name): field for name, field in Settings.model_fields.items()}
        wrong = []
        for name, cell in _default_cells(doc.read_text(encoding="utf-8")):
            if name not in fields:
                continue  # the test above reports it
            expected = default_text(fields[name])
            if not cell.startswith(expected):
                wrong.append(f"{name}: {cell!r}, the code says {expected}")
        assert not wrong, f"{doc.name}: {wrong}"

    def test_the_table_check_reads_rows_under_a_default_header(self) -> None:
        table = "| setting | default | meaning |\n| --- | --- | --- |\n| `ATTN_X` | `1` | y |\n"
        other = "| setting | why |\n| --- | --- |\n| `ATTN_Y` | because |\n"
        assert list(_default_cells(table + "\n" + other)) == [("ATTN_X", "`1`")]


def _default_cells(markdown: str) -> Iterator[tuple[str, str]]:
    """(variable, default cell) of each row naming one variable in a table with a
    ``default`` column second."""
    header: list[str] = []
    previous = ""
    for line in markdown.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|"):
            header = []
        elif set(line) <= set("|- "):
            header = [cell.strip() for cell in previous.strip().strip("|").split("|")]
        elif len(header) > 1 and header[1] == "default" and len(cells) > 1:
            match = VARIABLE_CELL.fullmatch(cells[0])
            if match:
                yield match.group(1), cells[1]
        previous = line


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "attn.config_reference", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
