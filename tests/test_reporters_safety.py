"""No spec content or file name can inject into any report: CI commands, terminal sequences, unencodable text.

Every reporter gets the same hostile findings (file names, messages, explain traces, related notes, source
lines) and every output must: encode as UTF-8; carry no C0 control but LF (and tabs in shown source lines),
no ESC unless it is one of our own colours, no DEL / C1 / bidi / zero-width / U+2028 / U+2029 / BOM /
surrogate; have no line a CI runner reads as a command (`::` after leading blanks, except github's own
annotations; `##[`, `##vso[` anywhere); and parse (JSON, SARIF against its schema, JUnit XML).
"""
from __future__ import annotations

import dataclasses
import functools
import json
import os
import random
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote_to_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from usm_rules import reporters
from usm_rules.errors import Located, UsmError, located
from usm_rules.findings import Finding, RuleInfo, RunResult, Severity, Span, fingerprint
from usm_rules.reporters import REPORTERS, ReportOptions, get_reporter, render_bytes
from usm_rules.reporters.source import read_lines, reader, split_lines
from usm_rules.textsafe import mark, printable

SARIF_SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "schemas" / "sarif-schema-2.1.0.json"
FORMATS = sorted(REPORTERS)

ISSUE_FILE = "x\n::error file=pwn,line=1::INJECTED\r.yaml"
ESCAPES = ("\x1b[2J", "\x1b]8;;http://x\x07link\x1b]8;;\x07", "\x1b[31m", "\x9b2J")
OTHERS = ("\x9b", "\x85", "\u202e", "\u2066", "\u200f", "\u2028", "\u2029", "\x00", "\x7f", "\ufeff", "\x0b", "\r")
SURROGATE_FILE = "bad\udcff.yaml"
CI_COMMANDS = ("::error file=pwn,line=1::INJECTED", "  ::warning::x", "\u3000::add-mask::secret",
               "##[add-mask]secret", "##vso[task.setvariable variable=x]y", "::stop-commands::tok")
RULES = {"USM-010": RuleInfo("USM-010", Severity.ERROR, "Provider within one maturity level", "usm")}

# Independent of textsafe: what must never be in any output, whatever the format.
_FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
                        "\ud800-\udfff]")
_OUR_SGR = re.compile("\x1b\\[(?:0|1|31|33|36)m")
_LOG_COMMAND = re.compile("##[A-Za-z]{0,16}\\[")
_ANNOTATION = re.compile(r"::(error|warning|notice) ([^:]*)::(.*)")
_URI = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*")


def finding(file: str = "specs/a.yaml", message: str = "provider at level 1, customer `c2` at level 3", *,
            line: int = 2, column: int = 3, end_column: int = 4, explain: tuple[tuple[str, str], ...] = (),
            related: tuple[tuple[Span, str], ...] = (), service: str | None = "svc-a", pointer: str = "/x",
            suppressed: str | None = None, project_path: str = "", rule: str = "USM-010",
            title: str = "Provider within one maturity level") -> Finding:
    print_ = fingerprint(rule, ascii(file), ascii(pointer), ascii(message))  # the engine hashes visible text
    return Finding(rule, Severity.ERROR, title, message, file, line, column, line, end_column, pointer, 0, service,
                   print_, suppressed, explain, project_path, related)


def run(*findings: Finding) -> RunResult:
    return RunResult(sorted(findings, key=Finding.sort_key), files=len(findings), specs=len(findings), skipped=0,
                     rules=dict(RULES), tool_version="0.1.0")


def hostile_findings(text: str, file: str) -> list[Finding]:
    """`text` in every field a spec or file name can reach, one finding suppressed (shown by sarif and junit)."""
    return [
        finding(file, f"value `{text}`", explain=((f"provider.{text}", text),),
                related=((Span(1, 1, 1, 2), f"anchor `{text}` defined here"),), service=text, pointer=f"/{text}",
                project_path=file.lstrip("./")),
        finding(file, text, line=3, suppressed=f"waiver {text}", title=text, rule="USM-010"),
        finding(f"{file}.2", f"{text} {text}", line=4, column=1, end_column=9, project_path=f"p/{text}"),
    ]


