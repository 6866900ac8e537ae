"""`usm-rules init`: scaffold a spec repository (config, an example spec, a local policy and its tests,
a pre-commit hook and CI jobs). Never overwrites: when any target exists, nothing is written.

The pre-commit hook and the CI jobs install usm-rules from an `install_source.InstallSource` (its git
repository at a release tag, a local clone, or a package index), never from an index that does not have it."""
from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from .errors import UsageError
from .install_source import InstallSource

CONFIG = """\
# usm-rules configuration: which policies run, and how. `usm-rules check` finds this file by walking up
# from the current directory.
# packs = ["usm", "cemm", "spec"]   # the built-in packs that are on; default: all of them (`spec` has SPEC-001)
policies = ["policies"]          # this repository's own rules (`usm-rules test` runs their tests)
fail_on = "error"                # the lowest severity that fails a run
exclude = ["policies/**", ".github/**", "ci/**", ".pre-commit-config.yaml"]

# Any rule can be re-severitied, parameterised or switched off:
# [rules.USM-010]
# severity = "warning"
# max_gap = 2
#
# [rules.CEMM-007]
# severity = "off"
"""

EXAMPLE_SPEC = """\
# An example service specification: a supported facility (USM) and what its customers want (CEMM).
# `usm-rules check` reports nothing for it; change it, or copy it to describe your own services.
apiVersion: usm/v1
kind: ServiceSpecification
metadata:
  id: svc-meeting-rooms
  name: Meeting rooms, head office
  owner: a.jansen
  status: agreed
  agreementRef: SA-2026-014
provider:
  name: Workplace Services
  valueMaturity: {{level: 3, assessedOn: "{today}", assessedBy: service-board}}
customers:
  - id: sales
    name: Sales department
    valueMaturity: {{level: 3, assessedOn: "{today}", assessedBy: service-board}}
    stakeholders:
      - {{id: sales-lead, role: Head of sales, perspective: business}}
      - {{id: account-managers, role: Account managers, perspective: user}}
facility:
  goods:
    - {{id: rooms, name: Twelve bookable meeting rooms}}
    - {{id: screens, name: Room screens and cameras}}
  actions:
    - {{id: act-reset, name: Room reset after every booking}}
  functionality:
    - {{id: fn-book, description: Rooms can be booked from the calendar, uses: [rooms]}}
    - {{id: fn-present, description: "Laptops connect to the room screen without cables", uses: [screens]}}
    - {{id: fn-ready, description: Every room is tidy and set up at the start of a booking, uses: [act-reset]}}
  functioning:
    - id: fg-ready
      description: Rooms are ready at the booked start time
      metric: {{name: Bookings with the room ready on time, unit: "%", target: 98, operator: ">=", period: P1M, source: booking system}}
support:
  requestTypes: [incident, serviceRequest, requestForChange, wish]
  functionality:
    - {{id: sp-call, description: Room problems reported from the room panel or extension 2200}}
  functioning:
    - id: sp-restore
      description: Room problems solved within 15 minutes during office hours
      metric: {{name: Room problems solved within 15 minutes, unit: "%", target: 90, operator: ">=", period: P1M, source: service desk tool}}
scos:
  - id: sco-meetings-start-on-time
    statement: Client meetings start at the booked time in a room that works, so account managers look prepared.
    observer: {{customer: sales, stakeholder: sales-lead}}
    owner: a.jansen
    actions: [Check every room's screen at 07:30 on working days]
    metric: {{name: Client meetings started on time, unit: "%", target: 97, operator: ">=", baseline: 88, period: P1M, source: sales meeting survey, kind: outcome}}
    tracesTo: [fn-book, fn-present, fn-ready, fg-ready, rooms, screens, act-reset]
    valueBenefits:
      - {{type: valueInUse, beneficiary: customer, status: expected, description: Better first impressions with clients}}
      - {{type: relationship, beneficiary: provider, status: expected, description: Fewer complaints to the service desk}}
  - id: sco-help-in-the-room
    statement: When something in the room does not work, an account manager gets it working again before the client notices.
    observer: {{customer: sales, stakeholder: account-managers}}
    owner: a.jansen
    actions: [Show the support extension on every room panel]
    metric: {{name: Room problems solved within 15 minutes, unit: "%", target: 90, operator: ">=", baseline: 70, period: P1M, source: service desk tool, kind: experience}}
    tracesTo: [sp-call, sp-restore]
    valueBenefits:
      - {{type: valueInUse, beneficiary: both, status: expected, description: Meetings continue without interruption}}
"""

LOCAL_POLICY = """\
# This repository's own rules, beside the built-in `usm` and `cemm` packs. Test them with
# `usm-rules test`, keep them tidy with `usm-rules fmt --check policies`, and see the language in
# docs/policy-language.md of usm-rules.
policy local "Local rules"

rule LOCAL-001 {
  title     "Agreed services name their service agreement"
  severity  error
  rationale "Once a service is agreed, the agreement it is part of must be traceable from its spec."
  tags      ["local", "governance"]
  when spec.metadata.status == "agreed"
  require spec.metadata.agreementRef exists and len(trim(spec.metadata.agreementRef)) > 0
  message "service `{spec.metadata.id}` is agreed but names no `agreementRef`"
  at spec.metadata
}
"""

