"""Packing tokenized examples into fixed-length blocks, so no compute is spent on padding."""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def pack_sequences(sequences: Iterable[Sequence[int]], block_len: int) -> list[list[int]]:
    """Concatenate the sequences in order and cut the stream into blocks of exactly `block_len` tokens.

    The tail shorter than a block is dropped (at most `block_len - 1` tokens of the whole stream).
    Blocks may span example boundaries: each example ends with its end-of-turn token, which teaches
    the model where an answer stops.
    """
    if block_len < 1:
        raise ValueError("block_len must be positive")
    stream: list[int] = []
    for sequence in sequences:
        stream.extend(sequence)
    usable = len(stream) - len(stream) % block_len
    return [stream[start:start + block_len] for start in range(0, usable, block_len)]
