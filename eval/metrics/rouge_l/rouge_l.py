"""ROUGE-L F-measure as a local `evaluate` metric, so it loads offline (hub metrics do not).

Load it with `evaluate.load("<path to this folder>")` or `eval.metrics.load_metric("rouge_l")`.
Per-example scores matter as much as the mean: the release gate pairs them by example.
Keep one import per line: evaluate's dependency scanner misreads `import a, b`.
"""

import datasets
import evaluate
from rouge_score import rouge_scorer

_DESCRIPTION = "ROUGE-L F-measure (longest common subsequence) of each prediction against one reference."
_INPUTS = """
predictions: list of generated answers (str); references: list of reference answers (str), one per prediction.
Returns {"rougeL": mean F-measure in 0..1, "scores": per-example F-measures in input order}.
"""


class RougeL(evaluate.Metric):
    """ROUGE-L on rouge_score's tokenizer (lowercased alphanumeric tokens, no stemming)."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Lin, 2004. ROUGE: A Package for Automatic Evaluation of Summaries.",
            inputs_description=_INPUTS,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
        )

    def _compute(self, predictions, references):
        scorer = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
        scores = [scorer.score(reference, prediction)["rougeL"].fmeasure
                  for prediction, reference in zip(predictions, references)]
        return {"rougeL": sum(scores) / len(scores) if scores else 0.0, "scores": [float(s) for s in scores]}