LOCAL_TESTS = """\
# Test cases for local.policy: `usm-rules test` runs them (add `--coverage` to see what they cover).
# Each case patches the example spec and says which findings it must (expect) and must not (expect_not) give.
as_of: "{today}"
base_spec_file: ../specs/example-service.yaml
cases:
  - name: the example spec is clean
    expect_not: ["*"]

  - name: an agreed service without agreement reference
    remove: [/metadata/agreementRef]
    expect: ["LOCAL-001 /metadata"]

  - name: an agreed service with an empty agreement reference
    patch: {{/metadata/agreementRef: "  "}}
    expect: ["LOCAL-001 /metadata"]

  - name: a draft needs no agreement yet
    patch: {{/metadata/status: draft}}
    remove: [/metadata/agreementRef]
    expect_not: [LOCAL-001]
"""

def pre_commit(source: InstallSource) -> str:
    """The pre-commit config: usm-rules' own hooks at the release tag (pre-commit installs the tool itself), or,
    from a package index, local hooks that install the released package."""
    head = ("# pre-commit (https://pre-commit.com): `pre-commit install`, then every commit checks the specs it touches\n"
            "# and, when policies change, runs their tests and checks their layout.\n")
    if source.from_index:
        dependency = f'additional_dependencies: ["{source.requirement()}"]'
        return head + f"""repos:
  - repo: local
    hooks:
      - id: usm-rules
        name: usm-rules check
        entry: usm-rules check
        language: python
        {dependency}
        types_or: [yaml, json]
        exclude: {HOOK_EXCLUDE}
        require_serial: true
      - id: usm-rules-test
        name: usm-rules policy tests
        entry: usm-rules test
        language: python
        {dependency}
        files: ^policies/
        pass_filenames: false
      - id: usm-rules-fmt
        name: usm-rules policy format
        entry: usm-rules fmt --check
        language: python
        {dependency}
        files: ^policies/.*\\.policy$
"""
    local = ("# usm-rules comes from a local clone: fine on this machine; name its git URL before you push, so that\n"
             "# others get it too (`usm-rules init --source URL` in an empty directory shows the result).\n"
             if source.local else "")
    return head + local + f"""repos:
  - repo: {source.url}
    rev: {source.rev}
    hooks:
      - id: usm-rules
        exclude: {HOOK_EXCLUDE}
      - id: usm-rules-test
      - id: usm-rules-fmt
"""


HOOK_EXCLUDE = "^(policies/|\\.github/|ci/|\\.pre-commit-config\\.yaml$)"


def _pip_install(source: InstallSource) -> str:
    return f"pip install '{source.requirement()}'"


def github_workflow(source: InstallSource) -> str:
    return f"""\
# Checks the specs on every push and pull request; findings appear in the Security tab (code scanning)
# and as annotations on the pull request. The usm-rules repository also has a ready-made action
# (`uses: <its owner/name>@{source.rev}`, see its docs/ci.md) doing the same in one step.
name: usm-rules
on:
  push:
  pull_request:
permissions:
  contents: read
  security-events: write
jobs:
  usm-rules:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - run: {_pip_install(source)}
      - name: Policy tests and format
        run: |
          usm-rules test policies
          usm-rules fmt --check policies
      - name: Check the specs
        run: usm-rules check --format sarif --output usm-rules.sarif
      - name: Upload the findings
        if: always()
        uses: github/codeql-action/upload-sarif@v3
        with:
          sarif_file: usm-rules.sarif
          category: usm-rules
"""


def gitlab_ci(source: InstallSource) -> str:
    return f"""\
# GitLab CI: include this file from your .gitlab-ci.yml
#   include:
#     - local: ci/usm-rules.gitlab-ci.yml
# Findings appear in merge requests through the Code Quality report, and as tests through the JUnit report.
usm-rules:
  image: python:3.11-slim
  stage: test
  before_script:
    - apt-get update -qq && apt-get install -y -qq git > /dev/null   # pip installs usm-rules from git
  script:
    - {_pip_install(source)}
    - usm-rules test policies
    - usm-rules fmt --check policies
    - usm-rules check --output gitlab:gl-code-quality-report.json --output junit:usm-rules.junit.xml
  artifacts:
    when: always
    reports:
      codequality: gl-code-quality-report.json
      junit: usm-rules.junit.xml
"""


def files(source: InstallSource, today: _dt.date | None = None) -> dict[str, str]:
    """Relative path -> content of everything `init` writes; CI and pre-commit install usm-rules from `source`."""
    day = (today or _dt.date.today()).isoformat()
    return {
        "usm-rules.toml": CONFIG,
        "specs/example-service.yaml": EXAMPLE_SPEC.format(today=day),
        "policies/local.policy": LOCAL_POLICY,
        "policies/local.test.yaml": LOCAL_TESTS.format(today=day),
        ".pre-commit-config.yaml": pre_commit(source),
        ".github/workflows/usm-rules.yml": github_workflow(source),
        "ci/usm-rules.gitlab-ci.yml": gitlab_ci(source),
    }


def init(directory: str, source: InstallSource, today: _dt.date | None = None) -> list[str]:
    """Write the scaffold into `directory`; the paths written. UsageError naming every file that is already
    there (then nothing is written)."""
    from .writing import write_atomic

    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise UsageError(f"`{directory}` is not a directory")
    content = files(source, today)
    existing = [rel for rel in content if os.path.lexists(root / rel)]
    if existing:
        names = ", ".join(f"`{(root / rel).as_posix()}`" for rel in existing)
        raise UsageError(f"init would overwrite {names}; nothing was written (move them away, or run init in "
                         "another directory)")
    written = []
    for rel, text in content.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(target, text.encode("utf-8"))
        written.append(target.as_posix())
    return written
