"""How the catalog stores a photo's raw CNN features: 8 bits a value plus a per-row range.

A blob is float32 offset, float32 step, then one uint8 per dimension: value = offset + u * step.
That is half the float16 format it replaces (1,288 bytes instead of 2,560 for 1,280-d features)
with held-out precision unchanged (`python -m benchmarks.profile_size`). Blobs of the old format
(float16, exactly 2 bytes a dimension) are still read, so a catalog works while it is upgraded;
`migrate_features_v2` rewrites them in place.
"""

from __future__ import annotations

import sqlite3

import numpy as np

HEADER = np.dtype([("offset", "<f4"), ("step", "<f4")])
LEGACY_DTYPE = np.float16


def encode(vector: np.ndarray) -> bytes:
    """One blob for a 1-d feature vector."""
    x = np.asarray(vector, np.float32).ravel()
    lo = float(x.min()) if len(x) else 0.0
    hi = float(x.max()) if len(x) else 0.0
    step = (hi - lo) / 255.0 if hi > lo else 1.0
    u = np.clip(np.rint((x - lo) / step), 0, 255).astype(np.uint8)
    return bytes(np.array([(lo, step)], HEADER).tobytes()) + bytes(u.tobytes())


def encode_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 [n, d], float32 [n, 2] offset and step): the blob format for many rows at once."""
    x = np.asarray(matrix, np.float32)
    lo = x.min(axis=1, keepdims=True) if x.size else np.zeros((len(x), 1), np.float32)
    hi = x.max(axis=1, keepdims=True) if x.size else np.zeros((len(x), 1), np.float32)
    step = np.where(hi > lo, (hi - lo) / 255.0, 1.0).astype(np.float32)
    u = np.clip(np.rint((x - lo) / step), 0, 255).astype(np.uint8)
    return u, np.concatenate([lo, step], axis=1).astype(np.float32)


def decode_rows(codes: np.ndarray, ranges: np.ndarray) -> np.ndarray:
    """float32 [n, d] from uint8 codes and [n, 2] offset/step."""
    r = np.asarray(ranges, np.float32)
    out: np.ndarray = np.multiply(codes, r[:, 1:2], dtype=np.float32)
    out += r[:, 0:1]
    return out


def decode(blob: bytes, dim: int) -> np.ndarray:
    """float32 [dim] from a blob of either format."""
    if len(blob) == 2 * dim:
        return np.frombuffer(blob, LEGACY_DTYPE).astype(np.float32)
    if len(blob) != HEADER.itemsize + dim:
        raise ValueError(f"a feature blob of {len(blob)} bytes does not hold {dim} values")
    head = np.frombuffer(blob, HEADER, 1)[0]
    u = np.frombuffer(blob, np.uint8, dim, HEADER.itemsize)
    return np.asarray(u * np.float32(head["step"]) + np.float32(head["offset"]), np.float32)


def decode_many(blobs: list[bytes], dim: int) -> np.ndarray:
    """float32 [len(blobs), dim]; fast when every blob has the current format."""
    size = HEADER.itemsize + dim
    if blobs and all(len(b) == size for b in blobs):
        raw = np.frombuffer(b"".join(blobs), np.uint8).reshape(len(blobs), size)
        ranges = np.ascontiguousarray(raw[:, : HEADER.itemsize]).view("<f4")
        return decode_rows(raw[:, HEADER.itemsize :], ranges)
    out = np.zeros((len(blobs), dim), np.float32)
    for i, b in enumerate(blobs):
        out[i] = decode(b, dim)
    return out


def stack_blobs(blobs: list[bytes], dim: int) -> np.ndarray:
    """uint8 [len(blobs), 8 + dim]: the blobs side by side, in the current format (a float16
    blob of a catalog not yet upgraded is re-encoded)."""
    size = HEADER.itemsize + dim
    if not all(len(b) == size for b in blobs):
        blobs = [b if len(b) == size else encode(decode(b, dim)) for b in blobs]
    return np.frombuffer(b"".join(blobs), np.uint8).reshape(len(blobs), size)


def migrate_features_v2(conn: sqlite3.Connection, batch: int = 2000) -> int:
    """Schema step v1 -> v2: rewrite every float16 feature blob in the current format.

    Self-contained (plain SQL on the features table). Every blob of a v1 catalog is float16,
    and a blob's length alone cannot say which format it has without knowing the model's
    dimension, so this must run exactly once, inside the transaction that also records the
    new schema version. Returns how many rows it rewrote.
    """
    changed = 0
    last: tuple[int, str] = (-1, "")
    while True:
        rows = conn.execute(
            "SELECT photo_id, model, vector FROM features WHERE (photo_id, model) > (?, ?) "
            "ORDER BY photo_id, model LIMIT ?",
            (*last, batch),
        ).fetchall()
        if not rows:
            return changed
        conn.executemany(
            "UPDATE features SET vector = ? WHERE photo_id = ? AND model = ?",
            [(encode(np.frombuffer(blob, LEGACY_DTYPE)), pid, model) for pid, model, blob in rows],
        )
        changed += len(rows)
        last = (int(rows[-1][0]), str(rows[-1][1]))
