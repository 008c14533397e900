"""The reference's recorded answers, and a stand-in ``reference`` that replays them.

Public checks compare a student's code with the instructor's reference
(``reference.nn.sigmoid(x)``), and the reference never ships to students. So ``grader
release`` runs the public checks once against the reference, at a fixed public seed, with a
:class:`Recorder` behind the ``reference`` fixture. Per check it stores each call's dotted
name and a digest of its arguments, the result, and the state of every argument the call
changed (``forward(X, params, "a")`` stores its cache in ``params``). On a student's machine a
:class:`Replayer` stands in for the reference: a call whose (name, digest) was recorded gets
the recorded result and argument changes; any other call (its arguments derive from the
student's output, or the reference returned something the codec cannot carry, such as an
``nn.Module``) raises :class:`ReplayMiss`, and the check ends ``not_run``, never passed.

A check's calls are stored compactly: a call repeated with the same arguments and the same
answer is stored once with a count (:func:`compact_calls`), and each check's file is
zlib-compressed, which stores a numerical gradient loop (hundreds of calls whose answers
differ from the one before in a few entries) as little more than those entries.

Everything is encoded with :mod:`grader.codec` (framed JSON plus raw buffers, never pickle).
Digests are taken over the arguments with every float rounded to 24 significant bits
(float64; 12 for float32, fewer for half precision), so an input computed with ``np.exp`` on
another CPU, a last bit apart, almost always still finds its recording.
"""

from __future__ import annotations

import copy
import hashlib
import math
import sys
import zlib
from collections import deque
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import numpy as np

from grader.codec import CodecError, decode_payload, encode_message

__all__ = [
    "MISS_MESSAGE",
    "Recorder",
    "Replayer",
    "ReplayMiss",
    "compact_calls",
    "decode_recording",
    "digest",
    "encode",
    "recordings_close",
]

MISS_MESSAGE = (
    "this check compares with the instructor's solution on inputs that depend on your code; "
    "it runs when you hand in"
)
MAX_CALL_BYTES = 256 * 1024
"""A call whose result and changed arguments take more than this is not shipped."""

# Significant bits kept per float type (of 53, 24, 11 and 8): a last-bit difference changes
# a digest only when it crosses a rounding boundary, about once in 2**(p - kept) values.
_BITS = {"float64": 24, "complex128": 24, "float32": 12, "complex64": 12, "float16": 6}
_BITS_OTHER = 5  # bfloat16
_REF = "$reference"  # how a reference function passed as an argument enters a digest
_MAX_RECORDING_BYTES = 256 * 1024 * 1024  # a check's calls, uncompressed
_ZLIB = b"GRZ1"  # a compressed recording; a codec frame starts with its length, 8 bytes, 0 first


class ReplayMiss(BaseException):
    """A call the recording does not hold. A ``BaseException``, so that a check's ``except
    Exception`` cannot turn it into a pass; the plugin reports it as ``not_run``."""

    def __init__(self, message: str = MISS_MESSAGE) -> None:
        super().__init__(message)


class _Unrecordable(Exception):
    """An argument or result the codec cannot carry."""


# -- digests ------------------------------------------------------------------------------


def _round(values: np.ndarray[Any, Any], dtype: str) -> np.ndarray[Any, Any]:
    """Floats rounded to the bits kept for ``dtype`` (see _BITS), as float64; NaN canonical."""
    bits = _BITS.get(dtype, _BITS_OTHER)
    wide = values.astype(np.float64)
    mantissa, exponent = np.frexp(wide)
    with np.errstate(invalid="ignore", over="ignore"):
        rounded: np.ndarray[Any, Any] = np.ldexp(np.round(mantissa * 2.0**bits), exponent - bits)
    rounded[np.isnan(wide)] = np.nan
    return rounded


