"""The vLLM launch builder is pure: every flag and variable it must set, table-tested."""


import pytest

from supportloop.config import ServeConfig

from serve.engine import EngineError, build_engine_launch, port_is_free, resolve_device


def flag(argv, name):
    return argv[argv.index(name) + 1]


def test_cpu_launch_has_lora_runtime_loading_and_binds_loopback():
    config = ServeConfig(engine_port=8123, max_lora_rank=32, max_loras=3, cpu_kvcache_space_gib=2)
    launch = build_engine_launch(config, "/models/base", "cpu", python="/venv/bin/python")
    argv = list(launch.argv)
    assert argv[:3] == ["/venv/bin/python", "-m", "vllm.entrypoints.openai.api_server"]
    assert flag(argv, "--model") == "/models/base"
    assert flag(argv, "--host") == "127.0.0.1"
    assert flag(argv, "--port") == "8123"
    assert "--enable-lora" in argv
    assert flag(argv, "--max-lora-rank") == "32"
    assert flag(argv, "--max-loras") == "3"
    assert int(flag(argv, "--max-cpu-loras")) >= 3
    assert flag(argv, "--dtype") == "float32"
    assert "--enforce-eager" in argv
    assert "--gpu-memory-utilization" not in argv
    assert launch.env["VLLM_ALLOW_RUNTIME_LORA_UPDATING"] == "True"
    assert launch.env["VLLM_CPU_KVCACHE_SPACE"] == "2"
    assert launch.env["HF_HUB_OFFLINE"] == "1"
    assert launch.url == "http://127.0.0.1:8123"


def test_gpu_launch_uses_bfloat16_and_memory_share():
    launch = build_engine_launch(ServeConfig(gpu_memory_utilization=0.5), "org/model", "gpu", offline=False)
    argv = list(launch.argv)
    assert flag(argv, "--dtype") == "bfloat16"
    assert flag(argv, "--gpu-memory-utilization") == "0.5"
    assert "--enforce-eager" not in argv
    assert "VLLM_CPU_KVCACHE_SPACE" not in launch.env
    assert "HF_HUB_OFFLINE" not in launch.env


def test_explicit_dtype_wins():
    launch = build_engine_launch(ServeConfig(dtype="bfloat16"), "m", "cpu")
    assert flag(list(launch.argv), "--dtype") == "bfloat16"


def test_api_key_goes_through_environment_not_argv():
    launch = build_engine_launch(ServeConfig(engine_api_key="s3cret"), "m", "cpu")
    assert "s3cret" not in " ".join(launch.argv)
    assert launch.env["VLLM_API_KEY"] == "s3cret"


def test_preloaded_adapters_are_named():
    launch = build_engine_launch(ServeConfig(), "m", "cpu", lora_modules={"support-v0002": "/r/v0002", "support-v0001": "/r/v0001"})
    argv = list(launch.argv)
    values = [argv[i + 1] for i, item in enumerate(argv) if item == "--lora-modules"]
    assert values == ["support-v0001=/r/v0001", "support-v0002=/r/v0002"]


@pytest.mark.parametrize("setting, installed, expected", [
    ("auto", "cpu", "cpu"), ("auto", "gpu", "gpu"), ("cpu", "cpu", "cpu"), ("gpu", "gpu", "gpu"),
])
def test_device_resolution(setting, installed, expected):
    assert resolve_device(setting, installed) == expected


@pytest.mark.parametrize("setting, installed, message", [
    ("auto", None, "vLLM is not installed"),
    ("gpu", "cpu", "./install.sh --gpu"),
    ("cpu", "gpu", "installed vLLM build is for gpu"),
])
def test_device_mismatch_is_explained(setting, installed, message):
    with pytest.raises(EngineError, match=message):
        resolve_device(setting, installed)


def test_port_probe_sees_a_listening_socket():
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert not port_is_free("127.0.0.1", server.getsockname()[1])
