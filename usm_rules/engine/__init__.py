"""The engine: files -> loaded documents -> schema check -> compiled rules -> findings. No printing, no exiting.

One module per job:
- options.py     config + flags -> frozen EngineOptions (built once, here)
- bind.py        compiled policies + options -> RuleSet (params bound, rules selected, unknown ids refused)
- discover.py    paths -> files to check, the project root, files changed since a git ref
- locate.py      FileId; a rule's Hit located in its document; Findings built
- check.py       one file: read, load, schema, spec-scope rules
- repository.py  repository-scope rules (shared with `usm-rules test`)
- passes.py      dated ramps, inline suppressions, waivers, baseline: each list[Finding] -> list[Finding]
- workers.py     --jobs: forked workers, robust to a lost worker
- run.py         the run itself
"""
from .bind import RuleSet, load_rules, unknown_rule_error
from .check import FileResult, RepoEntry, check_file, check_loaded
from .locate import FileId
from .options import EngineOptions, Flags, build_options, builtin_packs
from .run import run

__all__ = ["EngineOptions", "FileId", "FileResult", "Flags", "RepoEntry", "RuleSet", "build_options",
           "builtin_packs", "check_file", "check_loaded", "load_rules", "run", "unknown_rule_error"]
