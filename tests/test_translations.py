"""Every UI string is translatable and both catalogues are complete.

Runs `makemessages` on a copy of the sources and compares its message ids with the
committed catalogues: a string added without its translation fails here.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ["manage.py", "portal", "training", "resolutions", "reports", "templates", "locale"]


def read_po(path: Path) -> dict[str, str]:
    """msgid → msgstr (plural forms folded into the first), fuzzy entries marked by a None."""
    entries, current, fuzzy, field = {}, {}, False, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current.get("msgid"):
                key = (current.get("msgctxt", "") + "\x04" if "msgctxt" in current else "") + current["msgid"]
                entries[key] = None if fuzzy else current.get("msgstr", "")
            current, fuzzy, field = {}, False, None
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif match := re.match(r'(msgctxt|msgid|msgid_plural|msgstr(?:\[0\])?|msgstr\[\d+\]) "(.*)"$', line):
            field = match.group(1).replace("[0]", "")
            if field.startswith("msgstr[") or field == "msgid_plural":
                field = None
                continue
            current[field] = match.group(2)
        elif line.startswith('"') and field:
            current[field] += line[1:-1]
    return entries


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext is not installed")
def test_catalogues_hold_every_string(tmp_path):
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run([sys.executable, "manage.py", "makemessages", "-l", "vi", "-l", "en", "--no-obsolete",
                    "--no-location"], cwd=tmp_path, check=True, capture_output=True)
    for language in ("vi", "en"):
        committed = read_po(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")
        extracted = read_po(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po")
        missing = [msgid for msgid, msgstr in extracted.items() if msgid and not committed.get(msgid)]
        assert not missing, f"{language}: strings without a translation: {missing[:10]}"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_no_fuzzy_or_empty_entries(language):
    entries = read_po(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")
    bad = [msgid for msgid, msgstr in entries.items() if msgid and not msgstr]
    assert not bad, bad[:10]


def test_english_catalogue_really_translates():
    entries = read_po(ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po")
    assert entries["Đăng nhập"] == "Log in" or entries["Đăng nhập"].lower().startswith(("log in", "sign in"))
