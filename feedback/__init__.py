"""feedback: the durable store of every turn, rating and correction."""
