#!/usr/bin/env bash
# Create (once) the Python 3.10 virtualenv that runs Rasa Open Source 3.6.
#
# Why a separate environment: Rasa 3.6 supports Python 3.8-3.10 only and pins TensorFlow 2.12, which
# cannot live in the app's Python 3.11 venv. The env lives OUTSIDE the clone (CI clones afresh each
# run but runs on the same machine, so the ~2 GB install is paid once) and is keyed by the Rasa
# version so an upgrade builds a new one beside the old.
#
# Usage: nlu/rasa/setup_env.sh            -> prints the env's python path on the last line of stdout
#        SUARAWARGA_RASA_PYTHON=/path/python3.10 nlu/rasa/setup_env.sh   (choose the interpreter)
# Idempotent: a stamp file records a finished install; a half-finished one is redone.
set -euo pipefail

RASA_VERSION="${SUARAWARGA_RASA_VERSION:-3.6.21}"
RASA_HOME="${SUARAWARGA_RASA_HOME:-$HOME/.cache/suarawarga}"
ENV_DIR="$RASA_HOME/rasa-3.6-py3.10"
STAMP="$ENV_DIR/.suarawarga-installed-$RASA_VERSION"

if [[ -f "$STAMP" && -x "$ENV_DIR/bin/rasa" ]]; then
  echo "Rasa $RASA_VERSION already installed in $ENV_DIR" >&2
  echo "$ENV_DIR/bin/python"
  exit 0
fi

find_python310() {
  local candidates=()
  [[ -n "${SUARAWARGA_RASA_PYTHON:-}" ]] && candidates+=("$SUARAWARGA_RASA_PYTHON")
  if command -v pyenv >/dev/null 2>&1; then
    local root
    root="$(pyenv root)"
    for d in "$root"/versions/3.10*; do
      [[ -x "$d/bin/python" ]] && candidates+=("$d/bin/python")
    done
  fi
  [[ -x "$HOME/.pyenv/versions/3.10.13/bin/python" ]] && candidates+=("$HOME/.pyenv/versions/3.10.13/bin/python")
  command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
  for c in "${candidates[@]}"; do
    if "$c" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; then
      echo "$c"
      return 0
    fi
  done
  return 1
}

if ! PY310="$(find_python310)"; then
  cat >&2 <<'MSG'
ERROR: Rasa 3.6 needs Python 3.10 (it does not support 3.11+), and none was found.
Do one of:
  * install Python 3.10: `pyenv install 3.10.13`, or `apt-get install python3.10 python3.10-venv`
    where your distribution ships it, or point SUARAWARGA_RASA_PYTHON at a python3.10 binary;
  * or run Rasa in Docker instead: `docker compose --profile rasa up rasa`
    (official image rasa/rasa:3.6.21-full, serving on 127.0.0.1:5005; see nlu/rasa/README.md).
MSG
  exit 3
fi

echo "Installing Rasa $RASA_VERSION into $ENV_DIR with $PY310 (downloads TensorFlow, several minutes)" >&2
mkdir -p "$RASA_HOME"
rm -rf "$ENV_DIR"
"$PY310" -m venv "$ENV_DIR"
"$ENV_DIR/bin/python" -m pip install --quiet --upgrade "pip<24.1" "setuptools<70" wheel >&2
# The pins below are what Rasa 3.6's own metadata leaves too loose and which break it at run time:
# - sqlalchemy<2: Rasa's tracker store uses the 1.4 API;
# - protobuf<4.24 / tensorflow-io-gcs-filesystem: avoid resolver back-tracking into broken wheels.
"$ENV_DIR/bin/python" -m pip install --quiet \
  "rasa==$RASA_VERSION" \
  "sqlalchemy>=1.4,<2" >&2
"$ENV_DIR/bin/rasa" --version >&2
touch "$STAMP"
echo "Rasa $RASA_VERSION ready in $ENV_DIR" >&2
echo "$ENV_DIR/bin/python"
