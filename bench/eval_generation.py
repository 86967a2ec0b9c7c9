"""Evaluation generation: one vLLM engine with concurrent requests (eval.generation) vs a transformers loop.

    .venv/bin/python bench/eval_generation.py                       # builds the tiny test model, ~2-4 minutes
    .venv/bin/python bench/eval_generation.py --model DIR [--prompts 48] [--max-new-tokens 48] [--no-batched]

The same N golden-set prompts (system prompt + the conversation up to an assistant turn, first turns first) are answered
greedily with at most M new tokens, in this one process, by
  (a) eval.generation.answer_all against one vLLM engine (what `supportloop evaluate` does; the engine's
      start-up is printed but not timed, it is paid once per evaluation whatever the number of prompts),
  (b) a `model.generate` loop, one prompt at a time (the evaluation loop people usually write), and
  (c) optionally `model.generate` on left-padded batches (a stronger baseline).
Prints answers/s, generated tokens/s (answers re-tokenized the same way for every method) and the speed-ups.
vLLM and torch share the machine's cores: compare figures from one run only, and note the load average.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", VLLM_NO_USAGE_STATS="1", DO_NOT_TRACK="1",
                  TOKENIZERS_PARALLELISM="false")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SYSTEM_PROMPT = "You are ShopNest support."  # the tiny model's (tests/conftest.py TINY_SYSTEM_PROMPT)


def build_tiny_model(directory: Path, corpus) -> Path:
    """The tiny test model, built exactly as tests/conftest.py builds it."""
    from retrain.base_model import build_base_model
    from tests.conftest import TINY_MODEL

    build_base_model(corpus.conversations, TINY_MODEL, SYSTEM_PROMPT, directory / "model", corpus.sha256,
                     show_progress=False)
    return directory / "model"


def golden_prompts(corpus, count: int) -> list[list[dict]]:
    """System prompt + conversation before each assistant turn of the golden set, first turns first (the
    evaluation uses every turn, eval.evaluation.golden_examples; a 400-conversation corpus has 32 golden ones)."""
    by_turn: dict[int, list] = {}
    for conversation in [c for c in corpus.conversations if c.split == "golden"]:
        turns = [i for i, m in enumerate(conversation.messages) if m["role"] == "assistant" and i > 0]
        for number, index in enumerate(turns):
            by_turn.setdefault(number, []).append(
                [{"role": "system", "content": SYSTEM_PROMPT}, *conversation.messages[:index]])
    prompts = [prompt for number in sorted(by_turn) for prompt in by_turn[number]]
    if len(prompts) < count:
        raise SystemExit(f"only {len(prompts)} golden prompts in the corpus; ask for fewer --prompts")
    return prompts[:count]


def with_vllm(model_dir: Path, prompts, max_new_tokens: int, log_file: Path) -> tuple[list[str], float, float]:
    """(answers, start-up seconds, generation seconds) through the launch eval.generation uses."""
    from eval.generation import BASE_NAME, answer_all
    from serve.engine import EngineProcess, build_engine_launch, free_port, installed_vllm_build, resolve_device
    from supportloop.config import ServeConfig

    config = ServeConfig(engine_port=free_port(), max_model_len=512, max_lora_rank=8, system_prompt=SYSTEM_PROMPT)
    device = resolve_device(config.device, installed_vllm_build())
    launch = build_engine_launch(config, str(model_dir), device, served_name=BASE_NAME, offline=True)
    started = time.perf_counter()
    with EngineProcess(launch, log_file) as engine:
        engine.wait_ready(config.engine_startup_timeout_s)
        startup = time.perf_counter() - started
        answer_all(launch.url, BASE_NAME, prompts[:2], max_new_tokens)  # warm-up, as a long evaluation would be
        started = time.perf_counter()
        generated = answer_all(launch.url, BASE_NAME, prompts, max_new_tokens, concurrency=len(prompts))
        seconds = time.perf_counter() - started
    return [g.text for g in generated], startup, seconds


def with_transformers(model_dir: Path, prompts, max_new_tokens: int, batch_size: int) -> tuple[list[str], float]:
    """(answers, seconds) of greedy `generate`; batch_size 1 is the plain loop, more is left-padded batches."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.padding_side = "left"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    texts = [tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts]
    answers = []
    started = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start:start + batch_size], return_tensors="pt", padding=True,
                              add_special_tokens=False)
            output = model.generate(**batch, do_sample=False, max_new_tokens=max_new_tokens,
                                    pad_token_id=tokenizer.pad_token_id)
            answers += [t.strip() for t in tokenizer.batch_decode(output[:, batch["input_ids"].shape[1]:],
                                                                   skip_special_tokens=True)]
    return answers, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a local HF causal LM directory (default: build the tiny test model)")
    parser.add_argument("--prompts", type=int, default=48)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--batch-size", type=int, default=16, help="batch size of the batched-generate baseline")
    parser.add_argument("--no-batched", action="store_true", help="skip the batched-generate baseline")
    args = parser.parse_args()

    from corpus.materialize import materialize_corpus
    from transformers import AutoTokenizer

    work = Path(tempfile.mkdtemp(prefix="bench-eval-generation-"))
    corpus = materialize_corpus("", seed=0, conversations=400, out_file=work / "corpus.jsonl")
    if args.model:
        model_dir = Path(args.model)
    else:
        started = time.perf_counter()
        model_dir = build_tiny_model(work, corpus)
        print(f"built the tiny model in {time.perf_counter() - started:.1f} s: {model_dir}")
    prompts = golden_prompts(corpus, args.prompts)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    print(f"{len(prompts)} golden prompts, greedy, max_new_tokens={args.max_new_tokens}; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    runs = {}
    answers, startup, seconds = with_vllm(model_dir, prompts, args.max_new_tokens, work / "engine.log")
    print(f"vLLM engine start-up (not timed below): {startup:.1f} s")
    runs["vLLM, concurrent requests (eval.generation)"] = (answers, seconds)
    runs["transformers generate loop, 1 prompt at a time"] = with_transformers(model_dir, prompts,
                                                                                args.max_new_tokens, 1)
    if not args.no_batched:
        runs[f"transformers generate, left-padded batches of {args.batch_size}"] = with_transformers(
            model_dir, prompts, args.max_new_tokens, args.batch_size)

    loop_seconds = runs["transformers generate loop, 1 prompt at a time"][1]
    reference = runs["transformers generate loop, 1 prompt at a time"][0]
    print(f"\n{'method':<52} {'seconds':>8} {'answers/s':>10} {'tokens/s':>9} {'vs loop':>8} {'same text':>9}")
    for name, (texts, elapsed) in runs.items():
        tokens = sum(len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts)
        same = sum(a == b for a, b in zip(texts, reference))
        print(f"{name:<52} {elapsed:>8.2f} {len(texts) / elapsed:>10.1f} {tokens / elapsed:>9.0f} "
              f"{loop_seconds / elapsed:>7.1f}x {same:>5}/{len(texts)}")
    print(f"load average after: {os.getloadavg()[0]:.2f}; engine log: {work / 'engine.log'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