@functools.lru_cache(maxsize=1)
def _sarif_validator():
    if not SARIF_SCHEMA.is_file():
        return None
    import jsonschema

    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _strings(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _check_lines(name: str, output: str, result: RunResult, color: bool) -> None:
    lines = output.split("\n")
    assert lines[-1] == "", "output ends with a line feed"
    if name == "github":
        assert len(lines) - 1 == len(result.active())
    for line in lines[:-1]:
        if name == "github":
            assert _ANNOTATION.fullmatch(line), line
        else:
            assert not line.lstrip().startswith("::"), line
        assert not _LOG_COMMAND.search(line), line
        if "\t" in line:  # only a shown source line and its caret line keep tabs
            assert name == "text" and line.startswith("    ") and not line.startswith(("    = ", "    note")), line
    plain = _OUR_SGR.sub("", output) if color else output
    assert "\x1b" not in plain
    if not color:
        assert "\x1b" not in output
    assert not _FORBIDDEN.search(plain.replace("\t", " ")), repr(_FORBIDDEN.search(plain.replace("\t", " ")))


def _check_parses(name: str, output: str) -> None:
    if name in ("json", "sarif", "gitlab"):
        document = json.loads(output)
        for s in _strings(document):  # a strict reader (Rust, Go, .NET) refuses lone surrogates
            assert not re.search("[\ud800-\udfff]", s), s
        if name == "sarif":
            validator = _sarif_validator()
            if validator is not None:
                errors = list(validator.iter_errors(document))
                assert not errors, [e.message for e in errors[:5]]
            for res in document["runs"][0]["results"]:
                for loc in res["locations"] + res.get("relatedLocations", []):
                    uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                    assert _URI.fullmatch(uri), uri
    elif name == "junit":
        ET.fromstring(output.encode("utf-8"))
        junitparser = pytest.importorskip("junitparser")
        junitparser.JUnitXml.fromstring(output.encode("utf-8"))


def assert_safe(result: RunResult, options: ReportOptions | None = None) -> dict[str, str]:
    """Render `result` in every format and check every promise of the module docstring; the outputs."""
    options = options or ReportOptions()
    outputs = {}
    for name in FORMATS:
        output = get_reporter(name)(result, options)
        assert render_bytes(name, result, options) == output.encode("utf-8")  # strict: raises if unencodable
        _check_lines(name, output, result, options.color and name == "text")
        _check_parses(name, output)
        outputs[name] = output
    return outputs


# -- the issue's cases, through every format ------------------------------------------------------------

def test_the_issue_file_name_injects_nothing_in_any_format() -> None:
    outputs = assert_safe(run(*hostile_findings("ok", ISSUE_FILE)))
    assert "x\\n::error file=pwn,line=1::INJECTED\\r.yaml:2:3: error USM-010" in outputs["text"]
    assert "file=x\\n%3A%3Aerror file=pwn%2Cline=1%3A%3AINJECTED\\r.yaml," in outputs["github"]
    assert json.loads(outputs["json"])["findings"][0]["file"] == ISSUE_FILE  # the JSON value is exact


@pytest.mark.parametrize("sequence", ESCAPES)
def test_escape_sequences_never_reach_the_terminal_without_colour(sequence: str) -> None:
    result = run(*hostile_findings(sequence, f"specs/{sequence}.yaml"))
    outputs = assert_safe(result, ReportOptions(explain=True))
    assert "\\x1b" in outputs["text"] or "\\x9b" in outputs["text"]


def test_with_colour_the_only_escape_sequences_are_ours() -> None:
    result = run(*hostile_findings("\x1b[2J\x1b]8;;http://x\x07", "specs/\x1b[1m.yaml"))
    output = get_reporter("text")(result, ReportOptions(color=True))
    assert _OUR_SGR.search(output)
    _check_lines("text", output, result, color=True)


@pytest.mark.parametrize("char", OTHERS)
def test_controls_bidi_and_separators_are_shown_as_escapes(char: str) -> None:
    outputs = assert_safe(run(*hostile_findings(f"a{char}b", f"specs/a{char}b.yaml")))
    shown = {"\r": "\\r", "\x0b": "\\x0b"}.get(char, f"\\x{ord(char):02x}" if ord(char) < 0x100 else
                                                 f"\\u{ord(char):04x}")
    assert f"specs/a{shown}b.yaml:2:3: error USM-010 value `a{shown}b`" in outputs["text"]
    sarif_message = json.loads(outputs["sarif"])["runs"][0]["results"][0]["message"]["text"]
    assert sarif_message == f"value `a{shown}b`" == json.loads(outputs["gitlab"])[0]["description"]
    assert f"::error file=specs/a{shown}b.yaml," in outputs["github"]
    assert f'message="value `a{shown}b`"' in outputs["junit"]
    assert json.loads(outputs["json"])["findings"][0]["message"] == f"value `a{char}b`"  # exact, escaped bytes


@pytest.mark.parametrize("command", CI_COMMANDS)
def test_ci_commands_in_spec_text_and_file_names_are_neutralised(command: str) -> None:
    outputs = assert_safe(run(*hostile_findings(command, command + ".yaml"),
                              finding(command, command, explain=((command, command),))))
    document = json.loads(outputs["json"])
    assert command in {f["message"] for f in document["findings"]}  # the JSON value stays exact


def test_a_file_name_that_is_not_utf8_is_shown_by_its_byte_in_every_format() -> None:
    outputs = assert_safe(run(finding(SURROGATE_FILE, "lone \ud800 surrogate", explain=(("x", "\udc80"),))))
    assert outputs["text"].startswith("bad\\xff.yaml:2:3: error USM-010 lone \\ud800 surrogate\n    = x: \\x80\n")
    item = json.loads(outputs["json"])["findings"][0]
    assert (item["file"], item["path"], item["message"]) == ("bad\\xff.yaml", "bad\\xff.yaml", "lone \\ud800 surrogate")
    uri = json.loads(outputs["sarif"])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert uri["artifactLocation"]["uri"] == "bad%FF.yaml"  # the file's own bytes
    assert "file=bad\\xff.yaml," in outputs["github"]
    assert json.loads(outputs["gitlab"])[0]["location"]["path"] == "bad\\xff.yaml"


def test_render_bytes_never_fails_on_a_surrogate_a_reporter_let_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reporters, "get_reporter", lambda name: lambda result, options: '{"x": "a\udcffb"}\n')
    data = render_bytes("json", run())
    assert data == b'{"x": "a\\udcffb"}\n'
    json.loads(data)


