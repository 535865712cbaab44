"""统一社会信用代码 (USCC) check character, GB 32100-2015 (feeds.md): one table, two forms.

The alphabet and weights are written once here. `is_valid` / `make` are the Python form (the
sample-province generator makes valid codes with them, tests check them); `valid_array` is the same
check over a whole Arrow column at once, in NumPy, for the loaders' row rule `uscc_checksum`.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

# The 31 characters a USCC may use, valued 0..30; I, O, Z, S and V are excluded to avoid confusion with digits.
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
VALUES = {char: value for value, char in enumerate(ALPHABET)}
LENGTH = 18


def check_char(first17: str) -> str:
    """The 18th character for the given first 17 characters (ValueError on a foreign character)."""
    if len(first17) != LENGTH - 1:
        raise ValueError(f"need 17 characters, got {len(first17)}")
    try:
        total = sum(VALUES[char] * weight for char, weight in zip(first17, WEIGHTS, strict=False))
    except KeyError as exc:
        raise ValueError(f"character {exc.args[0]!r} is not allowed in a USCC") from None
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(uscc: object) -> bool:
    """True iff `uscc` is an 18-character string of the alphabet whose last character checks."""
    if not isinstance(uscc, str) or len(uscc) != LENGTH:
        return False
    if any(char not in VALUES for char in uscc):
        return False
    return check_char(uscc[:17]) == uscc[17]


def make(prefix8: str, body9: str) -> str:
    """A valid USCC from the authority/type/division prefix (8 chars) and the organisation body (9)."""
    first17 = prefix8 + body9
    if len(prefix8) != 8 or len(body9) != 9:
        raise ValueError("prefix8 must have 8 characters and body9 must have 9")
    return first17 + check_char(first17)


# A byte's value in the alphabet, -1 for every byte that is not one of its (ASCII) characters.
_BYTE_VALUES = np.full(256, -1, dtype=np.int32)
for _char, _value in VALUES.items():
    _BYTE_VALUES[ord(_char)] = _value
_BYTE_ALPHABET = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)
_WEIGHTS = np.array(WEIGHTS, dtype=np.int32)


def valid_array(codes: pa.Array | pa.ChunkedArray) -> pa.Array:
    """`is_valid` of every code of a string column at once (NULL stays NULL), without a Python step per code.

    A code of 18 characters of the alphabet is exactly a code of 18 bytes that are all ASCII characters of
    the alphabet, so the check reads the UTF-8 bytes: a non-ASCII character makes the byte length differ from
    18 or brings a byte outside the alphabet, either way invalid, as in `is_valid`."""
    if isinstance(codes, pa.ChunkedArray):
        codes = codes.combine_chunks()
    if not (pa.types.is_string(codes.type) or pa.types.is_large_string(codes.type)):
        codes = codes.cast(pa.string())  # the two layouts read below: 32- or 64-bit offsets into the bytes
    n = len(codes)
    _, offsets_buffer, data_buffer = codes.buffers()
    offset_type = np.int64 if pa.types.is_large_string(codes.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=offset_type)[codes.offset:codes.offset + n + 1] if n else None
    valid = np.zeros(n, dtype=bool)
    of_length = np.flatnonzero(np.diff(offsets) == LENGTH) if n else []
    if len(of_length):
        data = np.frombuffer(data_buffer, dtype=np.uint8)
        if len(of_length) == n and offsets[-1] - offsets[0] == n * LENGTH:  # the usual chunk: no copy needed
            chars = data[offsets[0]:offsets[-1]].reshape(n, LENGTH)
        else:
            chars = data[offsets[of_length, None] + np.arange(LENGTH)]
        values = _BYTE_VALUES[chars]
        checks = _BYTE_ALPHABET[(31 - values[:, :-1] @ _WEIGHTS % 31) % 31]
        valid[of_length] = (values.min(axis=1) >= 0) & (chars[:, -1] == checks)
    return pa.array(valid, mask=codes.is_null().to_numpy(zero_copy_only=False) if codes.null_count else None)
