"""retrain: from feedback to datasets to LoRA adapters, and the self-built base model of the embedded default."""
