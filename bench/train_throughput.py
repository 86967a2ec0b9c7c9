"""Adapter-training throughput: length-grouped, dynamically padded batches vs a plain padded HF Trainer baseline.

    .venv/bin/python bench/train_throughput.py [--model DIR] [--examples 384] [--steps 24] [--max-length 512]

Both runs train the same LoRA on the same examples and model with the same steps, in this one process;
the baseline pads every batch to --max-length and samples at random (what a plain Trainer setup does).
Prints real (non-padding) tokens per second, the ratio, and each run's validation loss.
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="base model directory (default: the configured base model, built if needed)")
    parser.add_argument("--examples", type=int, default=384)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--max-length", type=int, default=512)
    args = parser.parse_args()

    from transformers import AutoTokenizer

    from corpus.generate import generate_corpus
    from corpus.policy import load_policy
    from retrain.sft_examples import SftExample, tokenize_examples
    from retrain.train_adapter import train_adapter
    from supportloop.base import ensure_base_model
    from supportloop.config import RetrainConfig, load_config

    config = load_config()
    model_dir = args.model or ensure_base_model(config, announce=lambda _: None)[0].name_or_path
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    conversations = [c for c in generate_corpus(load_policy(None)) if c.split != "golden"]
    # Every prefix ending in an assistant turn is an example: a realistic mix of short and long prompts.
    examples = [SftExample(tuple(c.messages[: end + 1]), example_id=f"{c.id}:{end}")
                for c in conversations for end in range(1, len(c.messages), 2)]
    tokenized, _ = tokenize_examples(tokenizer, examples, config.serve.system_prompt, args.max_length)
    train, validation = tokenized[: args.examples], tokenized[args.examples: args.examples + 64]
    retrain = RetrainConfig(max_steps=args.steps, eval_steps=args.steps, max_length=args.max_length,
                            early_stopping_patience=0, batch_size=16)
    rows = []
    for name, pad_to_max in (("padded to max_length (baseline)", True), ("length-grouped, dynamic padding", False)):
        with tempfile.TemporaryDirectory() as work:
            result = train_adapter(model_dir, tokenizer, train, validation, retrain, Path(work) / "work",
                                   Path(work) / "adapter", show_progress=False, pad_to_max_length=pad_to_max)
        rows.append((name, result.tokens_per_second, result.best_validation_loss, result.seconds))
    print(f"\nmodel {model_dir}; {len(train)} examples, {args.steps} steps of 16, max_length {args.max_length}")
    print(f"{'batches':<34} {'tokens/s':>9} {'val loss':>9} {'seconds':>8}")
    for name, speed, loss, seconds in rows:
        print(f"{name:<34} {speed:9.0f} {loss:9.4f} {seconds:8.1f}")
    print(f"speed-up: {rows[1][1] / rows[0][1]:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
