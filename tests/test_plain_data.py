"""The plain-data codec: every plain type round-trips exactly; a hostile message only ever fails cleanly."""

import datetime as dt
import functools
import json
import math
import subprocess
import sys
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from course.grading.plain_data import MAX_DEPTH, TAGS, NotPlainData, decode, encode

PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


def roundtrip(value):
    text = encode(value)
    json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} is not standard JSON"))
    return decode(text)


def same(a, b) -> bool:
    """Equal, of the same exact type all the way down (nan equals nan, -0.0 is not 0.0)."""
    if type(a) is not type(b):
        return False
    if type(a) is float:
        return math.copysign(1, a) == math.copysign(1, b) and (a == b or math.isnan(a) and math.isnan(b))
    if type(a) is complex:
        return same(a.real, b.real) and same(a.imag, b.imag)
    if type(a) in (list, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if type(a) is dict:
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if type(a) is Decimal:
        return str(a) == str(b)
    if isinstance(a, dt.datetime | dt.time):
        return a == b and a.utcoffset() == b.utcoffset()
    return a == b


SCALARS = [
    None, True, False, 0, -1, 2**63, -(2**200), 10**4000, 1.5, -0.0, 0.0, float("nan"), float("inf"),
    float("-inf"), 1e-310, 1 + 2j, complex(-0.0, float("nan")), complex(float("inf"), -0.0), "", "héllo\n",
    "\ud800", b"", b"\x00\xff", dt.datetime(2024, 2, 29, 13, 1, 2, 3), dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
    dt.datetime(2024, 1, 1, 5, tzinfo=PLUS_TWO), dt.date(1, 1, 1), dt.time(23, 59, 59, 999999),
    dt.time(1, 2, tzinfo=PLUS_TWO), dt.timedelta(days=-3, microseconds=7), dt.timedelta.max,
    Decimal("1.10"), Decimal("-0"), Decimal("NaN"), Decimal("-Infinity"), Fraction(-1, 3),
    Fraction(10**500, 7),
]  # fmt: skip


@pytest.mark.parametrize("value", SCALARS, ids=repr)
def test_plain_scalars_round_trip_exactly(value):
    assert same(roundtrip(value), value)


def test_bytearray_comes_back_as_bytes():
    assert roundtrip(bytearray(b"ab")) == b"ab"


CONTAINERS = [
    [], (), {}, set(), frozenset(), [1, [2, [3, []]]], (1,), ("a", (None, 2.5)), {1, "1", (1, 2)},
    frozenset({frozenset({1})}), {"b": 1, "a": 2}, {(1, 2): "tuple key", 3: [4], None: {}, 1.5: (2,)},
    {frozenset({1}): {("x", b"y"): [dt.date(2024, 1, 1)]}}, [{"$": "ref", "id": 1}], {"$": "import"},
]  # fmt: skip


@pytest.mark.parametrize("value", CONTAINERS, ids=lambda v: type(v).__name__)  # set order varies by run
def test_containers_round_trip_with_their_keys_and_order(value):
    assert same(roundtrip(value), value)


def test_a_plain_dict_is_always_a_tagged_node():
    assert json.loads(encode({"$": "ref", "id": 1})) == {"$": "dict", "items": [["$", "ref"], ["id", 1]]}
    assert decode(encode({"$": "import"})) == {"$": "import"}


NUMPY_SCALARS = [
    np.int8(-5), np.int64(2**62), np.uint64(2**64 - 1), np.float16(0.1), np.float32(np.nan), np.float64(-0.0),
    np.complex64(1 - 2j), np.bool_(True), np.str_("häh"), np.datetime64("2024-01-01T10:00", "ns"),
    np.datetime64("NaT", "s"), np.timedelta64(-5, "D"), np.datetime64("2024-03", "M"),
]  # fmt: skip


@pytest.mark.parametrize("value", NUMPY_SCALARS, ids=repr)
def test_numpy_scalars_keep_their_dtype(value):
    back = roundtrip(value)
    assert type(back) is type(value) and back.dtype == value.dtype
    np.testing.assert_array_equal(back, value)


ARRAYS = [
    np.arange(12, dtype="i2").reshape(3, 4), np.array([], dtype="u8"), np.zeros((0, 3), "f4"), np.array(7),
    np.array([1.5, np.nan, -np.inf, -0.0]), np.array([[True, False]]), np.array(["a", "bcd", ""]),
    np.array([1 + 1j, np.nan * 1j], dtype="c8"), np.array(["2024-01-01", "NaT"], dtype="M8[ns]"),
    np.array([1, -2], dtype="m8[us]"), np.array([1, -2], dtype=">i4"), np.array([5], dtype=">M8[s]"),
    np.array([1, "a", None, [2], (3,), {4: 5}, np.float32(1)], dtype=object), np.arange(6).reshape(2, 3).T,
]  # fmt: skip


@pytest.mark.parametrize("array", ARRAYS, ids=lambda a: f"{a.dtype.str}{a.shape}")
def test_numpy_arrays_keep_dtype_shape_and_values(array):
    back = roundtrip(array)
    assert type(back) is np.ndarray and back.dtype == array.dtype and back.shape == array.shape
    np.testing.assert_array_equal(back, array)
    if array.dtype == object:
        assert all(same(x, y) for x, y in zip(back.ravel(), array.ravel(), strict=True))


def frame() -> pd.DataFrame:
    index = pd.Index(["a", "b", "c"], name="key")
    return pd.DataFrame(
        {
            "i8": np.array([1, 2, 3], dtype="i8"), "u1": np.array([1, 2, 255], dtype="u1"),
            "f4": np.array([1.5, np.nan, 3], dtype="f4"), "bool": [True, False, True],
            "obj": pd.Series([1, "x", None], index=index, dtype=object),
            "obj_na": pd.Series([pd.NA, pd.NaT, np.nan], index=index, dtype=object),
            "str": pd.Series(["x", None, "z"], index=index),
            "string": pd.array(["x", pd.NA, "z"], dtype="string"),
            "dt": pd.to_datetime(["2024-01-01", None, "2024-01-03"]).as_unit("ns"),
            "dt_utc": pd.to_datetime(["2024-01-01", None, "2024-01-03"]).tz_localize("UTC"),
            "dt_fixed": pd.to_datetime(["2024-01-01", None, "2024-01-03"]).tz_localize(PLUS_TWO),
            "td": pd.to_timedelta(["1s", None, "3D"]),
            "cat": pd.Categorical(["lo", "hi", None], categories=["lo", "hi"], ordered=True),
            "Int64": pd.array([1, None, 3], dtype="Int64"), "UInt8": pd.array([1, None, 3], dtype="UInt8"),
            "Float64": pd.array([1.5, None, 3], dtype="Float64"),
            "boolean": pd.array([True, None, False], dtype="boolean"),
        },
        index=index,
    )  # fmt: skip


def assert_same_frame(back, value):
    pd.testing.assert_frame_equal(back, value, check_exact=True)
    assert list(back.dtypes) == list(value.dtypes)
    assert type(back.index) is type(value.index) and type(back.columns) is type(value.columns)


def test_a_frame_of_every_dtype_round_trips():
    assert_same_frame(roundtrip(frame()), frame())


@pytest.mark.parametrize("column", list(frame().columns))
def test_each_column_round_trips_as_a_series_and_as_an_index(column):
    series = frame()[column].rename(("a", 1))
    back = roundtrip(series)
    pd.testing.assert_series_equal(back, series, check_exact=True)
    assert back.dtype == series.dtype
    index = pd.Index(series, name="n")
    pd.testing.assert_index_equal(roundtrip(index), index, exact=True)


FRAMES = [
    pd.DataFrame(), pd.DataFrame(index=[3, 1]), pd.DataFrame({"a": []}),
    pd.DataFrame([[1, 2]], columns=["x", "x"]),
    pd.DataFrame({"v": [1, 2, 3]}, index=pd.RangeIndex(10, 4, -2, name="r")),
    pd.DataFrame({"v": [1.0, 2.0]}, index=pd.date_range("2024-01-01", periods=2, freq="D", name="day")),
    pd.DataFrame({"v": [1, 2]}, index=pd.timedelta_range("1h", periods=2, freq="h")),
    pd.DataFrame({"v": [1, 2]}, index=pd.date_range("2024", periods=2, freq="ME", tz="UTC")),
    pd.DataFrame({"v": range(4)}, index=pd.MultiIndex.from_product([["a", "b"], [1, 2]], names=["s", None])),
    pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([("a", 1), ("a", 2)], names=["k", "n"])),
    pd.DataFrame({"v": [1, 2]}, index=pd.CategoricalIndex(["x", "y"], name="c")),
    pd.DataFrame({"v": [1, 2]}, index=pd.Index([1, 1], name="dup")).rename_axis(columns="cols"),
    pd.DataFrame({1.5: [1], None: [2], (1, "a"): [3]}),
    pd.DataFrame({"v": [1]}, index=pd.Index([1], dtype=object)),
]  # fmt: skip