# -- fuzz -------------------------------------------------------------------------------------------------

_HOSTILE_ALPHABET = st.sampled_from(
    list("\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x80\x85\x9b\x9f\u061c\u200b\u200d\u200e\u202a\u202e\u2028"
         "\u2029\u2066\u2069\ufeff\ufffe\uffff\ud800\udcff\udfff:#[],=%&<>\"' ab/.\\\u3000\xa0\u4e16\U0001f600")
    + ["::", "##[", "##vso[", "::error ", "]]>", "\x1b[", "\x1b]8;;", "%0A"])
_HOSTILE = st.lists(_HOSTILE_ALPHABET, max_size=12).map("".join)


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(file=_HOSTILE, message=_HOSTILE, value=_HOSTILE)
def test_fuzz_hostile_strings_through_every_format(file: str, message: str, value: str) -> None:
    result = run(*hostile_findings(value, file or "x"),
                 finding(file or "-", message, explain=((message, value),), related=((Span(1, 1, 1, 1), value),)))
    assert_safe(result, ReportOptions(explain=True))
    assert_safe(result, ReportOptions(color=True))


def test_seeded_fuzz_of_source_lines(tmp_path: Path) -> None:
    rng = random.Random(20261124)
    alphabet = "\t\x1b\x9b\u202e\u2066\u3000\x7f\x00 :#[ab\u4e16\U0001f600"
    path = tmp_path / "spec.yaml"
    for _ in range(40):
        lines = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 30))) for _ in range(3)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
        line = rng.randrange(1, 4)
        column = rng.randrange(1, 32)
        f = finding(str(path), "m", line=line, column=column, end_column=column + rng.randrange(0, 5))
        assert_safe(run(f), ReportOptions(show_source=True))


