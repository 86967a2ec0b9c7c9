"""The self-built base model: what it writes, and that transformers and peft load and run it."""

import json

import pytest

from supportloop.config import SupportloopConfig

from retrain.base_model import BaseModelError, build_base_model, check_causal_lm_directory, resolve_base_model
from tests.conftest import TINY_MODEL, TINY_SYSTEM_PROMPT

EXPECTED_FILES = {"config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
                  "tokenizer_config.json", "chat_template.jinja", "supportloop_manifest.json",
                  "training_conversations.jsonl"}


def test_model_directory_holds_exactly_the_expected_files(tiny_model_dir):
    assert {p.name for p in tiny_model_dir.iterdir()} == EXPECTED_FILES
    assert not [p for p in tiny_model_dir.parent.iterdir() if p.name.startswith(".")], "staging directory left behind"


def test_manifest_describes_the_build(tiny_model_dir, tiny_corpus):
    manifest = json.loads((tiny_model_dir / "supportloop_manifest.json").read_text())
    assert manifest["corpus_hash"] == tiny_corpus.sha256
    assert manifest["config"]["hidden_size"] == TINY_MODEL.hidden_size
    assert manifest["system_prompt"] == TINY_SYSTEM_PROMPT
    assert manifest["loss_history"][0] > manifest["final_train_loss"], "training did not lower the loss"
    assert manifest["validation_loss"] is not None


def test_keeps_its_training_conversations_for_replay(tiny_model_dir, tiny_corpus):
    from retrain.replay import read_training_conversations

    kept = read_training_conversations(str(tiny_model_dir))
    assert [c.id for c in kept] == [c.id for c in tiny_corpus.conversations if c.split == "base_train"]
    assert read_training_conversations(str(tiny_model_dir.parent)) is None  # a directory without them


def test_loads_in_transformers_and_generates_a_turn(tiny_model_dir):
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    messages = [{"role": "system", "content": TINY_SYSTEM_PROMPT}, {"role": "user", "content": "Where is my order?"}]
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
    assert tokenizer.decode(prompt["input_ids"][0]).endswith("<|im_start|>assistant\n")
    with torch.no_grad():
        output = model.generate(**prompt, max_new_tokens=12, do_sample=False)
    assert output.shape[1] > prompt["input_ids"].shape[1]
    assert model.generation_config.eos_token_id == tokenizer.convert_tokens_to_ids("<|im_end|>")


def test_the_training_loss_on_answers_is_the_one_transformers_computes(tiny_model_dir):
    """The builder projects only labelled positions onto the vocabulary; the loss must not change by it."""
    import torch
    from transformers import AutoModelForCausalLM

    from retrain.base_model import _answer_loss

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    inputs = torch.randint(3, model.config.vocab_size, (3, 40), generator=torch.Generator().manual_seed(0))
    labels = inputs.clone()
    labels[:, :25] = -100  # the prompt
    labels[1, 30:] = -100  # a shorter answer
    with torch.no_grad():
        expected = model(input_ids=inputs, labels=labels).loss
        assert torch.allclose(_answer_loss(model, inputs, labels), expected, atol=1e-5)
        assert _answer_loss(model, inputs, torch.full_like(labels, -100)).item() == 0.0  # nothing to learn


def test_chat_template_marks_only_assistant_tokens(tiny_model_dir):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    messages = [{"role": "user", "content": "Hi there"}, {"role": "assistant", "content": "Hello, how can I help?"}]
    encoded = tokenizer.apply_chat_template(messages, return_dict=True, return_assistant_tokens_mask=True)
    kept = [token for token, keep in zip(encoded["input_ids"], encoded["assistant_masks"]) if keep]
    assert tokenizer.decode(kept) == "Hello, how can I help?<|im_end|>"


def test_a_lora_adapter_attaches_with_peft(tiny_model_dir):
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    ids = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad():
        before = base(input_ids=ids).logits.clone()
    model = get_peft_model(base, LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj", "gate_proj"],
                                            task_type="CAUSAL_LM"))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert 0 < trainable < sum(p.numel() for p in model.parameters())
    with torch.no_grad():
        # LoRA's B matrices start at zero: attaching an adapter must not change the model's output.
        assert torch.allclose(model(input_ids=ids).logits, before, atol=1e-6)


def test_build_is_deterministic(tiny_corpus, tiny_model_dir, tmp_path):
    from safetensors.torch import load_file

    again = tmp_path / "again"
    build_base_model(tiny_corpus.conversations, TINY_MODEL, TINY_SYSTEM_PROMPT, again, tiny_corpus.sha256,
                     show_progress=False)
    first, second = load_file(tiny_model_dir / "model.safetensors"), load_file(again / "model.safetensors")
    assert first.keys() == second.keys()
    assert all((first[k] == second[k]).all() for k in first)


def test_nothing_is_left_behind_when_the_build_fails(tiny_corpus, tmp_path):
    target = tmp_path / "models" / "broken"
    no_training = [c for c in tiny_corpus.conversations if c.split != "base_train"]
    with pytest.raises(BaseModelError, match="no base_train conversations"):
        build_base_model(no_training, TINY_MODEL, TINY_SYSTEM_PROMPT, target, "x", show_progress=False)
    assert not target.exists()
    assert not (tmp_path / "models").exists() or not list((tmp_path / "models").iterdir())


def test_refuses_to_overwrite_a_model(tiny_corpus, tiny_model_dir):
    with pytest.raises(BaseModelError, match="already exists"):
        build_base_model(tiny_corpus.conversations, TINY_MODEL, TINY_SYSTEM_PROMPT, tiny_model_dir, "x", show_progress=False)


def test_configured_base_model_is_checked(tmp_path, tiny_model_dir):
    def resolve(value):
        return resolve_base_model(SupportloopConfig(base_model=value), None)

    with pytest.raises(BaseModelError, match="does not exist"):
        resolve(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(BaseModelError, match="no config.json"):
        resolve(str(tmp_path / "empty"))
    (tmp_path / "bert").mkdir()
    (tmp_path / "bert" / "config.json").write_text(json.dumps({"architectures": ["BertModel"]}))
    with pytest.raises(BaseModelError, match="not a causal language model"):
        resolve(str(tmp_path / "bert"))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text("{not json")
    with pytest.raises(BaseModelError, match="not valid JSON"):
        check_causal_lm_directory(tmp_path / "bad")
    assert resolve(str(tiny_model_dir)).name_or_path == str(tiny_model_dir.resolve())
    assert resolve("Qwen/Qwen2.5-0.5B-Instruct").name_or_path == "Qwen/Qwen2.5-0.5B-Instruct"


def test_builtin_model_must_be_built_first(tmp_path):
    with pytest.raises(BaseModelError, match="supportloop base build"):
        resolve_base_model(SupportloopConfig(), tmp_path / "not-built")