def _quantized(value: Any) -> Any:
    """``value`` with every float rounded (see the module docstring); other leaves unchanged."""
    kind = type(value)
    if kind is float:
        return float(_round(np.array([value]), "float64")[0])
    if kind is list or kind is tuple:
        return kind(_quantized(v) for v in value)
    if kind is dict:
        return {_quantized(k): _quantized(v) for k, v in value.items()}
    if kind is np.ndarray or isinstance(value, np.generic):
        array = np.asarray(value)
        if array.dtype.kind == "f":
            return ("$nd", array.dtype.str, _round(array, array.dtype.name))
        if array.dtype.kind == "c":
            name = array.dtype.name
            return ("$nd", array.dtype.str, _round(array.real, name), _round(array.imag, name))
        return value
    torch = sys.modules.get("torch")
    if torch is not None and kind is torch.Tensor:
        array = value.detach().to("cpu")
        floating = array.is_floating_point()
        numbers = array.double().numpy() if floating else array.numpy()
        name = str(value.dtype).removeprefix("torch.")
        rounded = _round(numbers, name) if floating else numbers
        return ("$tensor", str(value.dtype), bool(value.requires_grad), rounded)
    return value


def digest(args: tuple[Any, ...], kwargs: dict[str, Any], name_of: Callable[[Any], str]) -> str:
    """A digest of a call's arguments, stable across machines for the same inputs.

    ``name_of`` names a reference function passed as an argument; it raises
    :class:`_Unrecordable` for anything else the codec cannot carry.
    """
    try:
        parts = encode_message(
            [_quantized(list(args)), _quantized(dict(kwargs))],
            lambda other: {_REF: name_of(other)},
        )
    except (CodecError, RecursionError) as exc:
        raise _Unrecordable(str(exc)) from exc
    hasher = hashlib.sha256()
    for part in parts[1:]:  # the header lists every buffer's size, so this is unambiguous
        hasher.update(part)
    return hasher.hexdigest()[:32]


def _refuse(other: Any) -> Any:
    raise _Unrecordable(f"a {type(other).__name__} cannot be recorded")


def encode(value: Any) -> bytes:
    """One codec frame holding ``value`` (plain data only)."""
    try:
        return b"".join(bytes(p) for p in encode_message(value, _refuse))
    except CodecError as exc:
        raise _Unrecordable(str(exc)) from exc


def decode_recording(data: bytes) -> Any:
    """The value in one codec frame (as :func:`encode` wrote it, zlib-compressed or not);
    handles are refused."""

    def no_handles(body: Any) -> Any:
        raise CodecError("a recording holds no handles")

    if data.startswith(_ZLIB):
        inflate = zlib.decompressobj()
        try:
            data = inflate.decompress(data[len(_ZLIB) :], _MAX_RECORDING_BYTES)
        except zlib.error as exc:
            raise CodecError(f"a compressed recording cannot be read ({exc})") from exc
        if inflate.unconsumed_tail or not inflate.eof:
            raise CodecError(
                f"a compressed recording is cut short or holds over {_MAX_RECORDING_BYTES:,} bytes"
            )
    return decode_payload(bytearray(data[8:]), no_handles)


# -- compact storage -------------------------------------------------------------------------


