"""End-to-end fuzz: hostile specs under hostile file names, through the engine and every reporter.

A seeded generator (so a failure reproduces) writes specs that mix valid structure with hostile text (controls,
ESC sequences, bidi overrides, line separators, workflow-command lookalikes, lone surrogates in JSON), broken
bytes, truncation, deep nesting, aliases, huge numbers, odd tags and duplicate keys, under file names with the
same characters and bytes that are not UTF-8. Every file must end in findings of its own; no run may raise, no
rule may fail (RULE-ERROR) and every report must be well formed and unable to steer a terminal or a CI log.
"""
from __future__ import annotations

import json
import os
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from usm_rules.engine import run
from usm_rules.reporters import REPORTERS, ReportOptions, get_reporter
from usm_rules.engine import Flags, build_options
from usm_rules.config import load_config

ROOT = Path(__file__).resolve().parent.parent
BASE = (ROOT / "usm_rules" / "data" / "base-spec.yaml").read_text(encoding="utf-8")

HOSTILE_TEXT = [
    "\n::error file=pwn,line=1::INJECTED\r", "\x1b[2J\x1b[31mred", "\x1b]8;;http://evil.example\x07link\x1b]8;;\x07",
    "\u202egnp.exe", "\u2066isolate\u2069", "line\u2028separator\u2029", "\x9b31m", "nul\x00byte", "del\x7f",
    "%0A::warning::x", "<script>alert(1)</script>", "]]>&amp;<!--", "\ufeffbom", "tab\there", "😀 emoji",
    "“unclosed quote " * 50, "a" * 5000, "${{ secrets.TOKEN }}", "\\n literal backslash-n",
]
NAME_PARTS = [b"x\n::error file=pwn,line=1::INJECTED\r", b"\x1b[2J", b"\xe2\x80\xae", b"\xff\xfe", b"\xe2\x80\xa8",
              b" space", b"%25", b"#hash", b"\xc3\xa9t\xc3\xa9", b"tab\t"]


def _spec_text(rng: random.Random) -> str:
    spec = yaml.safe_load(BASE)
    spec["metadata"]["id"] = f"svc-{rng.randrange(10**6)}"
    for _ in range(rng.randint(1, 6)):
        text = rng.choice(HOSTILE_TEXT)
        target = rng.choice(["statement", "name", "owner", "id", "description", "unit", "action", "key"])
        if target == "statement":
            rng.choice(spec["scos"])["statement"] = text
        elif target == "name":
            spec["metadata"]["name"] = text
        elif target == "owner":
            rng.choice(spec["scos"])["owner"] = text
        elif target == "id":
            rng.choice(spec["customers"])["id"] = text  # also breaks references: findings quote it
        elif target == "description":
            rng.choice(spec["facility"]["functionality"])["description"] = text
        elif target == "unit":
            spec["scos"][0]["metric"]["unit"] = text
        elif target == "action":
            spec["scos"][0]["actions"] = [text]
        else:
            spec["metadata"][text] = "unknown key"  # SPEC-SCHEMA quotes the key
    return yaml.safe_dump(spec, allow_unicode=True, sort_keys=False)


def _mangle(rng: random.Random, data: bytes) -> bytes:
    kind = rng.randrange(10)
    if kind == 0:  # flip bytes
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        return bytes(buf)
    if kind == 1:  # truncate
        return data[:rng.randrange(len(data))]
    if kind == 2:  # deep nesting
        return b"apiVersion: usm/v1\nkind: ServiceSpecification\nmetadata: " + b"[" * 5000 + b"]" * 5000 + b"\n"
    if kind == 3:  # aliases and a billion-laughs shape
        lol = b"a: &a [x, x, x, x, x, x, x, x, x]\n" + b"".join(
            b"%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c, *%c]\n" % ((98 + i,) * 2 + (97 + i,) * 9)
            for i in range(9))
        return lol
    if kind == 4:  # huge numbers and odd scalars
        return data.replace(b"level: 3", b"level: " + b"9" * 5000).replace(b"target: 95", b"target: 1e999")
    if kind == 5:  # tags and a duplicate key
        return data.replace(b"status: agreed", b"status: !!python/object:os.system agreed\n  status: agreed")
    if kind == 6:  # a BOM and CRLF
        return b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    return data


def _json_text(rng: random.Random) -> bytes:
    spec = yaml.safe_load(BASE)
    spec["scos"][0]["statement"] = rng.choice(HOSTILE_TEXT)
    text = json.dumps(spec, ensure_ascii=True)
    if rng.random() < 0.5:  # a lone surrogate, as JSON allows it to be written
        text = text.replace('"statement": "', '"statement": "\\ud800', 1)
    if rng.random() < 0.2:
        text = ""
    return text.encode()


def _write_corpus(rng: random.Random, directory: Path, count: int) -> list[bytes]:
    names = []
    for i in range(count):
        stem = b"f%03d-" % i + b"".join(rng.sample(NAME_PARTS, rng.randint(0, 2))).replace(b"/", b"_")
        if rng.random() < 0.25:
            name, data = stem + b".json", _json_text(rng)
        else:
            name, data = stem + b".yaml", _mangle(rng, _spec_text(rng).encode("utf-8"))
        path = os.fsencode(directory) + b"/" + name
        with open(path, "wb") as fh:
            fh.write(data)
        names.append(name)
    return names


def _assert_safe_text(text: str, fmt: str) -> None:
    text.encode("utf-8")  # every report is valid UTF-8
    for line in text.split("\n"):
        assert not any(c in line for c in "\r\x1b\x9b\u2028\u2029\u202e\u2066\u0000\x7f"), (fmt, line)
        if fmt != "github":
            assert not line.startswith("::"), (fmt, line)
        elif line:
            assert line.startswith("::"), line  # every line is one of our own annotations


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hostile_specs_under_hostile_names_give_well_formed_reports(tmp_path: Path, seed: int,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    corpus = tmp_path / "specs"
    corpus.mkdir()
    names = _write_corpus(rng, corpus, 40)
    monkeypatch.chdir(tmp_path)
    options = build_options(load_config(None, start=str(tmp_path)), Flags(use_cache=False, explain=seed == 2))
    result = run(["specs"], options)
    assert result.files == len(names)
    assert not [f for f in result.findings if f.rule in ("RULE-ERROR", "CHECK-ABORTED")]
    for fmt in REPORTERS:
        text = get_reporter(fmt)(result, ReportOptions(show_source=True, explain=seed == 2))
        _assert_safe_text(text, fmt)
        if fmt in ("json", "sarif", "gitlab"):
            json.loads(text)
        elif fmt == "junit":
            ET.fromstring(text.encode("utf-8"))
