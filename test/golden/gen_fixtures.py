#!/usr/bin/python3
"""Golden fixtures for wiregrpc's protobuf codec, written by Python's protobuf.

Usage: /usr/bin/python3 test/golden/gen_fixtures.py [OUT_DIR]
(default OUT_DIR: test/fixtures/golden). Needs protoc and python3-protobuf.

For every case it records:
  type   the message's full name
  value  the message as a typed JSON description that the TypeScript test
         turns into wiregrpc's value convention: keys are .proto field names,
         only fields Python lists as set; 64-bit integers as decimal strings,
         bytes as hex, enums as numbers, NaN/Infinity/-Infinity as strings,
         map keys in their string form
  hex    Python's deterministic serialization
  json   Python's MessageToJson (parsed), and jsonDefaults with
         including_default_value_fields=True
  input  (decode cases) the hex bytes that were parsed to get the value
Error cases have only type, input and error: Python's parser rejected them.

The output is deterministic (object keys sorted: Python orders JSON maps by
hash): the test re-runs this script into a temporary
directory and requires the checked-in fixtures to be reproduced exactly.
"""
import importlib
import json
import math
import os
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTOS = [
    (os.path.join(ROOT, "proto"), "userinfo.proto"),
    (os.path.join(ROOT, "test", "protos"), "golden.proto"),
    (os.path.join(ROOT, "test", "protos"), "wkt.proto"),
]


def compile_protos(tmp):
    includes = sorted({d for d, _ in PROTOS})
    args = ["protoc", "--python_out=" + tmp] + ["-I" + d for d in includes] + [f for _, f in PROTOS]
    subprocess.run(args, check=True)
    sys.path.insert(0, tmp)
    return (importlib.import_module("userinfo_pb2"), importlib.import_module("golden_pb2"),
            importlib.import_module("wkt_pb2"))


# ---- wire helpers for hand-made decode inputs --------------------------------

def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def tag(no, wt):
    return varint((no << 3) | wt)


def ld(no, payload):
    return tag(no, 2) + varint(len(payload)) + payload


# ---- the typed value description --------------------------------------------

def typed_scalar(fd, v):
    from google.protobuf.descriptor import FieldDescriptor as F
    t = fd.type
    if t in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if t in (F.TYPE_INT64, F.TYPE_UINT64, F.TYPE_SINT64, F.TYPE_FIXED64, F.TYPE_SFIXED64):
        return str(v)
    if t == F.TYPE_BYTES:
        return v.hex()
    if t == F.TYPE_MESSAGE:
        return typed(v)
    return v  # int32 family, enums (numbers), bool, string


def map_key(k):
    if isinstance(k, bool):
        return "true" if k else "false"
    return str(k)


def typed(msg):
    out = {}
    for fd, v in msg.ListFields():
        if fd.message_type is not None and fd.message_type.GetOptions().map_entry:
            vfd = fd.message_type.fields_by_name["value"]
            out[fd.name] = {map_key(k): typed_scalar(vfd, v[k]) for k in sorted(v)}
        elif fd.label == fd.LABEL_REPEATED:
            out[fd.name] = [typed_scalar(fd, x) for x in v]
        else:
            out[fd.name] = typed_scalar(fd, v)
    return out


def case(name, msg, **extra):
    from google.protobuf import json_format
    c = {
        "name": name,
        "type": msg.DESCRIPTOR.full_name,
        "value": typed(msg),
        "hex": msg.SerializeToString(deterministic=True).hex(),
        "json": json.loads(json_format.MessageToJson(msg)),
        "jsonDefaults": json.loads(json_format.MessageToJson(msg, including_default_value_fields=True)),
    }
    c.update(extra)
    return c


def decode_case(name, cls, data):
    msg = cls()
    msg.ParseFromString(data)
    msg.DiscardUnknownFields()  # wiregrpc does not keep unknown fields
    return case(name, msg, input=data.hex())


