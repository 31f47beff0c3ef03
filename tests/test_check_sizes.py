"""scripts/check_sizes: the size limits scripts/test holds src/ to, shown failing and passing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "scripts" / "check_sizes"


def function(name: str, lines: int) -> str:
    """A function exactly ``lines`` long, ``def`` line included."""
    body = "".join(f"    x{i} = {i}\n" for i in range(lines - 2))
    return f"def {name}() -> int:\n{body}    return 0\n\n\n"


def check(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_a_function_over_40_lines_fails_and_is_named(tmp_path: Path) -> None:
    (tmp_path / "module.py").write_text(function("short", 5) + function("too_long", 41))
    result = check(tmp_path)
    assert result.returncode == 1, result
    assert "function over 40 lines" in result.stdout
    assert "too_long (41)" in result.stdout
    assert "short (" not in result.stdout.split("function over", 1)[1]


def test_functions_of_40_lines_or_fewer_pass_and_are_listed_longest_first(
    tmp_path: Path,
) -> None:
    (tmp_path / "module.py").write_text(function("short", 5) + function("longest", 40))
    result = check(tmp_path)
    assert result.returncode == 0, result
    listed = [line.split() for line in result.stdout.splitlines()[1:]]
    assert [(row[0], row[-1]) for row in listed] == [("40", "longest"), ("5", "short")]


def test_methods_and_nested_functions_count_on_their_own(tmp_path: Path) -> None:
    method = "".join(f"    {line}\n" if line else "\n" for line in function("m", 41).splitlines())
    (tmp_path / "module.py").write_text(f"class Thing:\n{method}")
    result = check(tmp_path)
    assert result.returncode == 1, result
    assert "Thing.m (41)" in result.stdout


def test_a_module_over_400_lines_fails(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("".join(f"x{i} = {i}\n" for i in range(401)))
    (tmp_path / "fine.py").write_text("".join(f"x{i} = {i}\n" for i in range(400)))
    result = check(tmp_path)
    assert result.returncode == 1, result
    assert "module over 400 lines" in result.stdout
    assert "big.py (401 lines)" in result.stdout
    assert "fine.py" not in result.stdout


def test_migration_scripts_count_too(tmp_path: Path) -> None:
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (versions / "0001_initial.py").write_text(function("upgrade", 41))
    result = check(tmp_path)
    assert result.returncode == 1, result
