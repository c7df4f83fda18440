"""Plain data between a student's kernel and the grader: `encode` writes JSON text there, `decode` reads it.

None, bools, strs, ints, finite floats and lists are JSON's own; every other value (a plain dict too) is a
tagged node {"$": TAG, ...}, TAG one of TAGS. Types are checked exactly; numpy and pandas are imported lazily.
`decode` imports nothing a message names, takes dtypes from allowlists and fails only with NotPlainData.
A value that contains itself is refused, REF or not."""

import base64
import datetime as dt
import functools
import importlib
import json
import math
import re
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

MAX_DEPTH = 100  # nesting limit, both ways
MAX_INT_DIGITS = 100_000  # hex digits of the longest int decode takes: a Fraction of two reduces in a second
ARRAY_BYTES_PER_CHAR = 32  # the arrays of a message take at most this many bytes a character, or 16 MiB
_DTYPES = re.compile(r"\|(b1|O)|[<>|]([iu][1248]|f[248]|c(8|16))|[<>](U\d{1,6}|[Mm]8\[([YMWDhms]|[mun]s)\])")
_PANDAS_DTYPES = re.compile(r"U?Int(8|16|32|64)|Float(32|64)|boolean|str(ing)?\[(python|pyarrow)\]")
_HEX_INT, _NON_FINITE = re.compile(rf"-?0x[0-9a-f]{{1,{MAX_INT_DIGITS}}}"), re.compile("nan|-?inf")
_KIND_TYPES = {"b": bool, "i": int, "u": int, "f": float, "c": complex, "U": str, "M": int, "m": int}
_TEXT = {t: getattr(dt, t).fromisoformat for t in ("datetime", "date", "time")}  # tags decode parses
_TEXT.update(complex=complex, decimal=Decimal)
_HANDED_OVER = ("ref", "import", "remote")  # the tags decode hands to REF; describe() makes the last two


class NotPlainData(ValueError):
    """The value, or the message, is not plain data."""


class _Unsupported(NotPlainData):
    """This value itself (not one inside it) is not plain data: describe() or REF may still take it."""


def _tag(tag: str, **fields: Any) -> dict:
    """A tagged node."""
    return {"$": tag, **fields}


