"""Evaluating a candidate version against production and the base model on the same inputs.

    examples = evaluation_examples(test split of the dataset, golden set of the corpus)
    refused  = check_candidate(...)                      # wrong base, rank too high: rejected before generating
    answers  = generate_for_versions(base, adapters)     # the serving vLLM engine (or a short-lived one), batched
    scores   = score_answers(...) per version            # ROUGE-L, chrF, BLEU, facts, PII, hard cases
    decision = decide(examples, candidate, production)   # the gate (eval/gate.py)

The held-out test split comes from the night's dataset (feedback the model never trained on, split by a fixed
hash); the golden set from the corpus (never trained on: checked when the dataset is built).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from supportloop.config import SupportloopConfig

from eval.answer_cache import AnswerCache
from eval.gate import Decision, GatePolicy, decide
from eval.report_model import VersionScores
from eval.scoring import EvalExample, score_answers

BASE = "base"


@dataclass(frozen=True)
class Evaluation:
    """Everything one evaluation produced: what the report shows and the gate decided on."""
    candidate: str
    production: str                      # a version id, or "base" when nothing is promoted
    examples: tuple[EvalExample, ...]
    answers: dict = field(default_factory=dict)      # version -> list[str], in example order
    scores: dict = field(default_factory=dict)       # version -> VersionScores ("base" included)
    decision: Optional[Decision] = None
    refused: dict = field(default_factory=dict)      # version -> reason its adapter could not be used
    seconds: dict = field(default_factory=dict)      # stage -> wall seconds
    engine: str = ""                                 # the vLLM engine that wrote the answers
    reused: dict = field(default_factory=dict)       # version -> answers reused from earlier evaluations

    def to_json(self) -> dict:
        return {"candidate": self.candidate, "production": self.production,
                "verdict": self.decision.verdict if self.decision else "reject",
                "reasons": list(self.decision.reasons) if self.decision else list(self.refused.values()),
                "decision": self.decision.to_json() if self.decision else None, "refused": self.refused,
                "examples": len(self.examples), "seconds": self.seconds, "engine": self.engine,
                "reused_answers": self.reused}


def golden_examples(conversations: Sequence, policy, limit: int,
                    known_claims: frozenset[str] = frozenset()) -> list[EvalExample]:
    """Every assistant turn of the first `limit` golden conversations, with the conversation before it."""
    from corpus.facts import stated_facts

    examples = []
    for conversation in [c for c in conversations if c.split == "golden"][:limit]:
        for index, message in enumerate(conversation.messages):
            if message["role"] != "assistant" or index == 0:
                continue
            examples.append(EvalExample(
                example_id=f"golden:{conversation.id}:{index}", source="golden", intent=conversation.intent,
                persona=conversation.persona, hard_case=conversation.hard_case or "",
                messages=tuple(conversation.messages[:index]), reference=message["content"],
                policy_facts=stated_facts(policy, conversation.policy_facts, message["content"]),
                known_claims=known_claims))
    return examples


def held_out_examples(dataset_dir: Path, limit: int, known_claims: frozenset[str] = frozenset()) -> list[EvalExample]:
    """The dataset's held-out test split: prompts and the answers agents and customers approved."""
    from retrain.dataset import read_split
    from retrain.dataset_rules import stable_fraction

    examples = read_split(dataset_dir, "test")
    examples.sort(key=lambda e: stable_fraction(e.example_id, "eval-sample"))  # a stable sample when capped
    return [EvalExample(example_id=f"test:{e.example_id}", source="test", intent=e.intent, persona="",
                        hard_case="", messages=e.prompt, reference=e.target, known_claims=known_claims)
            for e in examples[:limit]]


def check_candidate(manifest: dict, adapter_config: dict, base_fingerprint: str, max_lora_rank: int) -> list[str]:
    """Pure: reasons a candidate cannot be served (empty when it can)."""
    reasons = []
    if manifest.get("base_model_fingerprint") and manifest["base_model_fingerprint"] != base_fingerprint:
        reasons.append(f"trained for another base model ({manifest['base_model_fingerprint']}, serving "
                       f"{base_fingerprint})")
    rank = adapter_config.get("r")
    if not isinstance(rank, int) or rank > max_lora_rank:
        reasons.append(f"LoRA rank {rank} is above the server's max_lora_rank {max_lora_rank}")
    return reasons


def evaluate_candidate(config: SupportloopConfig, base_model: str, registry_root: Path, candidate: str,
                       production: Optional[str], examples: Sequence[EvalExample], log_file: Path, *,
                       offline: bool, answer_cache: Optional[AnswerCache] = None,
                       progress: Callable[[str], None] = print) -> Evaluation:
    """Generate, score and gate; an adapter that cannot be served is rejected without touching production."""
    import time

    from eval.generation import generate_for_versions
    from eval.perplexity import reference_perplexities
    from eval.registry import read_manifest, version_dir
    from retrain.candidate import base_fingerprint

    production_name = production or BASE
    candidate_dir = version_dir(registry_root, candidate)
    refused = check_candidate(read_manifest(registry_root, candidate),
                              json.loads((candidate_dir / "adapter_config.json").read_text()),
                              base_fingerprint(base_model), config.serve.max_lora_rank)
    if refused:
        return Evaluation(candidate, production_name, tuple(examples), refused={candidate: "; ".join(refused)})
    adapters = {candidate: candidate_dir}
    if production:
        adapters[production] = version_dir(registry_root, production)
    prompts = [[{"role": "system", "content": config.serve.system_prompt}, *e.messages] for e in examples]
    progress(f"generating answers of {', '.join([BASE, *adapters])} to {len(examples)} prompts through vLLM")
    run = generate_for_versions(config.serve, base_model, adapters, prompts, config.eval.max_new_tokens, log_file,
                                offline=offline, use_serving_engine=config.eval.generation_engine == "serving",
                                cache=answer_cache, progress=progress)
    if candidate in run.refused:
        return Evaluation(candidate, production_name, tuple(examples), refused=run.refused,
                          seconds={"generation": round(run.seconds, 1)}, engine=run.engine)
    started = time.monotonic()
    with_reference = [[*e.messages, {"role": "assistant", "content": e.reference}] for e in examples]
    perplexities = reference_perplexities(base_model, {name: adapters.get(name) for name in run.answers},
                                          with_reference, config.serve.system_prompt, config.retrain.max_length)
    perplexity_seconds = time.monotonic() - started
    started = time.monotonic()
    scores, answers = {}, {}
    for name, generated in run.answers.items():
        answers[name] = [g.text for g in generated]
        scores[name] = VersionScores(name, tuple(score_answers(examples, answers[name],
                                                               latencies_ms=[g.latency_ms for g in generated],
                                                               perplexities=perplexities[name])))
    if production_name not in scores:  # production is the base model
        scores[production_name] = scores[BASE]
    decision = decide(examples, scores[candidate], scores[production_name], GatePolicy.from_config(config.eval))
    return Evaluation(candidate, production_name, tuple(examples), answers=answers, scores=scores, decision=decision,
                      seconds={"generation": round(run.seconds, 1), "perplexity": round(perplexity_seconds, 1),
                               "scoring": round(time.monotonic() - started, 1)}, engine=run.engine, reused=run.reused)
