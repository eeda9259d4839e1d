"""Read a legacy (pre-1.6, non-zip) PyTorch ``.pth`` state dict without importing torch.

The legacy layout is a sequence of pickles followed by raw storages:

1. magic number, protocol version, sys info (three small pickles);
2. the state dict itself, where each tensor refers to a storage by a persistent id;
3. a pickled list of storage keys, in the order the raw storages follow;
4. for each key: an int64 element count, then the raw little-endian elements.

Storages are only known after the main pickle is read, so tensors are rebuilt lazily.
"""

from __future__ import annotations

import collections
import pickle
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C

# Storage class names (as pickled: torch.FloatStorage etc.) to numpy dtypes.
_STORAGE_DTYPES: dict[str, np.dtype[Any]] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("i1"),
    "ByteStorage": np.dtype("u1"),
    "BoolStorage": np.dtype("?"),
}


class TorchLegacyError(ValueError):
    """The file is not a legacy torch state dict this reader understands."""


@dataclass(frozen=True)
class _StorageType:
    name: str

    @property
    def dtype(self) -> np.dtype[Any]:
        return _STORAGE_DTYPES[self.name]


@dataclass
class _StorageRef:
    key: str
    dtype: np.dtype[Any]
    offset: int  # element offset for (rare) storage views


@dataclass
class _LazyTensor:
    storage: _StorageRef
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]

    def materialise(self, storages: dict[str, np.ndarray]) -> np.ndarray:
        flat = storages[self.storage.key]
        start = self.storage.offset + self.offset
        if not self.size:
            return np.array(flat[start], dtype=flat.dtype)
        itemsize = flat.dtype.itemsize
        view = np.lib.stride_tricks.as_strided(
            flat[start:],
            shape=self.size,
            strides=tuple(s * itemsize for s in self.stride),
            writeable=False,
        )
        return np.ascontiguousarray(view)


def _rebuild_tensor_v2(
    storage: _StorageRef,
    storage_offset: int,
    size: tuple[int, ...],
    stride: tuple[int, ...],
    *_ignored: Any,
) -> _LazyTensor:
    """Stand-in for torch._utils._rebuild_tensor_v2 (requires_grad and hooks are dropped)."""
    return _LazyTensor(storage, storage_offset, tuple(size), tuple(stride))


def _rebuild_parameter(data: _LazyTensor, *_ignored: Any) -> _LazyTensor:
    return data


class _LegacyUnpickler(pickle.Unpickler):
    """Allows only the few globals a state dict needs, so a hostile file cannot run code."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _STORAGE_DTYPES:
            return _StorageType(name)
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise TorchLegacyError(f"unsupported global in torch file: {module}.{name}")

    def persistent_load(self, pid: Any) -> _StorageRef:
        # ('storage', storage_type, root_key, location, numel, view_metadata)
        if not isinstance(pid, tuple) or not pid or pid[0] != "storage":
            raise TorchLegacyError(f"unsupported persistent id: {pid!r}")
        _, storage_type, root_key, _location, _numel, view_metadata = pid
        if not isinstance(storage_type, _StorageType):
            raise TorchLegacyError(f"unsupported storage type: {storage_type!r}")
        offset = 0
        if view_metadata is not None:
            _view_key, offset, _view_size = view_metadata
        return _StorageRef(str(root_key), storage_type.dtype, int(offset))


def _read_storages(
    f: IO[bytes], keys: list[str], dtypes: dict[str, np.dtype[Any]]
) -> dict[str, np.ndarray]:
    storages: dict[str, np.ndarray] = {}
    for key in keys:
        (numel,) = struct.unpack("<q", f.read(8))
        if key not in dtypes:
            # The element size is only known from a tensor that uses the storage.
            raise TorchLegacyError(f"storage {key} is not used by any tensor")
        dtype = dtypes[key]
        nbytes = numel * dtype.itemsize
        raw = f.read(nbytes)
        if len(raw) != nbytes:
            raise TorchLegacyError(f"truncated storage {key}: wanted {nbytes} bytes")
        storages[key] = np.frombuffer(raw, dtype=dtype)
    return storages


def load_state_dict(path: str | Path) -> dict[str, np.ndarray]:
    """Load a legacy torch state dict file as a dict of numpy arrays (key order preserved)."""
    with open(path, "rb") as f:
        if f.read(4) == b"PK\x03\x04":
            raise TorchLegacyError(f"{path}: not a legacy torch file (zip files are not supported)")
        f.seek(0)
        try:
            magic = pickle.load(f)
        except (pickle.UnpicklingError, EOFError, ValueError) as e:
            raise TorchLegacyError(f"{path}: not a legacy torch file ({e})") from e
        if magic != LEGACY_MAGIC:
            raise TorchLegacyError(f"{path}: not a legacy torch file (bad magic number)")
        protocol = pickle.load(f)
        if protocol != 1001:
            raise TorchLegacyError(f"{path}: unsupported legacy protocol {protocol}")
        sys_info = pickle.load(f)
        if not sys_info.get("little_endian", True):
            raise TorchLegacyError(f"{path}: big-endian torch files are not supported")

        refs: dict[str, np.dtype[Any]] = {}
        unpickler = _LegacyUnpickler(f)
        state = unpickler.load()
        if not isinstance(state, dict):
            raise TorchLegacyError(f"{path}: top-level object is {type(state).__name__}, not dict")
        for value in state.values():
            if isinstance(value, _LazyTensor):
                refs[value.storage.key] = value.storage.dtype

        keys = pickle.load(f)
        storages = _read_storages(f, [str(k) for k in keys], refs)

    out: dict[str, np.ndarray] = {}
    for name, value in state.items():
        if isinstance(value, _LazyTensor):
            out[str(name)] = value.materialise(storages)
    return out