def error_case(name, cls, data):
    from google.protobuf.message import DecodeError
    try:
        cls().ParseFromString(data)
    except DecodeError:
        return {"name": name, "type": cls.DESCRIPTOR.full_name, "input": data.hex(), "error": True}
    raise SystemExit("expected Python to reject %s (%s)" % (name, data.hex()))


# ---- the cases ---------------------------------------------------------------

def userinfo_cases(u):
    return [
        case("UserResponse basic", u.UserResponse(id=1, name="foo", age=12, hobby=["eating", "sleep"])),
        case("UserResponse negative age", u.UserResponse(age=-1)),
        case("UserRequest CJK name", u.UserRequest(name="蒟蒻")),
        case("UserRequest empty", u.UserRequest()),
    ]


def golden_cases(g):
    C = g.Color
    all_scalars = g.Scalars(
        f_double=3.141592653589793, f_float=1.5, f_int32=-123456, f_int64=-(2**62) - 5, f_uint32=4294967295,
        f_uint64=2**64 - 1, f_sint32=-2147483648, f_sint64=-(2**63), f_fixed32=4000000000, f_fixed64=2**63 + 7,
        f_sfixed32=-2, f_sfixed64=-(2**40), f_bool=True, f_string="héllo wörld ✓ 😀", f_bytes=bytes(range(0, 256, 15)),
        f_enum=C.BLUE)
    edges = [
        ("Scalars all set", all_scalars),
        ("Scalars defaults", g.Scalars()),
        ("Scalars small values", g.Scalars(f_int32=1, f_int64=1, f_uint32=1, f_uint64=1, f_sint32=-1, f_sint64=-1,
                                           f_fixed32=1, f_fixed64=1, f_sfixed32=1, f_sfixed64=1)),
        ("Scalars int limits", g.Scalars(f_int32=2147483647, f_int64=2**63 - 1, f_sint32=2147483647,
                                         f_sint64=2**63 - 1, f_sfixed32=-2147483648, f_sfixed64=-(2**63))),
        ("Scalars 2^53 boundaries", g.Scalars(f_int64=2**53 + 1, f_uint64=2**53 - 1, f_sint64=-(2**53) - 1,
                                              f_fixed64=2**53, f_sfixed64=-(2**53) + 1)),
        ("Scalars float specials", g.Scalars(f_double=float("nan"), f_float=float("inf"))),
        ("Scalars negative infinity and -0", g.Scalars(f_double=-0.0, f_float=float("-inf"))),
        ("Scalars float rounding", g.Scalars(f_float=0.1, f_double=0.1)),
        ("Scalars tiny and huge doubles", g.Scalars(f_double=5e-324, f_float=3.4028234663852886e38)),
        ("Scalars negative enum", g.Scalars(f_enum=C.NEGATIVE)),
        ("Scalars unknown enum number", g.Scalars(f_enum=42)),
        ("Scalars long string", g.Scalars(f_string="ab€𝄞" * 300, f_bytes=b"\x00" * 200)),
        ("Scalars string of 43 ASCII", g.Scalars(f_string="x" * 43)),
        ("Scalars string of 200 ASCII", g.Scalars(f_string="y" * 200)),
    ]
    out = [case(n, m) for n, m in edges]

    rep = g.Repeated(
        r_double=[0.0, -1.5, float("inf")], r_float=[1.25, -0.0], r_int32=[0, 1, -1, 300, -2147483648],
        r_int64=[0, -1, 2**62], r_uint32=[0, 4294967295], r_uint64=[0, 2**64 - 1], r_sint32=[0, -1, 1, -64, 64],
        r_sint64=[-(2**63), 2**63 - 1], r_fixed32=[1, 4294967295], r_fixed64=[2**64 - 1], r_sfixed32=[-1, 1],
        r_sfixed64=[-5, 5], r_bool=[True, False, True], r_string=["", "a", "ü"], r_bytes=[b"", b"\x01\x02"],
        r_enum=[C.RED, C.NEGATIVE, 99, C.COLOR_UNSPECIFIED], unpacked_int32=[1, -2, 3], unpacked_sint64=[-3, 4],
        unpacked_double=[0.5, 0.0], unpacked_enum=[C.GREEN, C.NEGATIVE],
        r_nested=[g.Nested(a=1), g.Nested(), g.Nested(b="x", child=g.Nested(a=2), ids=[1, 2])])
    out.append(case("Repeated all kinds", rep))
    out.append(case("Repeated empty", g.Repeated()))
    out.append(case("Repeated long packed (length > 127)", g.Repeated(r_int32=list(range(-100, 100)),
                                                                       r_double=[i / 7 for i in range(40)])))

    maps = g.Maps()
    maps.str_str.update({"b": "2", "a": "1", "": "empty", "\uffff": "bmp-last", "😀": "astral", "ä": "x"})
    maps.int32_int32.update({-1: 1, 0: 0, 7: -7, -2147483648: 2147483647, 100: 0})
    maps.int64_str.update({-(2**63): "min", 2**63 - 1: "max", 0: "", -1: "m1", 10: "ten", 9: "nine"})
    maps.uint32_bytes.update({4294967295: b"\xff", 0: b"", 2: b"\x02"})
    maps.bool_bool.update({True: False, False: True})
    maps.sint64_double.update({-5: 0.5, 5: float("nan"), 0: -0.0})
    maps.str_nested["k"].a = 1
    maps.str_nested["empty"].SetInParent()
    maps.str_nested["deep"].child.child.b = "deep"
    maps.fixed32_enum.update({1: C.RED, 2: C.NEGATIVE, 3: 77})
    maps.sfixed64_uint64.update({-3: 2**64 - 1, 3: 0})
    maps.uint64_float.update({2**64 - 1: 1.5, 1: 0.1})
    maps.sint32_sfixed32.update({-1: -1, 1: 1})
    maps.fixed64_fixed64.update({2**63: 2**63, 1: 1})
    maps.sfixed32_int64.update({-7: -(2**50), 7: 2**50})
    out.append(case("Maps of every key kind", maps))
    out.append(case("Maps empty", g.Maps()))
    big_map = g.Maps()
    big_map.int32_int32.update({i * 37 % 1000 - 500: i for i in range(300)})
    out.append(case("Maps many int keys", big_map))

    out += [
        case("Oneof num 0 (set, default)", g.Oneofs(num=0)),
        case("Oneof text", g.Oneofs(text="hi", after="z")),
        case("Oneof empty message", g.Oneofs(msg=g.Nested())),
        case("Oneof message", g.Oneofs(msg=g.Nested(a=5, child=g.Nested(b="c")), flag=False)),
        case("Oneof enum default", g.Oneofs(color=C.COLOR_UNSPECIFIED, ratio=0.0)),
        case("Oneof bytes empty", g.Oneofs(data=b"")),
        case("Oneof big", g.Oneofs(big=2**64 - 1, ratio=float("-inf"))),
        case("Oneof none", g.Oneofs(after="only")),
        case("Optionals all defaults set", g.Optionals(o_int32=0, o_string="", o_enum=C.COLOR_UNSPECIFIED, o_bool=False,
                                                       o_int64=0, o_double=0.0, o_bytes=b"", o_msg=g.Nested(), plain=0)),
        case("Optionals values", g.Optionals(o_int32=-1, o_string="s", o_enum=C.NEGATIVE, o_bool=True, o_int64=2**40,
                                             o_double=-2.5, o_bytes=b"\x00", o_msg=g.Nested(a=1), plain=3)),
        case("Optionals unset", g.Optionals(plain=1)),
    ]

    tree = g.Tree(name="root")
    a = tree.children.add(name="a")
    a.children.add(name="a1").parent.name = "a"
    tree.children.add(name="b")
    tree.by_name["x"].name = "x"
    tree.by_name["x"].by_name["y"].children.add(name="z")
    tree.parent.parent.parent.name = "ancestor"
    out.append(case("Tree recursive", tree))
    deep = g.Nested(a=0)
    node = deep
    for i in range(60):
        node = node.child
        node.a = i
    out.append(case("Nested 60 deep", deep))

    every = g.Everything(scalars=all_scalars, repeated=rep, maps=maps, oneofs=g.Oneofs(text="t", flag=True),
                         optionals=g.Optionals(o_int32=0), tree=tree, color=C.GREEN, user_name="u",
                         snake_case_field_2=9, many=[g.Scalars(f_int32=i, f_string=str(i)) for i in range(5)])
    out.append(case("Everything", every))
    out.append(case("Everything empty submessages", g.Everything(scalars=g.Scalars(), maps=g.Maps(), tree=g.Tree())))
    out.append(case("Sparse field numbers", g.Sparse(small=1, mid="m", big=-1)))
    return out


