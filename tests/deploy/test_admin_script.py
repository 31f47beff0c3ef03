"""``deploy/attn``, the administrators' ``attn``: it runs the real command as the services'
user with the settings file sourced, arguments passed on untouched (a name with spaces and
Turkish letters). Its fixed paths and user become the test's own; the rest runs as shipped.
``runuser`` needs root, as the script does on a server."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.deploy import shipped

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("runuser") is None,
    reason="the attn script switches users with runuser, which needs root",
)


def rendered(tmp_path: Path, env_file: Path) -> Path:
    text = (shipped.DEPLOY / "attn").read_text(encoding="utf-8")
    user = pwd.getpwuid(os.geteuid()).pw_name
    for old, new in (
        ("/etc/attn/attn.env", str(env_file)),
        ("/var/lib/attn", str(tmp_path)),
        ("/opt/attn/venv/bin/attn", str(Path(sys.executable).parent / "attn")),
        ("runuser -u attn ", f"runuser -u {user} "),
    ):
        assert old in text, f"deploy/attn no longer contains {old!r}: update this test"
        text = text.replace(old, new)
    script = tmp_path / "attn"
    script.write_text(text, encoding="utf-8")
    script.chmod(0o755)
    return script


def test_the_script_runs_attn_with_the_settings_file(tmp_path: Path, redis_url: str) -> None:
    env_file = tmp_path / "attn.env"
    env_file.write_text(
        f"ATTN_DATABASE_URL=sqlite:///{tmp_path / 'attn.sqlite3'}\n"
        f"ATTN_REDIS_URL={redis_url}\n"
        'ATTN_TRUSTED_PROXIES=\'["127.0.0.1/32", "::1/128"]\'\n',
        encoding="utf-8",
    )
    script = rendered(tmp_path, env_file)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTN_")}

    def attn(*arguments: str) -> str:
        done = subprocess.run(
            [str(script), *arguments], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "revision head" in attn("migrate")
    attn("user", "add", "T1", "--name", "Ayşe Yılmaz", "--role", "teacher", "--no-password")
    assert "T1\tteacher\tAyşe Yılmaz\tno" in attn("user", "list", "--role", "teacher")
    assert (tmp_path / "attn.sqlite3").exists(), "the settings file's database was used"
