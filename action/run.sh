#!/usr/bin/env bash
# The shell steps of the usm-rules GitHub Action (action.yml): `run.sh install`, then `run.sh check`.
#
# Inputs come as environment variables, never as text pasted into a script, so no input can run a command:
#   INPUT_PATHS        files and directories to check, separated by spaces or new lines [default: .]
#   INPUT_ARGS         more `usm-rules check` options, separated by spaces (no quoting) [default: none]
#   INPUT_SARIF_FILE   where the SARIF report goes [default: usm-rules.sarif]
# and the runner's own: GITHUB_ACTION_PATH (this repository, at the ref the workflow `uses:`), RUNNER_TEMP,
# GITHUB_PATH, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY. Nothing else is read; tests run both steps with faked ones.
set -euo pipefail

install() {
  # A virtual environment of its own, so that the workflow's Python packages are neither used nor changed;
  # usm-rules is installed from the action's own checkout, which is the version the workflow asked for.
  local venv="$RUNNER_TEMP/usm-rules-venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"
  echo "$venv/bin" >> "$GITHUB_PATH"
}

check() {
  local sarif="${INPUT_SARIF_FILE:-usm-rules.sarif}"
  local json="$RUNNER_TEMP/usm-rules-report.json"
  local -a paths args
  read -r -d '' -a paths <<< "${INPUT_PATHS:-.}" || true
  read -r -d '' -a args <<< "${INPUT_ARGS:-}" || true
  [ "${#paths[@]}" -gt 0 ] || paths=(.)
  rm -f "$json"
  mkdir -p -- "$(dirname -- "$sarif")"
  local status=0
  # Annotations on the pull request (github), code scanning (sarif), and the JSON the summary is made from.
  usm-rules check --format github --output "sarif:$sarif" --output "json:$json" "${args[@]}" -- "${paths[@]}" \
    || status=$?
  echo "exit-code=$status" >> "$GITHUB_OUTPUT"
  if [ -f "$sarif" ]; then
    echo "sarif-file=$sarif" >> "$GITHUB_OUTPUT"
  fi
  if [ -f "$json" ]; then
    python -m usm_rules.step_summary "$json" >> "$GITHUB_STEP_SUMMARY"
  else
    printf '## usm-rules\n\nThe specs could not be checked (exit status %s): see the log of this step.\n' "$status" \
      >> "$GITHUB_STEP_SUMMARY"
  fi
  return "$status"
}

case "${1:-}" in
  install) install ;;
  check) check ;;
  *) echo "usage: $0 install|check" >&2; exit 2 ;;
esac
