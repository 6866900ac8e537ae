from usm_rules.cli import entry

entry()