def compact_calls(calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``calls`` as stored: a call whose function, arguments and answer equal those of the
    last stored call with that function and arguments adds to its ``times`` instead of being
    stored again (so the replay order per function and arguments is kept)."""
    stored: list[dict[str, Any]] = []
    last: dict[tuple[str, str], tuple[int, bytes]] = {}  # (function, args) -> (index, frame)
    for call in calls:
        if "args" not in call:  # a plain value: kept as it is
            stored.append(call)
            continue
        key, frame = (call["function"], call["args"]), encode(call)
        same = last.get(key)
        if same is not None and same[1] == frame:
            stored[same[0]]["times"] = stored[same[0]].get("times", 1) + 1
            continue
        last[key] = (len(stored), frame)
        stored.append(dict(call))
    return stored


# -- recording ------------------------------------------------------------------------------


class _RecordedFunction:
    """A reference function that logs each call made through it."""

    def __init__(self, name: str, real: Callable[..., Any], log: list[dict[str, Any]]) -> None:
        self.name, self.real, self.log = name, real, log

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        real_args = [a.real if isinstance(a, _RecordedFunction) else a for a in args]
        named: list[tuple[Any, Any]] = [*enumerate(args), *kwargs.items()]
        try:
            key = digest(args, kwargs, _name_of)
            each = {where: digest((value,), {}, _name_of) for where, value in named}
        except _Unrecordable:  # the same arguments will miss on replay too
            return self.real(*real_args, **kwargs)
        result = self.real(*real_args, **kwargs)
        self.log.append(_entry(self.name, key, result, named, each))
        return result


def _name_of(value: Any) -> str:
    if isinstance(value, _RecordedFunction | _ReplayedFunction):
        return value.name
    raise _Unrecordable(f"a {type(value).__name__} cannot be recorded")


def _entry(
    name: str, key: str, result: Any, named: list[tuple[Any, Any]], before: dict[Any, str]
) -> dict[str, Any]:
    """The log entry of one call: its result and the arguments it changed, or why not."""
    entry: dict[str, Any] = {"function": name, "args": key}
    try:
        after = {w: v for w, v in named if digest((v,), {}, _name_of) != before[w]}
        frame = encode({**entry, "result": result, "after": after})
    except _Unrecordable as exc:
        return {**entry, "unrecordable": str(exc)}
    if len(frame) > MAX_CALL_BYTES:
        size = f"{len(frame):,} bytes, over the {MAX_CALL_BYTES:,} shipped"
        return {**entry, "unrecordable": size}
    snapshot: dict[str, Any] = decode_recording(frame)  # as it is now: later calls may change it
    return snapshot


class _Module:
    """``reference.<module>``: functions logged, plain values recorded."""

    def __init__(self, name: str, real: Any, log: list[dict[str, Any]]) -> None:
        self._name, self._real, self._log = name, real, log

    def __getattr__(self, attr: str) -> Any:
        value = getattr(self._real, attr)
        dotted = f"{self._name}.{attr}"
        if callable(value):
            return _RecordedFunction(dotted, value, self._log)
        if not any(e["function"] == dotted and "args" not in e for e in self._log):
            try:
                self._log.append({"function": dotted, "value": decode_recording(encode(value))})
            except _Unrecordable as exc:
                self._log.append({"function": dotted, "unrecordable": str(exc)})
        return value


class Recorder:
    """Collects the reference's answers per check while the public checks run on it."""

    def __init__(self, reference: SimpleNamespace) -> None:
        self.reference = reference
        self.logs: dict[str, list[dict[str, Any]]] = {}

    def for_check(self, check: str) -> SimpleNamespace:
        """The ``reference`` fixture's value for ``check``: the reference, with calls logged."""
        log = self.logs.setdefault(check, [])
        return SimpleNamespace(
            **{name: _Module(name, mod, log) for name, mod in vars(self.reference).items()}
        )

    def files(self) -> dict[str, bytes]:
        """``<check>.rec`` -> one codec frame, for every check that used the reference."""
        return {
            f"{check}.rec": _ZLIB
            + zlib.compress(encode({"check": check, "calls": compact_calls(log)}), 9)
            for check, log in sorted(self.logs.items())
            if log
        }


# -- replay ---------------------------------------------------------------------------------


class _ReplayedFunction:
    """Stands in for a reference function: answers recorded calls, misses the rest."""

    def __init__(self, name: str, replayer: _CheckReplay) -> None:
        self.name, self.replayer = name, replayer

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            key = digest(args, kwargs, _name_of)
        except _Unrecordable:
            raise ReplayMiss() from None
        entry = self.replayer.next_entry(self.name, key)
        for where, value in entry["after"].items():
            target = args[where] if type(where) is int else kwargs.get(where)
            _assign_into(target, copy.deepcopy(value))
        return copy.deepcopy(entry["result"])


class _ReplayModule:
    def __init__(self, name: str, replayer: _CheckReplay) -> None:
        self._name, self._replayer = name, replayer

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        dotted = f"{self._name}.{attr}"
        if dotted in self._replayer.values:
            return copy.deepcopy(self._replayer.values[dotted])
        if dotted in self._replayer.unrecordable:
            raise ReplayMiss()
        return _ReplayedFunction(dotted, self._replayer)


class _CheckReplay:
    """One check's recorded calls, consumed in order per (function, digest)."""

    def __init__(self, calls: list[dict[str, Any]]) -> None:
        self.queues: dict[tuple[str, str], deque[dict[str, Any]]] = {}
        self.values: dict[str, Any] = {}
        self.unrecordable: set[str] = set()
        for call in calls:
            if "value" in call:
                self.values[call["function"]] = call["value"]
            elif "args" not in call:
                self.unrecordable.add(call["function"])
            else:
                queue = self.queues.setdefault((call["function"], call["args"]), deque())
                queue.extend([call] * call.get("times", 1))

    def next_entry(self, name: str, key: str) -> dict[str, Any]:
        queue = self.queues.get((name, key))
        if not queue or "unrecordable" in queue[0]:
            raise ReplayMiss()
        return queue.popleft()


class Replayer:
    """Stands in for the reference on a student's machine, from the bundle's recordings."""

    def __init__(self, modules: list[str], recordings: dict[str, bytes]) -> None:
        self.modules = modules
        self.calls: dict[str, list[dict[str, Any]]] = {}
        for data in recordings.values():
            tree = decode_recording(data)
            self.calls[tree["check"]] = tree["calls"]
        self._checks: dict[str, _CheckReplay] = {}

    def for_check(self, check: str) -> SimpleNamespace:
        """The ``reference`` fixture's value for ``check`` (a parametrised check shares one)."""
        replay = self._checks.setdefault(check, _CheckReplay(self.calls.get(check, [])))
        return SimpleNamespace(**{name: _ReplayModule(name, replay) for name in self.modules})


def _assign_into(target: Any, value: Any) -> None:
    """Make ``target`` hold ``value`` in place, keeping the identity of what can be kept."""
    torch = sys.modules.get("torch")
    if type(target) is dict and type(value) is dict:
        for key in [k for k in target if k not in value]:
            del target[key]
        for key, item in value.items():
            if key in target and _in_place(target[key], item):
                _assign_into(target[key], item)
            else:
                target[key] = item
    elif type(target) is list and type(value) is list:
        target[:] = value
    elif type(target) is np.ndarray and _in_place(target, value):
        target[...] = value
    elif torch is not None and type(target) is torch.Tensor and _in_place(target, value):
        with torch.no_grad():
            target.copy_(value)


def _in_place(target: Any, value: Any) -> bool:
    if type(target) is not type(value):
        return False
    if type(target) is dict:
        return True
    if hasattr(target, "shape") and hasattr(target, "dtype"):
        writeable = getattr(getattr(target, "flags", None), "writeable", True)
        return bool(target.shape == value.shape and target.dtype == value.dtype and writeable)
    return False


# -- staleness --------------------------------------------------------------------------------


def recordings_close(a: bytes, b: bytes, rtol: float = 1e-6) -> bool:
    """Do two recordings hold the same calls, with floats equal up to ``rtol``?"""
    try:
        return _close(decode_recording(a), decode_recording(b), rtol)
    except CodecError:
        return False


def _close(a: Any, b: Any, rtol: float) -> bool:
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return a.keys() == b.keys() and all(_close(a[k], b[k], rtol) for k in a)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(_close(x, y, rtol) for x, y in zip(a, b, strict=True))
    if type(a) is float:
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=rtol, abs_tol=1e-12)
    torch = sys.modules.get("torch")
    if torch is not None and type(a) is torch.Tensor:
        same = a.dtype == b.dtype and a.requires_grad == b.requires_grad
        return same and _close(a.detach().double().numpy(), b.detach().double().numpy(), rtol)
    if isinstance(a, np.ndarray | np.generic):
        x, y = np.asarray(a), np.asarray(b)
        if x.shape != y.shape or x.dtype != y.dtype:
            return False
        if x.dtype.kind in "fc":
            return bool(np.allclose(x, y, rtol=rtol, atol=1e-12, equal_nan=True))
        return bool(np.array_equal(x, y))
    return bool(a == b)