# -- --show-source ----------------------------------------------------------------------------------------

def _source_block(output: str) -> list[str]:
    """The lines between a finding's head and the summary: trace, source, caret, notes."""
    lines = output.split("\n")
    return lines[1:lines.index("")]


def test_source_lines_are_escaped_and_the_caret_is_measured_on_the_escaped_line(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("a: 1\n\tk\x1b[2J\u202e: value\n", encoding="utf-8")
    f = finding(str(path), "m", line=2, column=10, end_column=15)  # `value`
    source, caret = _source_block(get_reporter("text")(run(f), ReportOptions(show_source=True)))
    assert source == "    \tk\\x1b[2J\\u202e: value"
    assert caret.startswith("    \t") and caret.index("^") == source.index("value")
    assert caret.count("^") == len("value")
    assert_safe(run(f), ReportOptions(show_source=True))


def test_a_source_line_that_is_a_ci_command_is_neutralised(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("::error file=pwn,line=1::INJECTED: 1\n  \u3000::warning::x: 2\nk: ##[add-mask]s\n",
                    encoding="utf-8")
    findings = [finding(str(path), "m", line=n, column=1, end_column=3) for n in (1, 2, 3)]
    output = assert_safe(run(*findings), ReportOptions(show_source=True))["text"]
    assert "    \\x3a:error file=pwn,line=1::INJECTED: 1\n    ^^^^^\n" in output  # `::`, one escaped
    assert "      \u3000\\x3a:warning::x: 2\n" in output
    assert "    k: \\x23#[add-mask]s\n" in output


def test_wide_characters_and_long_lines_keep_the_caret_in_place() -> None:
    shown, caret = mark("名前: 値", 4, 5)
    assert caret == " " * 6 + "^^" and shown == "名前: 値"  # wide characters take two columns
    long = "x" * 50_000 + "TARGET" + "y" * 50_000
    shown, caret = mark(long, 50_000, 50_006)
    assert len(shown) < 200 and shown.startswith("…") and shown.endswith("…")
    assert shown[caret.index("^"):caret.index("^") + 6] == "TARGET" and caret.count("^") == 6


def test_related_locations_in_every_format(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("base: &x {level: 1}\nprovider: *x\n", encoding="utf-8")
    note = "anchor `x\u202e` is defined here"
    f = finding(str(path), "provider level too low", line=2, column=11, end_column=13,
                related=((Span(1, 7, 1, 9), note),), project_path="spec.yaml")
    outputs = assert_safe(run(f), ReportOptions(show_source=True))
    assert _source_block(outputs["text"]) == [
        "    provider: *x", "              ^^",
        "    note: anchor `x\\u202e` is defined here (line 1, column 7)",
        "    base: &x {level: 1}", "          ^^"]
    assert json.loads(outputs["json"])["findings"][0]["related"] == [
        {"line": 1, "column": 7, "end_line": 1, "end_column": 9, "message": note}]
    (related,) = json.loads(outputs["sarif"])["runs"][0]["results"][0]["relatedLocations"]
    assert related == {"id": 1, "physicalLocation": {"artifactLocation": {"uri": "spec.yaml", "uriBaseId": "%SRCROOT%"},
                                                     "region": {"startLine": 1, "startColumn": 7, "endLine": 1,
                                                                "endColumn": 9}},
                       "message": {"text": "anchor `x\\u202e` is defined here"}}
    assert "related" not in json.loads(get_reporter("json")(run(finding()), None))["findings"][0]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_show_source_of_a_fifo_shows_no_line_and_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)  # nobody writes to it: opening it for reading in the ordinary way would block forever
    output = get_reporter("text")(run(finding(str(fifo), "m")), ReportOptions(show_source=True))
    assert _source_block(output) == []
    assert read_lines(str(fifo)) is None


def test_show_source_of_a_file_over_the_limit_shows_no_line(tmp_path: Path) -> None:
    path = tmp_path / "spec.yaml"
    path.write_text("a: 1\n" * 100, encoding="utf-8")  # 500 bytes
    f = finding(str(path), "m", line=1, column=1, end_column=2)
    assert _source_block(get_reporter("text")(run(f), ReportOptions(show_source=True, source=reader(499)))) == []
    assert _source_block(get_reporter("text")(run(f), ReportOptions(show_source=True, source=reader(500)))) == [
        "    a: 1", "    ^"]


def test_the_default_source_reader_uses_the_loader_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from usm_rules import loader

    path = tmp_path / "spec.yaml"
    path.write_text("a: 1\n" * 100, encoding="utf-8")
    assert read_lines(str(path)) is not None
    monkeypatch.setattr(loader, "Limits", lambda: SimpleNamespace(max_bytes=499))
    assert read_lines(str(path)) is None
    f = finding(str(path), "m", line=1, column=1, end_column=2)
    assert _source_block(get_reporter("text")(run(f), ReportOptions(show_source=True))) == []


def test_source_lines_are_counted_as_the_loader_counts_them(tmp_path: Path) -> None:
    assert split_lines("a\r\nb\rc\x85d\u2028e\u2029f\x0cg\n", "x.yaml") == ["a", "b", "c", "d", "e", "f\x0cg", ""]
    assert split_lines("a\r\nb\u2028c\rd\n", "x.json") == ["a", "b\u2028c\rd", ""]
    path = tmp_path / "utf16.yaml"
    path.write_bytes("a: 1\nb: 2\n".encode("utf-16"))  # with a BOM: decoded as the loader does
    assert read_lines(str(path))[:2] == ["a: 1", "b: 2"]


# -- JSON values, CI paths, URIs ----------------------------------------------------------------------------

def test_json_has_path_and_keeps_file_as_given() -> None:
    f = finding("./specs/../specs/a.yaml", project_path="specs/a.yaml")
    item = json.loads(get_reporter("json")(run(f), None))["findings"][0]
    assert list(item)[4:6] == ["file", "path"]
    assert (item["file"], item["path"]) == ("./specs/../specs/a.yaml", "specs/a.yaml")
    assert json.loads(get_reporter("json")(run(finding("./a.yaml")), None))["findings"][0]["path"] == "./a.yaml"


def test_ci_formats_use_the_project_path_and_text_the_file_as_given() -> None:
    f = finding("../repo/specs/a.yaml", project_path="specs/a.yaml")
    outputs = {name: get_reporter(name)(run(f), None) for name in FORMATS}
    assert outputs["text"].startswith("../repo/specs/a.yaml:2:3:")
    assert outputs["github"].startswith("::error file=specs/a.yaml,")
    assert json.loads(outputs["gitlab"])[0]["location"]["path"] == "specs/a.yaml"
    location = json.loads(outputs["sarif"])["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "specs/a.yaml", "uriBaseId": "%SRCROOT%"}
    assert '<testsuite name="specs/a.yaml"' in outputs["junit"]
    assert "specs/a.yaml:2:3: error" in outputs["junit"]
    # No project path known: `file`, without a leading `./`.
    assert get_reporter("github")(run(finding("./x/b.yaml")), None).startswith("::error file=x/b.yaml,")


@pytest.mark.parametrize(("path", "uri"), [
    ("specs/a b#1%.yaml", "specs/a%20b%231%25.yaml"),
    ("x:y/z.yaml", "x%3Ay/z.yaml"),
    ("spécs/ü.yaml", "sp%C3%A9cs/%C3%BC.yaml"),
    ("bad\udcff.yaml", "bad%FF.yaml"),
    ("a?b[c].yaml", "a%3Fb%5Bc%5D.yaml"),
])
def test_sarif_uris_are_percent_encoded_from_the_file_names_bytes(path: str, uri: str) -> None:
    document = json.loads(get_reporter("sarif")(run(finding(path, project_path=path)), None))
    run_ = document["runs"][0]
    artifact = run_["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": uri, "uriBaseId": "%SRCROOT%"}
    assert unquote_to_bytes(uri) == path.encode("utf-8", "surrogateescape")
    assert "uri" not in run_["originalUriBaseIds"]["%SRCROOT%"]  # no absolute path of this machine
    assert_safe(run(finding(path, project_path=path)))


# -- errors with a caret (policy, config) -------------------------------------------------------------------

def test_located_errors_show_file_names_messages_and_source_lines_visibly() -> None:
    problem = Located("x\n::error file=pwn::y.policy", 1, 5, "unknown `\x1b[2J\u202e`", 3,
                      source_line="  ::error::z\u202e \x1b")
    text = problem.render()
    lines = text.split("\n")
    assert lines[0] == "x\\n::error file=pwn::y.policy:1:5: unknown `\\x1b[2J\\u202e`"
    assert lines[1] == "      \\x3a:error::z\\u202e \\x1b"
    assert lines[2] == "    " + " " * 7 + "^^^"  # under `err`, moved right by the escaped colon
    for line in lines:
        assert not line.lstrip().startswith("::") and not _FORBIDDEN.search(line)


def test_located_takes_lines_as_the_parsers_count_them() -> None:
    problem = located("p.policy", "a\u2028b\x0cc\nsecond\r\n", 2, 1, "m")
    assert problem.source_line == "second"
    assert located("p.policy", "a\n", 2, 1, "m").source_line == ""


def test_usm_errors_given_as_text_are_printable() -> None:
    err = UsmError("--changed-since x: git says: fatal\n::error::pwn \x1b[2J")
    assert err.render() == "--changed-since x: git says: fatal\\n::error::pwn \\x1b[2J"
    assert UsmError("::error::x").render() == "\\x3a:error::x"


def test_printable_is_visible_plus_ci_commands_and_is_idempotent() -> None:
    for text in ("::x", "  ::x", "a ##[b] ##vso[c] ##teamcity[d]", "\x1b\u202e\udcff", "#\n#[", "###["):
        once = printable(text)
        assert printable(once) == once
        assert not once.lstrip().startswith(":") and not _LOG_COMMAND.search(once)
    assert printable("a: ::b", line_start=False) == "a: ::b"
    assert printable(":x", line_start=False) == ":x"
    assert dataclasses.replace(ReportOptions(), color=True).source is None


def test_the_cli_reader_maps_shown_names_back_to_the_files_read(tmp_path: Path) -> None:
    real = tmp_path / "a\x1bb.yaml"
    real.write_text("a: 1\n", encoding="utf-8")
    shown = str(tmp_path / "a\\x1bb.yaml")  # what the engine puts in Finding.file
    f = finding(shown, "m", line=1, column=1, end_column=2)
    options = ReportOptions(show_source=True, source=reader(1000, [str(real)]))
    assert _source_block(get_reporter("text")(run(f), options)) == ["    a: 1", "    ^"]
    assert _source_block(get_reporter("text")(run(f), ReportOptions(show_source=True, source=reader(1000)))) == []
