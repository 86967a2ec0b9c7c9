"""BLEU as a local `evaluate` metric, so it loads offline (hub metrics do not).

Sentence BLEU uses effective order: support answers are short, and without it any answer lacking a
matching 4-gram would score 0. Scores are scaled to 0..1 (sacrebleu reports 0..100; float round-off above 1 is clipped).
Keep one import per line: evaluate's dependency scanner misreads `import a, b`.
"""

import datasets
import evaluate
from sacrebleu.metrics import BLEU

_DESCRIPTION = "sacrebleu BLEU of each prediction against one reference, and over the whole corpus."
_INPUTS = """
predictions: list of generated answers (str); references: list of reference answers (str), one per prediction.
Returns {"bleu": corpus BLEU in 0..1, "scores": per-example sentence BLEU in 0..1, input order}.
"""


class Bleu(evaluate.Metric):
    """sacrebleu's BLEU (13a tokenizer, exponential smoothing for sentences)."""

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Papineni et al., 2002; Post, 2018. A Call for Clarity in Reporting BLEU Scores.",
            inputs_description=_INPUTS,
            features=datasets.Features({"predictions": datasets.Value("string"),
                                        "references": datasets.Value("string")}),
        )

    def _compute(self, predictions, references):
        sentence_bleu = BLEU(effective_order=True)
        scores = [min(1.0, sentence_bleu.sentence_score(prediction, [reference]).score / 100.0)
                  for prediction, reference in zip(predictions, references)]
        corpus = min(1.0, BLEU().corpus_score(list(predictions), [list(references)]).score / 100.0) if scores else 0.0
        return {"bleu": corpus, "scores": scores}
