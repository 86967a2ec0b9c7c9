"""SFT tokenization: only the final answer is a target; long and malformed examples are dropped and counted."""

import pytest

from retrain.sft_examples import IGNORE_INDEX, SftExample, TokenizedExample, pad_batch, tokenize_examples


@pytest.fixture(scope="module")
def tokenizer(tiny_model_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)


def example(*turns, weight=1.0):
    roles = ("user", "assistant") * 4
    return SftExample(messages=tuple({"role": r, "content": t} for r, t in zip(roles, turns)), weight=weight, example_id="e")


def test_only_the_last_answer_is_labelled(tokenizer):
    (item,), report = tokenize_examples(tokenizer, [example("Hi", "Hello there", "Return?", "Within 30 days.")], "Sys", 512)
    assert report.kept == 1
    target = [t for t, label in zip(item.input_ids, item.labels) if label != IGNORE_INDEX]
    assert tokenizer.decode(target) == "Within 30 days.<|im_end|>\n"
    assert item.labels[0] == IGNORE_INDEX


@pytest.mark.parametrize("bad, reason", [
    (example("Only a question"), "does not end with a non-empty assistant answer"),
    (example("Q", "   "), "does not end with a non-empty assistant answer"),
])
def test_malformed_examples_are_dropped_with_a_reason(tokenizer, bad, reason):
    kept, report = tokenize_examples(tokenizer, [bad], "Sys", 512)
    assert kept == [] and report.dropped_malformed == 1 and reason in report.reasons[0]


def test_too_long_examples_are_dropped_and_counted(tokenizer):
    kept, report = tokenize_examples(tokenizer, [example("word " * 400, "ok"), example("Q", "A")], "Sys", 64)
    assert report.dropped_too_long == 1 and report.kept == 1 and len(kept) == 1


def test_weights_are_carried(tokenizer):
    (item,), _ = tokenize_examples(tokenizer, [example("Q", "A", weight=0.3)], "", 64)
    assert item.weight == 0.3


def test_pad_batch_pads_to_the_longest_member_only():
    batch = pad_batch([TokenizedExample([1, 2, 3], [-100, 2, 3], 1.0), TokenizedExample([4], [4], 0.5)], pad_token_id=0)
    assert batch["input_ids"].tolist() == [[1, 2, 3], [4, 0, 0]]
    assert batch["labels"].tolist() == [[-100, 2, 3], [4, -100, -100]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [1, 0, 0]]
    assert batch["weights"].tolist() == [1.0, 0.5]
    assert pad_batch([TokenizedExample([1], [1], 1.0)], 0, pad_to=4)["input_ids"].shape == (1, 4)
