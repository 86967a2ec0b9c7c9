"""The evaluation report from a hand-made Evaluation: its files, its tables, its plots, and a refused candidate."""

import json

import pytest
from PIL import Image

from eval.evaluation import Evaluation
from eval.gate import GatePolicy, decide
from eval.report import write_evaluation_json, write_evaluation_report
from eval.report_model import VersionScores, summarize
from eval.scoring import EvalExample, ExampleScore

INTENTS = ("order_tracking", "returns_refunds", "payment_problems")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NASTY_ANSWER = "Refunds | returns:\nline two <b>bold</b> " + "very long answer " * 40


def make_examples() -> list[EvalExample]:
    examples = []
    for index in range(48):
        golden = index >= 36
        examples.append(EvalExample(
            example_id=f"{'golden' if golden else 'test'}:{index:02d}", source="golden" if golden else "test",
            intent=INTENTS[index % 3], persona=("polite", "angry")[index % 2] if golden else "",
            hard_case="wrong_claim" if index % 5 == 0 else "",
            messages=({"role": "user", "content": f"Question {index} about my order?"},),
            reference=f"Reference answer {index}.", policy_facts=("30 days",) if index % 4 == 0 else ()))
    return examples


def make_scores(examples, version: str, level: float) -> VersionScores:
    scores = []
    for index, example in enumerate(examples):
        rouge = level + 0.01 * (index % 7)
        if version == "v0002" and index == 3:
            rouge = 0.01  # the candidate's worst answer: NASTY_ANSWER
        scores.append(ExampleScore(
            example_id=example.example_id, rougeL=rouge, chrf=rouge * 100, bleu=rouge * 50,
            policy_accuracy=(1.0 if level > 0.3 else 0.0) if example.policy_facts else None,
            pii_leak=version == "v0002" and index == 5, clarifies=False,
            hard_case_ok=(level > 0.3) if example.hard_case else None, length_words=20 + index,
            latency_ms=100.0 + index, perplexity=5.0 - level))
    return VersionScores(version, tuple(scores))


def answers_of(examples, version: str) -> list[str]:
    return [NASTY_ANSWER if version == "v0002" and i == 3 else f"{version} says {i}" for i in range(len(examples))]


def make_evaluation(production: str = "v0001") -> Evaluation:
    examples = make_examples()
    levels = {"v0002": 0.5, "v0001": 0.4, "base": 0.2}
    versions = ["v0002", production] if production == "base" else ["v0002", production, "base"]
    scores = {v: make_scores(examples, v, levels[v]) for v in versions}
    decision = decide(examples, scores["v0002"], scores[production], GatePolicy(bootstrap_samples=500))
    return Evaluation("v0002", production, tuple(examples), answers={v: answers_of(examples, v) for v in versions},
                      scores=scores, decision=decision, seconds={"generation": 12.0, "scoring": 1.5})


MANIFEST = {"training": {"train_loss_curve": [[1, 3.0], [10, 2.1], [20, 1.7]],
                         "validation_loss_curve": [[10, 2.3], [20, 2.0]]}}


@pytest.fixture
def written(tmp_path):
    evaluation = make_evaluation()
    report = write_evaluation_report(evaluation, tmp_path / "out", MANIFEST)
    write_evaluation_json(evaluation, tmp_path / "out")
    return evaluation, report, report.read_text()


def table_rows(text: str, header_start: str) -> list[str]:
    """The rows of the Markdown table whose header starts with `header_start` (separator excluded)."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def cells(row: str) -> list[str]:
    """A row's cells, honouring escaped pipes."""
    hidden = row.replace("\\|", "\x00").strip().strip("|")
    return [cell.strip().replace("\x00", "|") for cell in hidden.split("|")]


def test_report_writes_exactly_its_files_and_valid_pngs(written):
    _, report, _ = written
    assert sorted(p.name for p in report.parent.iterdir()) == [
        "evaluation.json", "intents.png", "primary.png", "report.md", "training.png"]
    for name in ("intents.png", "primary.png", "training.png"):
        path = report.parent / name
        assert path.read_bytes()[:8] == PNG_SIGNATURE
        with Image.open(path) as image:
            image.verify()
            assert image.format == "PNG" and image.size[0] > 300 and image.size[1] > 200


def test_metric_table_has_every_metric_for_the_three_versions_and_the_gate_interval(written):
    evaluation, _, text = written
    assert "| metric | v0002 (candidate) | v0001 (production) | base | candidate − production |" in text
    rows = {cells(row)[0]: cells(row)[1:] for row in table_rows(text, "| metric |")}
    assert list(rows) == ["ROUGE-L", "chrF", "BLEU", "policy accuracy", "hard-case ok rate",
                          "supported claims rate", "PII leaks (answers)", "reference perplexity", "length (words)", "latency (ms)"]
    means = {v: summarize(evaluation.scores[v].scores) for v in ("v0002", "v0001", "base")}
    assert rows["ROUGE-L"][:3] == [f"{means[v]['rougeL']:.4f}" for v in ("v0002", "v0001", "base")]
    assert rows["ROUGE-L"][3] == f"{means['v0002']['rougeL'] - means['v0001']['rougeL']:+.4f}"
    assert rows["hard-case ok rate"][:3] == ["1.0000", "1.0000", "0.0000"]
    assert rows["PII leaks (answers)"] == ["1", "0", "0", "+1"]
    primary = evaluation.decision.primary
    assert (f"on {primary.n} paired held-out test examples: {primary.difference:+.4f}, paired bootstrap CI "
            f"[{primary.ci_low:+.4f}, {primary.ci_high:+.4f}]") in text