def decode_cases(g):
    C = g.Color
    nested_a1 = ld(3, tag(1, 0) + varint(1))
    return [
        decode_case("packed field sent unpacked", g.Repeated, tag(3, 0) + varint(5) + tag(3, 0) + varint(2**64 - 1)),
        decode_case("unpacked field sent packed", g.Repeated, ld(17, varint(1) + varint(300)) + tag(17, 0) + varint(2)),
        decode_case("packed and unpacked mixed, twice", g.Repeated,
                    ld(7, varint(1) + varint(2)) + tag(7, 0) + varint(3) + ld(7, varint(4))),
        decode_case("packed fixed types", g.Repeated,
                    ld(9, struct.pack("<II", 1, 2)) + ld(1, struct.pack("<d", 1.5)) + ld(2, struct.pack("<f", 2.5))),
        decode_case("last one wins", g.Scalars,
                    tag(3, 0) + varint(1) + tag(14, 2) + varint(1) + b"a" + tag(3, 0) + varint(2) +
                    tag(14, 2) + varint(1) + b"b" + tag(13, 0) + varint(1) + tag(13, 0) + varint(0)),
        decode_case("submessage merged", g.Everything,
                    ld(1, tag(3, 0) + varint(7) + tag(14, 2) + varint(1) + b"x") +
                    ld(1, tag(4, 0) + varint(8) + tag(14, 2) + varint(1) + b"y") +
                    ld(2, ld(3, varint(1))) + ld(2, ld(3, varint(2)))),
        decode_case("nested submessage merged", g.Nested,
                    ld(3, tag(1, 0) + varint(1) + ld(3, tag(2, 2) + varint(1) + b"q")) +
                    ld(3, ld(3, tag(1, 0) + varint(9)) + tag(4, 0) + varint(3))),
        decode_case("unknown fields of every wire type", g.Nested,
                    tag(99, 0) + varint(2**63) + tag(1, 0) + varint(5) + tag(98, 1) + b"12345678" +
                    ld(97, b"xyz") + tag(96, 5) + b"abcd" +
                    tag(95, 3) + tag(1, 0) + varint(1) + tag(94, 3) + ld(2, b"in") + tag(94, 4) + tag(95, 4) +
                    tag(2, 2) + varint(2) + b"ok"),
        decode_case("known field with the wrong wire type is unknown", g.Scalars,
                    tag(3, 5) + b"\x01\x00\x00\x00" + tag(14, 0) + varint(1) + tag(5, 0) + varint(9)),
        decode_case("unknown enum numbers kept", g.Repeated,
                    ld(16, varint(1) + varint(1000) + varint(2**64 - 5)) + tag(20, 0) + varint(12345)),
        decode_case("unknown enum in map and scalar", g.Everything,
                    ld(1, tag(16, 0) + varint(55)) + ld(3, ld(8, tag(1, 5) + b"\x05\x00\x00\x00" + tag(2, 0) + varint(66)))),
        decode_case("oneof: the last member wins", g.Oneofs,
                    tag(1, 0) + varint(1) + tag(2, 2) + varint(1) + b"t" + nested_a1 + tag(8, 0) + varint(1) +
                    tag(9, 1) + struct.pack("<d", 0.25)),
        decode_case("oneof: the same message member merges", g.Oneofs,
                    ld(3, tag(1, 0) + varint(1)) + ld(3, tag(2, 2) + varint(1) + b"b")),
        decode_case("map entry without key or value", g.Maps,
                    ld(1, tag(2, 2) + varint(1) + b"v") + ld(2, tag(1, 0) + varint(3)) + ld(7, b"") +
                    ld(5, b"")),
        decode_case("map duplicate keys: last wins", g.Maps,
                    ld(2, tag(1, 0) + varint(1) + tag(2, 0) + varint(10)) +
                    ld(2, tag(1, 0) + varint(1) + tag(2, 0) + varint(20))),
        decode_case("map entry value before key, unknown field inside", g.Maps,
                    ld(1, tag(2, 2) + varint(1) + b"v" + tag(9, 0) + varint(1) + tag(1, 2) + varint(1) + b"k")),
        decode_case("int32 from a 64-bit varint is truncated", g.Scalars,
                    tag(3, 0) + varint(2**32 + 5) + tag(5, 0) + varint(2**40 + 7) + tag(7, 0) + varint(2**33 + 3)),
        decode_case("non-canonical varints (padded with 0x80)", g.Scalars,
                    tag(3, 0) + b"\x81\x80\x80\x80\x00" + tag(13, 0) + b"\x82\x80\x00" + tag(4, 0) + b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"),
        decode_case("bool from a large varint", g.Scalars, tag(13, 0) + varint(2**40)),
        decode_case("negative enum on the wire", g.Scalars, tag(16, 0) + varint(-1)),
        decode_case("empty input", g.Everything, b""),
        decode_case("sparse big field number", g.Sparse, tag(536870911, 0) + varint(3) + tag(2047, 2) + varint(0)),
    ]


def error_cases(g):
    # Not here: field number 0 and an end-group without its start-group. Python's
    # C++ parser stops there with a warning and keeps what it read; wiregrpc (like
    # upb) rejects both, tested in test/wire/proto/reader.test.ts.
    return [
        error_case("truncated varint", g.Scalars, tag(3, 0) + b"\x80"),
        error_case("truncated tag", g.Scalars, b"\x80"),
        error_case("truncated length-delimited", g.Scalars, tag(14, 2) + varint(5) + b"ab"),
        error_case("truncated fixed64", g.Scalars, tag(10, 1) + b"\x01\x02\x03"),
        error_case("truncated fixed32", g.Scalars, tag(9, 5) + b"\x01"),
        error_case("varint longer than 10 bytes", g.Scalars, tag(3, 0) + b"\x80" * 10 + b"\x01"),
        error_case("wire type 6", g.Scalars, tag(1, 6) + b"\x00"),
        error_case("wire type 7", g.Scalars, tag(1, 7) + b"\x00"),
        error_case("group with mismatched end", g.Scalars, tag(20, 3) + tag(21, 4)),
        error_case("group without end", g.Scalars, tag(20, 3) + tag(1, 0) + varint(1)),
        error_case("invalid UTF-8 in string", g.Scalars, tag(14, 2) + varint(2) + b"\xc3\x28"),
        error_case("overlong UTF-8 in string", g.Scalars, tag(14, 2) + varint(2) + b"\xc0\xaf"),
        error_case("UTF-8 surrogate in string", g.Scalars, tag(14, 2) + varint(3) + b"\xed\xa0\x80"),
        error_case("invalid UTF-8 in map key", g.Maps, ld(1, tag(1, 2) + varint(1) + b"\xff")),
        error_case("submessage length past the end", g.Everything, tag(1, 2) + varint(10) + tag(3, 0)),
        error_case("value overruns its submessage", g.Everything, ld(1, tag(14, 2) + varint(3) + b"a") + b"bc"),
        error_case("packed run with a truncated varint", g.Repeated, ld(3, varint(1) + b"\x80")),
    ]


def wkt_cases(w):
    from google.protobuf import duration_pb2, struct_pb2, timestamp_pb2, wrappers_pb2, field_mask_pb2
    full = w.WellKnown()
    full.ts.seconds = 1700000000
    full.ts.nanos = 123000000
    full.dur.seconds = -3
    full.dur.nanos = -500000000
    full.w_double.value = 1.5
    full.w_float.value = 0.25
    full.w_int64.value = -(2**60)
    full.w_uint64.value = 2**64 - 1
    full.w_int32.value = -7
    full.w_uint32.value = 7
    full.w_bool.value = True
    full.w_string.value = "s"
    full.w_bytes.value = b"\x01\x02\xff"
    full.st.update({"a": 1.5, "b": "x", "c": True, "d": None, "e": [1, "two", False, None, {"f": []}], "g": {}})
    full.val.string_value = "v"
    full.list.extend([1, "x", None])
    full.empty.SetInParent()
    full.mask.paths.extend(["user_name", "a.b_c"])
    full.stamps.add(seconds=0, nanos=0)
    full.stamps.add(seconds=-62135596800)
    full.stamps.add(seconds=253402300799, nanos=999999999)
    full.stamps.add(seconds=1, nanos=10000)
    full.values["n"].number_value = -2
    full.values["l"].list_value.values.add().bool_value = False
    full.values["s"].struct_value.fields["k"].null_value = 0
    full.w_many.add(value=0)
    full.w_many.add(value=3)
    zero = w.WellKnown()
    zero.ts.SetInParent()
    zero.dur.SetInParent()
    zero.w_double.SetInParent()
    zero.w_int64.SetInParent()
    zero.w_string.SetInParent()
    zero.w_bool.SetInParent()
    zero.w_bytes.SetInParent()
    zero.st.SetInParent()
    zero.list.SetInParent()
    zero.mask.SetInParent()
    nums = w.WellKnown()
    nums.val.number_value = 3.5
    nums.dur.seconds = 1
    nums.dur.nanos = 1000
    nums.ts.seconds = 1
    nums.w_float.value = float("nan")
    nums.w_double.value = float("-inf")
    nulls = w.WellKnown()
    nulls.val.null_value = 0
    durations = [w.WellKnown(dur=duration_pb2.Duration(seconds=s, nanos=n)) for s, n in
                 [(0, 1), (0, -1), (315576000000, 999999999), (-315576000000, -999999999), (1, 500000000)]]
    return [
        case("WellKnown all", full),
        case("WellKnown zero values set", zero),
        case("WellKnown numbers", nums),
        case("WellKnown null value", nulls),
        case("WellKnown empty", w.WellKnown()),
    ] + [case("WellKnown duration %d" % i, d) for i, d in enumerate(durations)]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "test", "fixtures", "golden")
    os.makedirs(out_dir, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        u, g, w = compile_protos(tmp)
        files = {
            "userinfo.json": userinfo_cases(u),
            "golden.json": golden_cases(g),
            "decode.json": decode_cases(g),
            "errors.json": error_cases(g),
            "wkt.json": wkt_cases(w),
        }
        for name, cases in files.items():
            with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
                json.dump({"generator": "test/golden/gen_fixtures.py", "cases": cases}, f, indent=1, sort_keys=True,
                          ensure_ascii=False, allow_nan=False)
                f.write("\n")


if __name__ == "__main__":
    main()
