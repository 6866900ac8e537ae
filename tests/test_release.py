"""The version is one fact: pyproject.toml, `usm_rules.__version__`, the newest CHANGELOG entry, and every place that
names the release tag (README, docs, the scaffold, the GitHub Action) agree."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import usm_rules

ROOT = Path(__file__).resolve().parent.parent
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
# Where the tag is written for users to copy: `@v0.2.0`, `rev: v0.2.0`, `ref: v0.2.0`, `usm-rules@v0.2.0`.
TAG = re.compile(r"(?:@|rev: |ref: |version: |--branch )v(\d+\.\d+\.\d+)\b")
NAMING_THE_TAG = ["README.md", "docs/ci.md", "docs/editors.md", "action.yml", "usm_rules/scaffold.py"]


def test_package_version_is_the_project_version() -> None:
    assert usm_rules.__version__ == VERSION


def test_newest_changelog_entry_is_the_project_version() -> None:
    headings = re.findall(r"^## (\d+\.\d+\.\d+)\b", (ROOT / "CHANGELOG.md").read_text(), re.MULTILINE)
    assert headings, "CHANGELOG.md has no `## X.Y.Z` entry"
    assert headings[0] == VERSION
    assert len(headings) == len(set(headings))


def test_every_tag_users_copy_is_the_current_release() -> None:
    found = {}
    for name in NAMING_THE_TAG:
        path = ROOT / name
        if path.exists():
            found[name] = set(TAG.findall(path.read_text()))
    assert found.get("README.md"), "README.md names no release tag to install"
    stale = {name: tags - {VERSION} for name, tags in found.items() if tags - {VERSION}}
    assert not stale, f"tags other than v{VERSION}: {stale}"
