"""Corpus statistics: counts per intent, persona, hard case and split, turn counts and answer lengths.

`corpus_stats` returns plain data (for tests and manifests); `format_stats` turns it into a plain-text table
for the CLI (`python -m corpus stats FILE`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from corpus.schema import HARD_CASES, INTENTS, PERSONAS, SPLITS, Conversation


def corpus_stats(conversations: Iterable[Conversation]) -> dict:
    """Counts and averages of a list of conversations; every known label appears, with 0 when absent."""
    conversations = list(conversations)
    user_turns = [sum(m["role"] == "user" for m in c.messages) for c in conversations]
    answer_words = [len(m["content"].split()) for c in conversations for m in c.messages if m["role"] == "assistant"]

    def counts(values: Iterable[str], known: tuple[str, ...]) -> dict[str, int]:
        counter = Counter(values)
        return {name: counter.get(name, 0) for name in known} | {k: v for k, v in counter.items() if k not in known}

    return {
        "conversations": len(conversations),
        "messages": sum(len(c.messages) for c in conversations),
        "user_turns": sum(user_turns),
        "single_turn": sum(n == 1 for n in user_turns),
        "multi_turn": sum(n > 1 for n in user_turns),
        "with_policy_facts": sum(bool(c.policy_facts) for c in conversations),
        "mean_words_per_answer": round(sum(answer_words) / len(answer_words), 1) if answer_words else 0.0,
        "max_words_per_answer": max(answer_words, default=0),
        "intents": counts((c.intent for c in conversations), INTENTS),
        "personas": counts((c.persona for c in conversations), PERSONAS),
        "hard_cases": counts((c.hard_case or "none" for c in conversations), HARD_CASES + ("none",)),
        "splits": counts((c.split for c in conversations), SPLITS),
    }


def format_stats(stats: dict) -> str:
    """A readable plain-text report of `corpus_stats` output."""
    total = stats["conversations"] or 1
    lines = [
        f"conversations          {stats['conversations']:>7}",
        f"messages (turns)       {stats['messages']:>7}",
        f"user turns             {stats['user_turns']:>7}",
        f"single-turn            {stats['single_turn']:>7}  ({100 * stats['single_turn'] / total:.1f}%)",
        f"multi-turn             {stats['multi_turn']:>7}  ({100 * stats['multi_turn'] / total:.1f}%)",
        f"with policy facts      {stats['with_policy_facts']:>7}  ({100 * stats['with_policy_facts'] / total:.1f}%)",
        f"words per answer       {stats['mean_words_per_answer']:>7}  (mean; max {stats['max_words_per_answer']})",
    ]
    for title, key in (("intent", "intents"), ("persona", "personas"), ("hard case", "hard_cases"), ("split", "splits")):
        lines += ["", f"{title:<22} {'count':>7}  share"]
        for name, value in stats[key].items():
            lines.append(f"  {name:<20} {value:>7}  {100 * value / total:5.1f}%")
    return "\n".join(lines)
