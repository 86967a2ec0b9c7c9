"""Evaluation answers through the serving engine (no second engine, nothing left loaded, refusals reported),
and answers reused from earlier evaluations only for the same model, prompt and settings."""

from dataclasses import replace

import httpx
import pytest

from eval.answer_cache import AnswerCache, generation_settings, prompt_key
from eval.generation import (BASE_NAME, Generated, answer_all, find_serving_engine, generate_for_versions,
                             served_base_name)
from tests.serve.adapters import make_adapter

PROMPTS = [[{"role": "user", "content": "How long do I have to return an item?"}],
           [{"role": "user", "content": "Where is my order #SN12345?"}],
           [{"role": "user", "content": "'; DROP TABLE turns; -- can I cancel?"}]]


@pytest.mark.parametrize("cards, base_model, expected", [
    ([{"id": "base", "root": "/models/tiny", "parent": None}], "/models/tiny", "base"),
    ([{"id": "support-v0001", "root": "/reg/v0001", "parent": "base"},
      {"id": "served", "root": "/models/tiny", "parent": None}], "/models/tiny", "served"),
    ([{"id": "base", "root": "/models/other", "parent": None}], "/models/tiny", None),
    ([{"id": "x", "root": "/models/tiny", "parent": "base"}], "/models/tiny", None),  # an adapter, not the base
    ([], "/models/tiny", None),
    ([{"id": "base", "root": "org/model", "parent": None}], "org/model", "base"),    # a hub id
])
def test_served_base_name(cards, base_model, expected):
    assert served_base_name({"data": cards}, base_model) == expected


def test_the_serving_engine_is_found_only_when_it_serves_the_base_model(vllm_engine, tiny_model_dir, tmp_path):
    _, config = vllm_engine
    engine, why_not = find_serving_engine(config, str(tiny_model_dir))
    assert engine is not None and why_not == "" and engine.base_name == "base"

    engine, why_not = find_serving_engine(config, str(tmp_path))
    assert engine is None and "serves another base model" in why_not

    closed = replace(config, engine_url="http://127.0.0.1:9")  # the discard port: nothing answers
    engine, why_not = find_serving_engine(closed, str(tiny_model_dir))
    assert engine is None and "no serving engine answers at http://127.0.0.1:9" in why_not


def _loaded_names(config) -> set[str]:
    response = httpx.get(f"http://127.0.0.1:{config.engine_port}/v1/models", timeout=10)
    return {card["id"] for card in response.json()["data"]}


def test_versions_are_answered_by_the_serving_engine_and_unloaded_after(vllm_engine, tiny_model_dir, tmp_path):
    _, config = vllm_engine
    adapter = make_adapter(tiny_model_dir, tmp_path / "v0007", seed=7)
    broken = tmp_path / "v0008"
    broken.mkdir()
    (broken / "adapter_config.json").write_text("{not json")
    names_before = _loaded_names(config)
    log_file = tmp_path / "eval-engine.log"

    run = generate_for_versions(config, str(tiny_model_dir), {"v0007": adapter, "v0008": broken}, PROMPTS,
                                max_tokens=12, log_file=log_file, offline=True, use_serving_engine=True)

    assert run.engine.startswith("serving engine http://127.0.0.1:")
    assert not log_file.exists()  # no engine of its own was started
    assert set(run.answers) == {BASE_NAME, "v0007"} and all(len(a) == len(PROMPTS) for a in run.answers.values())
    assert set(run.refused) == {"v0008"} and "v0008" in run.refused["v0008"]
    # greedy answers: the base's are the serving engine's own, and the adapter changes them
    direct = answer_all(f"http://127.0.0.1:{config.engine_port}", "base", PROMPTS, max_tokens=12)
    assert [g.text for g in run.answers[BASE_NAME]] == [g.text for g in direct]
    assert [g.text for g in run.answers["v0007"]] != [g.text for g in direct]
    assert _loaded_names(config) == names_before  # the eval- adapters are gone; what the app loaded stays


def test_answers_are_reused_only_for_the_same_model_prompt_and_settings(vllm_engine, tiny_model_dir, tmp_path):
    _, config = vllm_engine
    adapter = make_adapter(tiny_model_dir, tmp_path / "v0007", seed=7)
    cache = AnswerCache(tmp_path / "answers", generation_settings(12, "cpu/auto", 512))

    def generate(prompts, adapters, answer_cache=cache):
        return generate_for_versions(config, str(tiny_model_dir), adapters, prompts, max_tokens=12,
                                     log_file=tmp_path / "engine.log", offline=True, cache=answer_cache)

    first = generate(PROMPTS[:2], {"v0007": adapter})
    assert first.reused == {} and first.engine.startswith("serving engine")

    again = generate(PROMPTS, {"v0007": adapter})  # one new prompt: only it is generated
    assert again.reused == {BASE_NAME: 2, "v0007": 2} and again.engine.startswith("serving engine")
    for name in (BASE_NAME, "v0007"):
        assert [g.text for g in again.answers[name][:2]] == [g.text for g in first.answers[name]]
        assert len(again.answers[name]) == 3

    cached = generate(PROMPTS, {"v0007": adapter})
    assert cached.reused == {BASE_NAME: 3, "v0007": 3} and cached.engine == "no engine (every answer reused)"
    assert {n: [g.text for g in a] for n, a in cached.answers.items()} == \
        {n: [g.text for g in a] for n, a in again.answers.items()}

    retrained = make_adapter(tiny_model_dir, tmp_path / "other" / "v0007", seed=8)  # same name, other weights
    longer = AnswerCache(tmp_path / "answers", generation_settings(16, "cpu/auto", 512))
    assert generate(PROMPTS, {"v0007": retrained}).reused == {BASE_NAME: 3}
    assert generate(PROMPTS, {"v0007": adapter}, longer).reused == {}


def test_a_torn_cache_line_is_skipped(tmp_path):
    cache = AnswerCache(tmp_path, {"max_tokens": 8})
    cache.store("model-a", PROMPTS[:2], [Generated("one", 1.0, "stop"), Generated("two", 2.0, "length")])
    (path,) = tmp_path.glob("*.jsonl")
    with path.open("a") as handle:
        handle.write('{"prompt": "abc", "text": "half a li')  # a crash mid-write
    assert cache.lookup("model-a", PROMPTS) == {0: Generated("one", 1.0, "stop"), 1: Generated("two", 2.0, "length")}
    assert cache.lookup("model-b", PROMPTS) == {}
    system = [{"role": "system", "content": "Be brief."}, *PROMPTS[0]]
    assert prompt_key(system) != prompt_key(PROMPTS[0]) and prompt_key(PROMPTS[0]) == prompt_key(list(PROMPTS[0]))
