"""chrF (character n-gram F-score) as a local `evaluate` metric, so it loads offline (hub metrics do not).

chrF is kinder than ROUGE to typos and inflections in short answers. Scores are scaled to 0..1 (sacrebleu
reports 0..100, clipped against float round-off above 1) so every metric of the gate lives on the same scale.
Keep one import per line: evaluate's dependency scanner misreads `import a, b`.
"""

import datasets
import evaluate
from sacrebleu.metrics import CHRF

_DESCRIPTION = "sacrebleu chrF of each prediction against one reference, and over the whole corpus."
_INPUTS = """
predictions: list of generated answers (str); references: list of reference answers (str), one per prediction.
Returns {"chrf": corpus chrF in 0..1, "scores": per-example sentence chrF in 0..1, input order}.
"""


class Chrf(evaluate.Metric):
    """sacrebleu's CHRF with its defaults (character 6-grams, beta 2)."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Popovic, 2015. chrF: character n-gram F-score for automatic MT evaluation.",
            inputs_description=_INPUTS,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
        )

    def _compute(self, predictions, references):
        chrf = CHRF()
        scores = [min(1.0, chrf.sentence_score(prediction, [reference]).score / 100.0)
                  for prediction, reference in zip(predictions, references)]
        corpus = min(1.0, chrf.corpus_score(list(predictions), [list(references)]).score / 100.0) if scores else 0.0
        return {"chrf": corpus, "scores": scores}
