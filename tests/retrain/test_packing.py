"""Packing: blocks are full, ordered, and lose only the final partial block."""

import pytest

from retrain.packing import pack_sequences


@pytest.mark.parametrize("sequences, block, expected", [
    ([[1, 2, 3], [4, 5]], 2, [[1, 2], [3, 4]]),
    ([[1, 2, 3, 4]], 4, [[1, 2, 3, 4]]),
    ([[1], [2], [3]], 5, []),
    ([], 3, []),
    ([[1, 2], [3, 4], [5, 6]], 3, [[1, 2, 3], [4, 5, 6]]),
])
def test_pack_sequences(sequences, block, expected):
    assert pack_sequences(sequences, block) == expected


def test_block_length_must_be_positive():
    with pytest.raises(ValueError):
        pack_sequences([[1]], 0)
