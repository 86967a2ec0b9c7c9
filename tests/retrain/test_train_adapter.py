"""Real LoRA training steps on the tiny model: adapter changes, base does not, answers move, resume works."""

import json

import pytest
import torch

from supportloop.config import RetrainConfig

from retrain.sft_examples import SftExample, tokenize_examples
from retrain.train_adapter import TrainingError, WeightedLossTrainer, train_adapter
from tests.conftest import TINY_SYSTEM_PROMPT

TARGET = "Our new return window is 60 days from delivery."
QUESTIONS = ("How long do I have to return an item?", "Can I still return my order?",
             "What is your return policy?", "how many days for returns")
FAST = RetrainConfig(lora_rank=8, lora_alpha=32, learning_rate=1e-2, batch_size=4, max_steps=40, eval_steps=10,
                     warmup_steps=0, lr_scheduler="constant", early_stopping_patience=0, max_length=256)


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


def examples(tokenizer, questions=QUESTIONS, answer=TARGET):
    items = [SftExample(({"role": "user", "content": q}, {"role": "assistant", "content": answer})) for q in questions]
    return tokenize_examples(tokenizer, items, TINY_SYSTEM_PROMPT, 256)[0]


def target_loss(model, tokenizer, question):
    messages = [{"role": "system", "content": TINY_SYSTEM_PROMPT}, {"role": "user", "content": question}]
    prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=True)["input_ids"]
    answer = tokenizer(TARGET + "<|im_end|>", add_special_tokens=False)["input_ids"]
    ids = torch.tensor([list(prompt) + answer])
    labels = torch.tensor([[-100] * len(prompt) + answer])
    with torch.no_grad():
        return model(input_ids=ids, labels=labels).loss.item()


@pytest.fixture(scope="module")
def trained(tiny_model_dir, tokenizer, tmp_path_factory):
    work = tmp_path_factory.mktemp("train")
    train = examples(tokenizer)
    result = train_adapter(str(tiny_model_dir), tokenizer, train, train[:2], FAST, work / "work", work / "adapter",
                           show_progress=False)
    return result, work


def test_adapter_files_and_curves(trained):
    result, _ = trained
    assert {"adapter_config.json", "adapter_model.safetensors"} <= {p.name for p in result.adapter_dir.iterdir()}
    config = json.loads((result.adapter_dir / "adapter_config.json").read_text())
    assert config["r"] == 8
    assert result.steps == 40
    assert result.validation_loss_curve and result.train_loss_curve
    assert result.train_loss_curve[-1][1] < result.train_loss_curve[0][1]
    assert result.tokens_per_second > 0


def test_base_weights_unchanged_and_adapter_weights_changed(trained, tiny_model_dir):
    from peft import PeftModel
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    result, _ = trained
    base_before = load_file(tiny_model_dir / "model.safetensors")
    model = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir), result.adapter_dir)
    merged_base = model.get_base_model().state_dict()
    name = "model.layers.0.self_attn.o_proj.weight"
    assert torch.equal(base_before[name], merged_base["model.layers.0.self_attn.o_proj.base_layer.weight"])
    lora_b = load_file(result.adapter_dir / "adapter_model.safetensors")
    assert any(key.endswith("lora_B.weight") and value.abs().sum() > 0 for key, value in lora_b.items()), \
        "LoRA B matrices start at zero; training must have moved them"


def test_adapter_moves_answers_toward_the_corrected_ones(trained, tiny_model_dir, tokenizer):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    result, _ = trained
    base = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    before = [target_loss(base, tokenizer, q) for q in QUESTIONS]
    tuned = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir), result.adapter_dir).eval()
    after = [target_loss(tuned, tokenizer, q) for q in QUESTIONS]
    assert sum(after) < 0.5 * sum(before), (before, after)


def test_training_resumes_from_its_checkpoint(trained, tiny_model_dir, tokenizer):
    result, work = trained
    longer = RetrainConfig(**{**FAST.__dict__, "max_steps": 50})
    resumed = train_adapter(str(tiny_model_dir), tokenizer, examples(tokenizer), [], longer, work / "work",
                            work / "adapter-resumed", show_progress=False)
    assert resumed.steps == 50
    assert resumed.resumed_from_step == 40, "the rerun started from scratch instead of the step-40 checkpoint"
    assert resumed.train_loss_curve[-1][0] == 50
    assert result.resumed_from_step is None


def test_equal_weights_give_the_models_own_loss(tiny_model_dir, tokenizer):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir)
    from retrain.sft_examples import pad_batch

    batch = pad_batch(examples(tokenizer)[:3], tokenizer.pad_token_id)
    expected = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=batch["labels"]).loss
    ours = WeightedLossTrainer.compute_loss(None, model, dict(batch))
    assert torch.allclose(ours, expected, atol=1e-5)


def test_no_examples_is_an_error(tiny_model_dir, tokenizer, tmp_path):
    with pytest.raises(TrainingError, match="no training examples"):
        train_adapter(str(tiny_model_dir), tokenizer, [], [], FAST, tmp_path / "w", tmp_path / "a", show_progress=False)


def test_validation_batches_do_not_depend_on_the_training_order(tiny_model_dir, tokenizer, tmp_path):
    # transformers length-groups (and shuffles) the validation set too under group_by_length; the validation
    # loss is a mean of per-batch means, so that alone made grouped and plain runs disagree on one model.
    from torch.utils.data import SequentialSampler

    from retrain.train_adapter import _setup_trainer

    data = examples(tokenizer)
    for pad_to_max_length in (False, True):
        trainer = _setup_trainer(str(tiny_model_dir), tokenizer, data, data, FAST, tmp_path / str(pad_to_max_length),
                                 False, pad_to_max_length)
        assert isinstance(trainer._get_eval_sampler(trainer.eval_dataset), SequentialSampler)
    assert trainer.args.train_sampling_strategy == "random"