@pytest.mark.parametrize("value", FRAMES, ids=lambda f: repr(f.index)[:40])
def test_frames_keep_their_index_columns_and_names(value):
    assert_same_frame(roundtrip(value), value)


def test_pandas_scalars_and_nested_pandas_values():
    values = [
        pd.NA,
        pd.NaT,
        pd.Timestamp("2024-01-01 10:00:00.123456789"),
        pd.Timestamp("2024-01-01", tz=PLUS_TWO),
    ]
    values += [pd.Timedelta("1D 2h"), pd.Timestamp("2024-01-01", tz="UTC").as_unit("s")]
    back = roundtrip(values)
    assert back[0] is pd.NA and back[1] is pd.NaT
    for got, want in zip(back[2:], values[2:], strict=True):
        assert type(got) is type(want) and got == want and got.unit == want.unit and str(got) == str(want)
    nested = roundtrip({"s": pd.Series([1]), "i": pd.RangeIndex(3)})
    pd.testing.assert_series_equal(nested["s"], pd.Series([1]))
    pd.testing.assert_index_equal(nested["i"], pd.RangeIndex(3), exact=True)


def test_nesting_up_to_the_limit_round_trips_both_ways():
    value, dicts, frames = [], 1, pd.DataFrame({"a": [1]})  # its column labels: an Index of a str array
    for _ in range(MAX_DEPTH):
        value, dicts = [value], {"k": dicts}
    for _ in range(MAX_DEPTH - 4):
        frames = [frames]
    assert roundtrip(value) == value and roundtrip(dicts) == dicts
    assert roundtrip({1: (value[0][0],)}) == {1: (value[0][0],)}
    frames = roundtrip(frames)
    for _ in range(MAX_DEPTH - 4):
        frames = frames[0]
    pd.testing.assert_frame_equal(frames, pd.DataFrame({"a": [1]}))
    with pytest.raises(NotPlainData, match="deeper"):
        encode([value])
    with pytest.raises(NotPlainData, match="deeper"):
        decode("[" * (MAX_DEPTH + 1) + "[]" + "]" * (MAX_DEPTH + 1))


