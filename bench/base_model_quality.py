"""How well built base models answer held-out golden-set questions: ROUGE-L against the reference answers.

    .venv/bin/python bench/base_model_quality.py MODEL_DIR [MODEL_DIR ...] [--questions 80]

Greedy answers from transformers `generate` to the first user turn of golden conversations; prints mean
ROUGE-L F1 per model and how often an answer states the same policy numbers as the reference.
"""

import argparse
import json
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+")
    parser.add_argument("--questions", type=int, default=80)
    args = parser.parse_args()

    import torch
    from rouge_score import rouge_scorer
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from corpus.generate import generate_corpus
    from corpus.policy import load_policy

    golden = [c for c in generate_corpus(load_policy(None)) if c.split == "golden"][: args.questions]
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    print(f"{'model':<40} {'rougeL':>7} {'numbers':>8} {'seconds':>8}")
    for model_dir in args.models:
        manifest = json.loads((Path(model_dir) / "supportloop_manifest.json").read_text())
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        model = AutoModelForCausalLM.from_pretrained(model_dir).eval()
        started, scores, numbers = time.monotonic(), [], []
        for conversation in golden:
            messages = [{"role": "system", "content": manifest["system_prompt"]}, conversation.messages[0]]
            prompt = tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt", return_dict=True)
            with torch.no_grad():
                output = model.generate(**prompt, max_new_tokens=80, do_sample=False)
            answer = tokenizer.decode(output[0, prompt["input_ids"].shape[1]:], skip_special_tokens=True)
            reference = conversation.messages[1]["content"]
            scores.append(scorer.score(reference, answer)["rougeL"].fmeasure)
            wanted = set(re.findall(r"\d+", reference))
            if wanted:
                numbers.append(wanted <= set(re.findall(r"\d+", answer)))
        name = Path(model_dir).name
        print(f"{name:<40} {sum(scores) / len(scores):7.3f} {sum(numbers) / max(1, len(numbers)):8.2%} "
              f"{time.monotonic() - started:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