class _Encoder:
    """Walks a value depth first into JSON's lists and scalars and tagged dicts."""

    def __init__(self, ref: Callable[[object], int] | None, describe: Callable[[object], dict | None] | None):
        self.ref, self.describe, self.open = ref, describe, set()

    def node(self, value: Any, depth: int) -> Any:
        """The JSON of VALUE, which sits DEPTH containers deep."""
        if depth > MAX_DEPTH or id(value) in self.open:
            raise NotPlainData(f"a value contains itself, or is nested deeper than {MAX_DEPTH}")
        module = str(getattr(type(value), "__module__", "")).partition(".")[0]
        self.open.add(id(value))
        try:
            if (encoder := _ENCODERS.get(type(value)) or _LAZY.get(module)) is None:
                raise _Unsupported("")
            return encoder(self, value, depth)
        except _Unsupported as exc:
            if self.describe and (described := self.describe(value)) is not None:
                if type(described) is dict and described.get("$") in _HANDED_OVER[1:]:
                    return described
                raise NotPlainData(f"describe() gave {described!r:.40}: no import or remote node") from None
            if self.ref is None:
                raise NotPlainData(f"a {type(value).__name__} is not plain data{exc}") from None
            return _tag("ref", id=self.ref(value))
        finally:
            self.open.discard(id(value))

    def offset(self, tz: Any) -> int:
        """The microseconds east of UTC of a fixed-offset timezone, the one kind of tzinfo that is plain."""
        if type(tz) is not dt.timezone:
            raise _Unsupported(f": the timezone {tz!r:.60} is not a datetime.timezone")
        return tz.utcoffset(None) // dt.timedelta(microseconds=1)

    def text(self, value: Any, depth: int) -> dict:
        """A complex, Decimal, date, time or datetime as its text; a tzinfo must be a fixed offset."""
        if getattr(value, "tzinfo", None) is not None:
            self.offset(value.tzinfo)
        return _tag(type(value).__name__.lower(), v=str(value))

    def items(self, values: Any, depth: int) -> list:
        """The nodes of the elements of a container that sits DEPTH deep."""
        return [self.node(item, depth + 1) for item in values]

    def array(self, arr: Any, depth: int) -> dict:
        """The "ndarray" node of a numpy array of an allowlisted dtype; datetimes go as int64 counts."""
        if not _DTYPES.fullmatch(arr.dtype.str):
            raise _Unsupported(f": an array of dtype {arr.dtype}")
        flat = self.items((arr.astype("i8") if arr.dtype.kind in "Mm" else arr).ravel().tolist(), depth)
        return _tag("ndarray", dtype=arr.dtype.str, shape=list(arr.shape), data=flat)

    def numpy(self, value: Any, depth: int) -> dict:
        """A numpy array as an "ndarray" node, a numpy scalar as an "np" node (a 0-d array's)."""
        np = importlib.import_module("numpy")
        if type(value) is np.ndarray:
            return self.array(value, depth)
        if not isinstance(value, np.generic) or type(value) is not value.dtype.type:
            raise _Unsupported(": not one of numpy's own arrays or scalars")
        return {**self.array(np.asarray(value), depth), "$": "np"}

    def pandas(self, value: Any, depth: int) -> dict:
        """A Series, DataFrame or index, pd.NA, pd.NaT, a Timestamp or a Timedelta."""
        pd = importlib.import_module("pandas")
        kind, sub, values = type(value), functools.partial(self.node, depth=depth + 1), self.values
        name = sub(value.name) if kind is pd.Series or isinstance(value, pd.Index) else None
        if kind is pd.Series:
            return _tag("series", values=values(value, depth + 1), index=sub(value.index), name=name)
        if kind is pd.DataFrame:
            data = [values(value.iloc[:, i], depth + 1) for i in range(value.shape[1])]
            return _tag("frame", data=data, index=sub(value.index), columns=sub(value.columns))
        if kind is pd.RangeIndex:
            return _tag("range_index", start=value.start, stop=value.stop, step=value.step, name=name)
        if kind is pd.MultiIndex:
            levels, codes = self.items(value.levels, depth), [self.array(c, depth + 1) for c in value.codes]
            return _tag("multi_index", levels=levels, codes=codes, names=self.items(value.names, depth))
        if kind in (pd.Index, pd.DatetimeIndex, pd.TimedeltaIndex, pd.CategoricalIndex):
            freq = getattr(value, "freqstr", None)
            return _tag("index", values=values(value, depth + 1), name=name, freq=freq)
        if kind is pd.Timestamp or kind is pd.Timedelta:
            tz = None if kind is pd.Timedelta or value.tz is None else self.offset(value.tz)
            return _tag(f"pd_{kind.__name__.lower()}", v=sub(value.to_numpy()), tz=tz)
        if value is pd.NA or value is pd.NaT:
            return _tag("na" if value is pd.NA else "nat")
        raise _Unsupported(": not one of the pandas types that are plain")

    def values(self, values: Any, depth: int) -> dict:
        """The node of the values of a Series or Index (DEPTH deep): an array node of their dtype."""
        pd = importlib.import_module("pandas")
        dtype, array = values.dtype, functools.partial(self.array, depth=depth + 1)
        if not isinstance(dtype, pd.api.extensions.ExtensionDtype):
            return self.array(values.to_numpy(), depth)
        if isinstance(dtype, pd.CategoricalDtype):
            codes, categories = array(values.array.codes), self.node(dtype.categories, depth + 1)
            return _tag("categorical", codes=codes, categories=categories, ordered=bool(dtype.ordered))
        if isinstance(dtype, pd.DatetimeTZDtype):
            utc = values.array.tz_convert("UTC").tz_localize(None).to_numpy()
            return _tag("datetime_tz", v=array(utc), tz=self.offset(dtype.tz))
        if isinstance(dtype, pd.StringDtype):
            name = f"{'string' if dtype.na_value is pd.NA else 'str'}[{dtype.storage}]"
        elif not _PANDAS_DTYPES.fullmatch(name := dtype.name):
            raise _Unsupported(f": values of dtype {dtype}")
        return _tag("extension", dtype=name, data=array(values.to_numpy(dtype=object, na_value=None)))