def test_decision_section_lists_verdict_every_reason_and_every_guard(written):
    evaluation, _, text = written
    decision = evaluation.decision
    assert decision.verdict == "reject"  # the candidate leaked PII once
    assert f"## Decision: {decision.verdict}" in text
    for reason in decision.reasons:
        assert f"- {reason}" in text
    guard_rows = table_rows(text, "| guard |")
    # " ".join(split()): the gate names the held-out examples' empty persona group "persona  rougeL"
    assert [cells(row)[0] for row in guard_rows] == [" ".join(guard.name.split()) for guard in decision.guards]
    assert "| pii leaks | 1 | 0 | 0 more | - | **no** |" in guard_rows
    assert all(cells(row)[4] == "-" or cells(row)[4].startswith("[") for row in guard_rows)


def test_groups_plots_and_training_sections(written):
    _, _, text = written
    assert "![primary metric](primary.png)" in text and "![per intent](intents.png)" in text
    intent_rows = [cells(row) for row in table_rows(text, "| intent |")]
    assert [row[0] for row in intent_rows] == sorted(INTENTS)
    assert all(row[1] == "16" and len(row) == 5 for row in intent_rows)
    persona_rows = [cells(row) for row in table_rows(text, "| persona |")]
    assert [row[:2] for row in persona_rows] == [["(held-out feedback)", "36"], ["angry", "6"], ["polite", "6"]]
    assert "best validation loss 2.0000 at step 20" in text and "![training curves](training.png)" in text


def test_worst_answers_are_the_candidates_lowest_rouge_escaped_and_truncated(written):
    evaluation, _, text = written
    rows = table_rows(text, "| example |")
    assert len(rows) == 8
    assert all(len(cells(row)) == 5 for row in rows)  # escaped pipes never add a column
    first = cells(rows[0])
    assert first[0] == "test:03 / order_tracking"
    assert first[2] == "Reference answer 3."
    assert first[3].startswith("Refunds | returns:<br>line two &lt;b&gt;bold&lt;/b&gt; very long")
    assert "…" in first[3] and first[3].endswith("(0.010)") and len(first[3]) < 320
    assert first[4] == "v0001 says 3 (0.430)"
    by_id = evaluation.scores["v0002"].by_example_id()
    lowest = sorted(by_id.values(), key=lambda s: (s.rougeL, s.example_id))[:8]
    assert [cells(row)[0].split(" / ")[0] for row in rows] == [s.example_id for s in lowest]


def test_evaluation_json_has_every_example_with_each_versions_scores(written):
    evaluation, report, _ = written
    data = json.loads((report.parent / "evaluation.json").read_text())
    assert data["summary"]["verdict"] == "reject" and data["summary"]["candidate"] == "v0002"
    assert len(data["examples"]) == len(evaluation.examples)
    row = data["examples"][3]
    assert row["example_id"] == "test:03" and row["answers"]["v0002"] == NASTY_ANSWER
    assert set(row["scores"]) == {"v0002", "v0001", "base"} and row["scores"]["v0002"]["rougeL"] == 0.01


def test_production_that_is_the_base_model_is_one_column_and_no_manifest_means_no_curves(tmp_path):
    report = write_evaluation_report(make_evaluation(production="base"), tmp_path, None)
    text = report.read_text()
    assert "| metric | v0002 (candidate) | base (production) | candidate − production |" in text
    assert "No training curves were given." in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["intents.png", "primary.png", "report.md"]


def test_a_refused_candidate_gets_a_report_that_says_so_and_nothing_else(tmp_path):
    refused = Evaluation("v0007", "v0006", tuple(make_examples()),
                         refused={"v0007": "LoRA rank 64 is above the server's max_lora_rank 16"})
    report = write_evaluation_report(refused, tmp_path / "out", MANIFEST)
    text = report.read_text()
    assert text.startswith("# Evaluation of v0007: refused")
    assert "- v0007: LoRA rank 64 is above the server's max_lora_rank 16" in text
    assert "production (v0006) is unchanged" in text
    assert "## " not in text and "|" not in text
    assert [p.name for p in report.parent.iterdir()] == ["report.md"]
    write_evaluation_json(refused, tmp_path / "out")
    data = json.loads((tmp_path / "out" / "evaluation.json").read_text())
    assert data["summary"]["verdict"] == "reject" and data["summary"]["decision"] is None
    assert data["examples"][0]["answers"] == {} and data["examples"][0]["scores"] == {}
