"""Adapter-training throughput: length-grouped, dynamically padded batches vs a plain padded HF Trainer baseline.

    .venv/bin/python bench/train_throughput.py [--model DIR] [--examples 384] [--steps 24] [--max-length 512]
                                               [--seeds 0 1 2]

Both runs train the same LoRA on the same examples and model with the same steps, in this one process;
the baseline pads every batch to --max-length and samples at random (what a plain Trainer setup does).
Both see every training example once per epoch and are validated on the same batches of the same examples.
Prints real (non-padding) tokens per second, the ratio, and each run's validation loss, per seed: the seed
changes the LoRA initialisation and the example order, and the validation loss moves with it, so one pair of
runs cannot say whether grouping changes it. The verdict compares the mean paired difference (grouped minus
baseline, same seed) with its standard error.
"""

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MODES = (("padded to max_length (baseline)", True), ("length-grouped, dynamic padding", False))


def verdict(differences: list[float]) -> str:
    """Grouped minus baseline validation loss per seed → 'lower', 'higher' or 'within noise' (±2 standard errors)."""
    mean = statistics.fmean(differences)
    if len(differences) < 2:
        return f"{mean:+.4f} (one seed: no noise estimate)"
    error = statistics.stdev(differences) / len(differences) ** 0.5
    if mean + 2 * error < 0:
        word = "lower"
    elif mean - 2 * error > 0:
        word = "higher"
    else:
        word = "within noise"
    return f"{mean:+.4f} ± {error:.4f} (standard error): grouped is {word}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="base model directory (default: the configured base model, built if needed)")
    parser.add_argument("--examples", type=int, default=384)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
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
    results = {name: [] for name, _ in MODES}
    print(f"{'seed':>4} {'batches':<34} {'tokens/s':>9} {'val loss':>9} {'seconds':>8}  load", flush=True)
    for seed in args.seeds:
        retrain = RetrainConfig(max_steps=args.steps, eval_steps=args.steps, max_length=args.max_length,
                                early_stopping_patience=0, batch_size=16, seed=seed)
        for name, pad_to_max in MODES:
            with tempfile.TemporaryDirectory() as work:
                result = train_adapter(model_dir, tokenizer, train, validation, retrain, Path(work) / "work",
                                       Path(work) / "adapter", show_progress=False, pad_to_max_length=pad_to_max)
            results[name].append(result)
            print(f"{seed:>4} {name:<34} {result.tokens_per_second:9.0f} {result.best_validation_loss:9.4f} "
                  f"{result.seconds:8.1f}  {os.getloadavg()[0]:.1f}", flush=True)
    print(f"\nmodel {model_dir}; {len(train)} examples, {args.steps} steps of 16, max_length {args.max_length}, "
          f"seeds {' '.join(map(str, args.seeds))}")
    print(f"{'batches':<34} {'tokens/s (mean)':>15} {'val loss mean ± std':>20}")
    for name, _ in MODES:
        speeds = [r.tokens_per_second for r in results[name]]
        losses = [r.best_validation_loss for r in results[name]]
        spread = statistics.stdev(losses) if len(losses) > 1 else 0.0
        print(f"{name:<34} {statistics.fmean(speeds):15.0f} {statistics.fmean(losses):11.4f} ± {spread:.4f}")
    baseline, grouped = (results[name] for name, _ in MODES)
    ratios = [g.tokens_per_second / b.tokens_per_second for b, g in zip(baseline, grouped)]
    print(f"speed-up: {statistics.fmean(ratios):.2f}x (per seed {', '.join(f'{r:.2f}' for r in ratios)})")
    differences = [g.best_validation_loss - b.best_validation_loss for b, g in zip(baseline, grouped)]
    print(f"validation loss, grouped - baseline: {verdict(differences)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
