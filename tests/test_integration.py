"""CI integration: inline suppressions, waivers with expiry, baselines, changed files, several outputs."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "integration"


def usm(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "usm_rules", *args], cwd=cwd, capture_output=True, text=True,
                          env=env)


def run_json(*args: str, cwd: Path = ROOT) -> tuple[int, dict]:
    out = usm("check", "--format", "json", "--pack", "usm", "--pack", "cemm", "--select", "USM-010,CEMM-002",
              *args, cwd=cwd)
    assert out.returncode in (0, 1), out.stderr
    return out.returncode, json.loads(out.stdout)


def brief(doc: dict) -> list[tuple]:
    return [(f["rule"], f["line"], f["suppressed"]) for f in doc["findings"]]


SPEC = "tests/cases/integration/suppressed.yaml"


def test_inline_suppressions_on_the_line_the_line_before_and_the_file() -> None:
    code, doc = run_json("--as-of", "2026-11-24", SPEC)
    assert brief(doc) == [
        ("USM-010", 9, "inline: provider growth plan CHG-7"),
        ("USM-010", 13, "inline: second customer moves to level 2 in March"),
        ("USM-010", 16, None),
        ("SUPPRESSION-UNUSED", 19, None),
        ("CEMM-002", 21, "inline: SCO metrics are agreed in the Q3 review"),
    ]
    assert doc["findings"][3]["message"] == "nothing on this line is suppressed by `ignore[USM-010]`"
    assert doc["summary"]["suppressed"] == 3 and code == 1


def test_audit_mode_shows_everything() -> None:
    _, doc = run_json("--as-of", "2026-11-24", "--no-inline-suppressions", SPEC)
    assert [(r, s) for r, _, s in brief(doc)] == [("USM-010", None), ("USM-010", None), ("USM-010", None),
                                                   ("CEMM-002", None)]


def test_a_reason_can_be_required(tmp_path: Path) -> None:
    shutil.copy(ROOT / SPEC, tmp_path / "spec.yaml")
    (tmp_path / "usm-rules.toml").write_text("[suppressions]\nrequire_reason = true\n", encoding="utf-8")
    _, doc = run_json("--as-of", "2026-11-24", "spec.yaml", cwd=tmp_path)
    invalid = [f for f in doc["findings"] if f["rule"] == "SUPPRESSION-INVALID"]
    assert [(f["line"], f["message"]) for f in invalid] == [
        (19, "this suppression gives no reason, and the config requires one")]


def test_live_waiver_suppresses_and_unused_waiver_is_reported_only_when_it_could_have_matched() -> None:
    _, doc = run_json("--as-of", "2026-11-24", "--waivers", "tests/cases/integration/waivers.yaml", SPEC)
    usm010 = [f for f in doc["findings"] if f["rule"] == "USM-010" and f["line"] == 16][0]
    assert usm010["suppressed"] == ("waiver: Provider growth plan agreed with the customer board "
                                    "(approved by service-board, CHG-1, until 2027-01-31)")
    unused = [f for f in doc["findings"] if f["rule"] == "WAIVER-UNUSED"]
    assert [(f["file"], f["line"], f["message"]) for f in unused] == [
        ("tests/cases/integration/waivers.yaml", 9, "waiver 2 (CEMM-002 on files "
         "`tests/cases/integration/suppressed.yaml` at `/scos/99`) matches no finding")]


def test_expired_waiver_brings_the_finding_back() -> None:
    code, doc = run_json("--as-of", "2027-02-01", "--waivers", "tests/cases/integration/waivers.yaml", SPEC)
    usm010 = [f for f in doc["findings"] if f["rule"] == "USM-010" and f["line"] == 16][0]
    assert usm010["suppressed"] is None and code == 1
    expired = [f for f in doc["findings"] if f["rule"] == "WAIVER-EXPIRED"]
    assert [f["message"] for f in expired] == [
        "waiver 1 (USM-010 on service `svc-suppressed` at `/customers/2`) expired on 2027-01-31: its findings "
        "are reported again"]
    assert expired[0]["severity"] == "warning"


def test_the_last_day_of_a_waiver_still_holds_and_expiry_is_announced() -> None:
    _, doc = run_json("--as-of", "2027-01-31", "--warn-expiring-within", "30", "--waivers",
                      "tests/cases/integration/waivers.yaml", SPEC)
    assert [f["message"] for f in doc["findings"] if f["rule"] == "WAIVER-EXPIRING"] == [
        "waiver 1 (USM-010 on service `svc-suppressed` at `/customers/2`) expires in 0 days (2027-01-31)"]


def test_malformed_waivers_file_is_a_located_error() -> None:
    out = usm("check", "--waivers", "tests/cases/integration/waivers-bad.yaml", SPEC)
    assert out.returncode == 2
    assert out.stderr.splitlines()[0] == ("tests/cases/integration/waivers-bad.yaml:2:5: waiver 1 needs exactly "
                                          "one of `service` or `file`")
    assert "unknown key `servise` in waiver 1; did you mean `service`?" in out.stderr
    assert "`expires` of waiver 1 must be a date written YYYY-MM-DD" not in out.stderr  # key errors come first
    assert "waiver 2 is missing `approvedBy`" in out.stderr


def test_baseline_hides_known_findings_survives_reformatting_and_reports_stale(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    shutil.copy(ROOT / "specs" / "heating-bad.yaml", spec)
    made = usm("baseline", "create", "base.json", "spec.yaml", "--as-of", "2026-11-24", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert usm("baseline", "create", "base.json", "spec.yaml", cwd=tmp_path).returncode == 2  # no overwrite
    code, doc = run_json("--as-of", "2026-11-24", "--baseline", "base.json", "spec.yaml", cwd=tmp_path)
    assert code == 0 and doc["summary"]["findings"] == 0 and doc["summary"]["suppressed"] >= 2
    # Re-format: block style to flow style and re-ordered keys change lines, not fingerprints.
    import yaml

    data = yaml.safe_load(spec.read_text())
    data = dict(reversed(list(data.items())))
    spec.write_text(yaml.safe_dump(data, default_flow_style=True, sort_keys=False, width=60))
    code, doc = run_json("--as-of", "2026-11-24", "--baseline", "base.json", "spec.yaml", cwd=tmp_path)
    assert code == 0 and doc["summary"]["findings"] == 0, doc["findings"]
    # Fix the maturity gap: the USM-010 entry becomes stale.
    spec.write_text(spec.read_text().replace("level: 4", "level: 3"))
    _, doc = run_json("--as-of", "2026-11-24", "--baseline", "base.json", "spec.yaml", cwd=tmp_path)
    stale = [f for f in doc["findings"] if f["rule"] == "BASELINE-STALE"]
    assert len(stale) == 1 and "USM-010" in stale[0]["message"]


def test_changed_since_reports_only_changed_files(tmp_path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "--allow-empty", "-m", "start")
    shutil.copy(ROOT / "specs" / "heating-bad.yaml", tmp_path / "old.yaml")
    git("add", "old.yaml")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-q", "-m", "old")
    shutil.copy(ROOT / "specs" / "heating-bad.yaml", tmp_path / "new.yaml")
    (tmp_path / "new.yaml").write_text((tmp_path / "new.yaml").read_text().replace("svc-heating", "svc-heating-2"))
    _, doc = run_json("--as-of", "2026-11-24", "--changed-since", "HEAD", ".", cwd=tmp_path)
    assert {f["file"] for f in doc["findings"]} == {"./new.yaml"}
    assert doc["summary"]["files"] == 1
    out = usm("check", "--changed-since", "no-such-ref", ".", cwd=tmp_path)
    assert out.returncode == 2 and "--changed-since `no-such-ref` is not a commit" in out.stderr


def test_several_outputs_at_once(tmp_path: Path) -> None:
    out = usm("check", "--as-of", "2026-11-24", "--output", f"sarif:{tmp_path / 'r.sarif'}",
              "--output", f"junit:{tmp_path / 'r.xml'}", str(ROOT / "specs" / "heating-bad.yaml"))
    assert out.returncode == 1
    assert "USM-010" in out.stdout  # the terminal report stays
    assert json.loads((tmp_path / "r.sarif").read_text())["version"] == "2.1.0"
    assert (tmp_path / "r.xml").read_text().startswith("<?xml")
    alone = usm("check", "--format", "json", "--output", str(tmp_path / "r.json"),
                str(ROOT / "specs" / "heating-bad.yaml"))
    assert alone.stdout == "" and json.loads((tmp_path / "r.json").read_text())["format_version"] == 1


def test_no_progress_bar_without_a_terminal() -> None:
    out = usm("check", "--as-of", "2026-11-24", "specs")
    assert "[" not in out.stderr and out.stderr == ""


def test_sarif_of_a_real_run_validates_and_carries_suppressions(tmp_path: Path) -> None:
    schema_path = ROOT.parent / "shared" / "schemas" / "sarif-schema-2.1.0.json"
    if not schema_path.exists():
        pytest.skip("the shared SARIF schema is not beside the checkout")
    import jsonschema

    out = usm("check", "--as-of", "2026-11-24", "--format", "sarif", "--waivers",
              "tests/cases/integration/waivers.yaml", SPEC, "specs")
    assert out.returncode == 1
    sarif = json.loads(out.stdout)
    jsonschema.validate(sarif, json.loads(schema_path.read_text()))
    results = sarif["runs"][0]["results"]
    kinds = sorted({s["kind"] for r in results for s in r.get("suppressions", [])})
    assert kinds == ["external", "inSource"]
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert all(r["shortDescription"]["text"] and r["fullDescription"]["text"] for r in rules)
    assert all("partialFingerprints" in r and r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
               for r in results)


def test_a_hostile_spec_cannot_inject_workflow_commands(tmp_path: Path) -> None:
    hostile = tmp_path / "evil,name:x.yaml"
    hostile.write_text(
        "apiVersion: usm/v1\nkind: ServiceSpecification\n"
        'metadata: {id: svc-evil, name: "Evil", owner: x}\n'
        "provider: {name: P, valueMaturity: {level: 1}}\n"
        "customers:\n"
        '  - {id: "c1\\n::add-mask::secret\\r\\n::set-output name=x::y%0A::error::boom", name: C, '
        "valueMaturity: {level: 4}}\n"
        "scos: []\n", encoding="utf-8")
    out = usm("check", "--format", "github", "--select", "USM-010", str(hostile))
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("::error file=")
    assert "\n::" not in out.stdout.rstrip("\n") and "\r" not in out.stdout
    props, message = lines[0][len("::error "):].split("::", 1)
    assert "%2C" in props and "%3A" in props  # the file name's `,` and `:` are escaped in properties
    assert "\\n::add-mask::secret\\r\\n::set-output" in message and "%250A" in message  # breaks shown as escapes