class Loud(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


class Thing:
    def __eq__(self, other):
        return True


NOT_PLAIN = [
    Loud("x"), Thing(), Thing, print, object(), iter([]), range(3), [1, Thing()], {Loud("k"): 1},
    dt.datetime(2024, 1, 1, tzinfo=ZoneInfo("Europe/Berlin")), dt.time(1, tzinfo=ZoneInfo("UTC")),
    np.array([(1, 2)], dtype="i4,i4"), np.ma.masked_array([1]), np.bytes_(b"x"), np.longdouble(1),
    np.array([b"1"]), np.array([1], dtype="M8[10s]"), pd.Series(pd.period_range("2024", periods=2, freq="D")),
    pd.Series([1]).astype("Sparse[int]"), pd.Series(pd.date_range("2024", periods=2, tz="Europe/Berlin")),
    pd.Categorical(["a"]), pd.Timestamp("2024", tz="Europe/Berlin"), np.array([1, Thing()], dtype=object),
    pd.Series([1], index=pd.Index([Thing()], dtype=object)), type("Dict", (dict,), {})(),
]  # fmt: skip


@pytest.mark.parametrize("value", NOT_PLAIN, ids=lambda v: type(v).__name__)
def test_what_is_not_plain_data_is_refused_without_ref(value):
    with pytest.raises(NotPlainData, match="not plain data"):
        encode(value)


def test_a_cyclic_value_is_refused_even_with_ref():
    cyclic = [1]
    cyclic.append(cyclic)
    array = np.empty(1, dtype=object)
    array[0] = array
    for value in (cyclic, {"k": (cyclic,)}, array):
        with pytest.raises(NotPlainData, match="contains itself"):
            encode(value, ref=id)


def test_ref_and_describe_replace_what_is_not_plain():
    thing, other, refs = Thing(), Thing(), []
    described = {"$": "import", "module": "math", "name": "pi"}

    def ref(part):
        refs.append(part)
        return len(refs)

    def describe(part):
        return described if part is other else None

    text = encode(
        [thing, {"k": other}, Loud("s"), pd.Series(pd.period_range("2024", periods=1))], ref, describe
    )
    assert refs[0] is thing and type(refs[1]) is Loud and type(refs[2]) is pd.Series
    nodes = []
    back = decode(text, ref=lambda node: nodes.append(node) or f"<{node['$']}>")
    assert back == ["<ref>", {"k": "<import>"}, "<ref>", "<ref>"]
    assert nodes == [{"$": "ref", "id": 1}, described, {"$": "ref", "id": 2}, {"$": "ref", "id": 3}]


def test_an_object_array_may_hold_refs():
    back = decode(
        encode(np.array([1, Thing()], dtype=object), ref=lambda part: 7), ref=lambda node: ("ref", node["id"])
    )
    assert back.dtype == object and back[0] == 1 and back[1] == ("ref", 7)


@pytest.mark.parametrize(
    "bad", [{"$": "ref"}, {"$": "dict", "items": []}, {"x": 1}, ["$"], {"$": "remote", "x": {1}}]
)
def test_describe_must_give_a_json_safe_import_or_remote_node(bad):
    with pytest.raises(NotPlainData):
        encode(Thing(), describe=lambda part: bad)


def node(tag: str, **fields) -> dict:
    return {"$": tag, **fields}


def array(dtype: str, data: list, shape: list | None = None) -> dict:
    return node("ndarray", dtype=dtype, shape=[len(data)] if shape is None else shape, data=data)


RANGE_1 = node("range_index", start=0, stop=1, step=1, name=None)
HOSTILE_NODES = {
    "untagged object": {"a": 1},
    "unknown tag": node("pickle", data="gASV"),
    "tag not a string": node(["ref"]),
    "ref without a ref callback": node("ref", id=1),
    "import without a ref callback": node("import", module="os", name="system"),
    "remote without a ref callback": node("remote", id=1),
    "bad dtype V8": array("|V8", [1]),
    "bad dtype object name": array("object", [1]),
    "bad dtype pickle": array("numpy.core.multiarray._reconstruct", [1]),
    "dtype not a string": node("np", dtype=["<i8"], shape=[], data=[1]),
    "float array of strings": array("<f8", ["1.5"]),
    "int array of a tuple": array("<i8", [node("tuple", items=[1])]),
    "bool array of ints": array("|b1", [1]),
    "shape does not fit": array("<i8", [1, 2, 3], [2, 2]),
    "negative shape": array("<i8", [1], [-1, -1]),
    "shape of strings": array("<i8", [1], ["1"]),
    "huge str width": array("<U999999", [""] * 100),
    "object array of an unknown tag": array("|O", [node("eval")]),
    "object array of a ref, no callback": array("|O", [node("ref", id=1)]),
    "extension dtype not allowed": node("extension", dtype="interval", data=array("|O", [])),
    "extension dtype of a module": node("extension", dtype="os.system", data=array("|O", [])),
    "bad string storage": node("extension", dtype="string[evil]", data=array("|O", [])),
    "unhashable set element": node("set", items=[[1]]),
    "unhashable dict key": node("dict", items=[[[1], 2]]),
    "dict item not a pair": node("dict", items=[[1, 2, 3]]),
    "dict item a string": node("dict", items=["ab"]),
    "items not a list": node("tuple", items="abc"),
    "int digits not hex": node("int", hex="12"),
    "int too long": node("int", hex="0x" + "f" * 100_001),
    "float not special": node("float", v="1.5"),
    "bad complex": node("complex", v="__import__('os')"),
    "bad datetime": node("datetime", v="yesterday"),
    "bad time type": node("time", v=3600),
    "bad bytes": node("bytes", b64="!!"),
    "zero denominator": node("fraction", items=[1, 0]),
    "timedelta overflow": node("timedelta", us=10**30),
    "series index too short": node("series", values=array("<i8", [1, 2]), index=RANGE_1, name=None),
    "series of a list": node("series", values=[1], index=RANGE_1, name=None),
    "series name unhashable": node("series", values=array("<i8", [1]), index=RANGE_1, name=[1]),
    "frame column too long": node("frame", index=RANGE_1, columns=RANGE_1, data=[array("<i8", [1, 2])]),
    "frame columns too many": node("frame", index=RANGE_1, columns=array("<i8", [1, 2]), data=[]),
    "categorical code out of range": node(
        "categorical",
        codes=array("|i1", [5]),
        categories=node("index", values=array("|O", ["a"])),
        ordered=False,
    ),
    "freq that does not fit": node("index", values=array("<M8[s]", [0, 5]), name=None, freq="D"),
    "freq on a plain index": node("index", values=array("<i8", [0, 5]), name=None, freq="D"),
    "timezone out of range": node(
        "pd_timestamp", v=node("np", dtype="<M8[s]", shape=[], data=[0]), tz=10**12
    ),
}
HOSTILE = {
    "not json": "{",
    "trailing garbage": "[1] [2]",
    "NaN literal": "NaN",
    "Infinity literal": "[1, -Infinity]",
    "repeated $": '{"$": "tuple", "$": "ref", "id": 1, "items": []}',
    "int digits too long for JSON": "1" + "0" * 5000,
    "not text": b"[1]",
    **{name: json.dumps(value) for name, value in HOSTILE_NODES.items()},
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_messages_fail_cleanly(text):
    with pytest.raises(NotPlainData) as failure:
        decode(text)
    assert 0 < len(str(failure.value)) <= 300


def test_deep_nesting_never_escapes_as_a_recursion_error():
    for text in ("[" * 1000 + "]" * 1000, "[" * 200_000 + "]" * 200_000, '{"$": "tuple", "items": [' * 1000):
        with pytest.raises(NotPlainData):
            decode(text)
    nested = "1"
    for _ in range(MAX_DEPTH + 1):
        nested = '{"$": "tuple", "items": [' + nested + "]}"
    with pytest.raises(NotPlainData, match="deeper"):
        decode(nested)
    with pytest.raises(NotPlainData, match="deeper"):
        encode(functools.reduce(lambda inner, _: [inner], range(1000), []))


def test_a_message_longer_than_max_bytes_is_refused_before_parsing():
    with pytest.raises(NotPlainData, match="at most 10 characters"):
        decode("[" + "1," * 10 + "1]", max_bytes=10)
    with pytest.raises(NotPlainData, match="at most"):
        decode(" " * (64 * 2**20 + 1))
    assert decode(encode(list(range(3))), max_bytes=10) == [0, 1, 2]


def test_encode_makes_every_tag_of_the_tag_list():
    def tags(node):
        if type(node) is list:
            return set().union(*map(tags, node))
        return {node["$"]}.union(*map(tags, node.values())) if type(node) is dict else set()

    def describe(part):
        return {"$": "import" if part is print else "remote", "id": 1} if callable(part) else None

    values = [SCALARS, CONTAINERS, NUMPY_SCALARS, ARRAYS, frame(), FRAMES, Thing(), print, Thing]
    values += [pd.NA, pd.NaT, pd.Timestamp("2024"), pd.Timedelta(1), pd.Index(frame()["cat"]), pd.Series([1])]
    assert tags(json.loads(encode(values, ref=id, describe=describe))) == set(TAGS)
    assert len(TAGS) == len(set(TAGS)) == 31


def test_numpy_and_pandas_are_imported_only_when_met():
    code = (
        "import sys; from course.grading.plain_data import encode, decode\n"
        "decode(encode([1, {2: (3.5, b'x')}]))\n"
        "print('numpy' in sys.modules, 'pandas' in sys.modules)\n"
        "import numpy; decode(encode(numpy.arange(3)))\n"
        "print('pandas' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["False", "False", "False"]