_ENCODERS: dict[type, Callable[[_Encoder, Any, int], Any]] = {
    **dict.fromkeys((type(None), bool, str), lambda enc, v, depth: v),
    int: lambda enc, v, depth: v if v.bit_length() <= 1000 else _tag("int", hex=hex(v)),
    float: lambda enc, v, depth: v if math.isfinite(v) else _tag("float", v=repr(v)),
    list: _Encoder.items,
    **dict.fromkeys((tuple, set, frozenset), lambda enc, v, d: _tag(type(v).__name__, items=enc.items(v, d))),
    dict: lambda enc, v, depth: _tag("dict", items=[enc.items(pair, depth) for pair in v.items()]),
    **dict.fromkeys((bytes, bytearray), lambda enc, v, d: _tag("bytes", b64=base64.b64encode(v).decode())),
    **dict.fromkeys((complex, Decimal, dt.datetime, dt.date, dt.time), _Encoder.text),
    dt.timedelta: lambda enc, v, depth: _tag("timedelta", us=v // dt.timedelta(microseconds=1)),
    Fraction: lambda enc, v, depth: _tag("fraction", items=enc.items((v.numerator, v.denominator), depth)),
}
_LAZY = {"numpy": _Encoder.numpy, "pandas": _Encoder.pandas}  # by the top module of a value's type


def encode(value: Any, ref: Callable[[object], int] | None = None, describe: Callable | None = None) -> str:
    """JSON text for VALUE; a part that is not plain data becomes DESCRIBE(part) if that gives a dict,
    else {"$": "ref", "id": REF(part)}, else NotPlainData is raised."""
    tree = _Encoder(ref, describe).node(value, 0)
    try:
        return json.dumps(tree, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError, RecursionError) as exc:  # a dict of describe() or an id of REF
        raise NotPlainData(f"not JSON-safe: {exc}") from None


class _Decoder:
    """Builds plain values from parsed JSON, checking every node; numpy and pandas refuse the rest."""

    def __init__(self, ref: Callable[[dict], Any] | None, budget: int):
        self.ref, self.budget = ref, budget  # the bytes its arrays may still take

    def value(self, node: Any, depth: int) -> Any:
        """The value of NODE, which sits DEPTH containers deep."""
        if depth > MAX_DEPTH:
            raise NotPlainData(f"nested deeper than {MAX_DEPTH}")
        if type(node) is not dict:  # a list, or None, a bool, int, float or str: all else json.loads makes
            return [self.value(item, depth + 1) for item in node] if type(node) is list else node
        if (tag := node.get("$")) in _HANDED_OVER and self.ref is not None:
            return self.ref(node)
        if type(tag) is not str or tag not in _BUILDERS:
            raise NotPlainData(f"unknown tag {tag!r:.40}, or no ref to hand it to")
        return _BUILDERS[tag](self, node, depth + 1)

    def sub(self, node: dict, key: str, depth: int) -> Any:
        """The value of NODE[KEY], DEPTH deep."""
        return self.value(node.get(key), depth)

    def each(self, node: dict, key: str, depth: int) -> list:
        """The values of the list NODE[KEY], each DEPTH deep."""
        return [self.value(item, depth) for item in self.field(node, key, list)]

    def field(self, node: dict, key: str, kind: type, pattern: re.Pattern | None = None) -> Any:
        """The JSON NODE[KEY], which must be a KIND and, if PATTERN is given, match it."""
        if type(value := node.get(key)) is not kind or pattern and not pattern.fullmatch(value):
            raise NotPlainData(f"{node['$']} node: {key} is not an allowed {kind.__name__}")
        return value

    def pairs(self, node: dict, depth: int) -> dict:
        """The dict of a "dict" node's [key, value] pairs."""
        if not all(type(pair) is list and len(pair) == 2 for pair in self.field(node, "items", list)):
            raise NotPlainData("dict node: an item is not a [key, value] pair")
        return {self.value(key, depth): self.value(value, depth) for key, value in node["items"]}

    def array(self, node: dict, depth: int) -> Any:
        """A numpy array of an allowlisted dtype from its flat data, each element checked."""
        np = importlib.import_module("numpy")
        dtype, shape = np.dtype(self.field(node, "dtype", str, _DTYPES)), self.field(node, "shape", list)
        data = self.each(node, "data", depth)
        self.budget -= dtype.itemsize * len(data)
        if len(data) != math.prod(shape) or self.budget < 0:
            raise NotPlainData("ndarray node: the data does not fill the shape, or the arrays are too big")
        if (want := _KIND_TYPES.get(dtype.kind)) and not all(type(item) is want for item in data):
            raise NotPlainData(f"ndarray node: an element of a {dtype} array is not of type {want.__name__}")
        if dtype.kind == "O":
            return np.fromiter(data, dtype=object, count=len(data)).reshape(shape)
        return np.array(data, dtype="i8" if dtype.kind in "Mm" else dtype).astype(dtype).reshape(shape)

    def pandas(self, node: dict, depth: int) -> Any:
        """A Series, DataFrame or index from its node."""
        pd = importlib.import_module("pandas")
        tag, name = node["$"], self.sub(node, "name", depth)
        if tag == "range_index":
            return pd.RangeIndex(*(self.sub(node, k, depth) for k in ("start", "stop", "step")), name=name)
        if tag == "multi_index":
            levels, codes, names = (self.each(node, key, depth) for key in ("levels", "codes", "names"))
            return pd.MultiIndex(levels, codes, names=names)
        if tag == "frame":
            index, data = self.sub(node, "index", depth), enumerate(self.each(node, "data", depth))
            frame = pd.DataFrame({i: pd.Series(c, index, c.dtype, copy=False) for i, c in data}, index=index)
            frame.columns = self.sub(node, "columns", depth)
            return frame
        values = self.sub(node, "values", depth)
        if tag == "series":
            return pd.Series(values, self.sub(node, "index", depth), values.dtype, name, copy=False)
        index, freq = pd.Index(values, values.dtype, name=name, copy=False), node.get("freq")
        return index if freq is None else type(index)(index, freq=self.field(node, "freq", str))

    def pandas_values(self, node: dict, depth: int) -> Any:
        """pd.NA, pd.NaT, a Timestamp, a Timedelta, or the values of a Series or Index, from its node."""
        pd = importlib.import_module("pandas")
        if (tag := node["$"]) in ("na", "nat"):
            return pd.NA if tag == "na" else pd.NaT
        if tag == "categorical":
            categories, ordered = self.sub(node, "categories", depth), self.field(node, "ordered", bool)
            return pd.Categorical.from_codes(self.sub(node, "codes", depth), categories, ordered)
        if tag == "extension":
            na, _, storage = self.field(node, "dtype", str, _PANDAS_DTYPES).rstrip("]").partition("[")
            dtype = pd.StringDtype(storage, pd.NA if na == "string" else math.nan) if storage else na
            return pd.array(self.sub(node, "data", depth), dtype=dtype)
        make = {"pd_timestamp": pd.Timestamp, "pd_timedelta": pd.Timedelta, "datetime_tz": pd.array}[tag]
        made, us = make(self.sub(node, "v", depth)), node.get("tz")
        return made if us is None else made.tz_localize("UTC").tz_convert(dt.timezone(dt.timedelta(0, 0, us)))


_BUILDERS: dict[str, Callable[[_Decoder, dict, int], Any]] = {
    "int": lambda dec, node, depth: int(dec.field(node, "hex", str, _HEX_INT), 16),
    "float": lambda dec, node, depth: float(dec.field(node, "v", str, _NON_FINITE)),
    "bytes": lambda dec, node, depth: base64.b64decode(dec.field(node, "b64", str), validate=True),
    "tuple": lambda dec, node, depth: tuple(dec.each(node, "items", depth)),
    "set": lambda dec, node, depth: set(dec.each(node, "items", depth)),
    "frozenset": lambda dec, node, depth: frozenset(dec.each(node, "items", depth)),
    "dict": _Decoder.pairs,
    **{t: lambda dec, node, depth, make=make: make(dec.field(node, "v", str)) for t, make in _TEXT.items()},
    "timedelta": lambda dec, node, depth: dt.timedelta(microseconds=dec.field(node, "us", int)),
    "fraction": lambda dec, node, depth: Fraction(*dec.each(node, "items", depth)),
    "ndarray": _Decoder.array,
    "np": lambda dec, node, depth: dec.array(node, depth)[()],
    **dict.fromkeys(("series", "frame", "index", "range_index", "multi_index"), _Decoder.pandas),
    **dict.fromkeys(("na", "nat", "pd_timestamp", "pd_timedelta", "datetime_tz"), _Decoder.pandas_values),
    **dict.fromkeys(("categorical", "extension"), _Decoder.pandas_values),
}
TAGS = (*_HANDED_OVER, *_BUILDERS)  # every tag a message may hold


def _strict(pairs: Any) -> dict:
    """A JSON object as a dict; refuses a key (say "$") given twice, and the non-standard NaN and Infinity."""
    if type(pairs) is str or len(node := dict(pairs)) != len(pairs):
        raise NotPlainData(f"{pairs} is not standard JSON" if type(pairs) is str else "a key comes twice")
    return node


def decode(text: str, ref: Callable[[dict], Any] | None = None, max_bytes: int = 64 * 2**20) -> object:
    """The value of JSON TEXT made by `encode`; "ref", "import" and "remote" nodes become REF(node)."""
    if type(text) is not str or len(text) > max_bytes:
        raise NotPlainData(f"the message is not text of at most {max_bytes} characters")
    try:
        tree = json.loads(text, object_pairs_hook=_strict, parse_constant=_strict)
        return _Decoder(ref, max(2**24, ARRAY_BYTES_PER_CHAR * len(text))).value(tree, 0)
    except NotPlainData:
        raise
    except Exception as exc:  # malformed JSON, too deep for the parser, or what numpy, pandas or REF refused
        raise NotPlainData(f"malformed message: {type(exc).__name__}: {exc}"[:300]) from exc
