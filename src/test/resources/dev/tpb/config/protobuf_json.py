"""Compares tpb's model-config JSON with protobuf's own JSON printer (defaults printed, proto field names).

Usage: protobuf_json.py DIR_WITH_model_config_pb2 (PBTXT JSON)...
Triton rewrites some int64 fields from strings to numbers, and protobuf prints an integral float as 1.0 where
Triton's JSON has 1, so a number on tpb's side equals the same value as a string or float on protobuf's side.
"""
import json
import math
import sys

sys.path.insert(0, sys.argv[1])
from google.protobuf import json_format, text_format  # noqa: E402
import model_config_pb2  # noqa: E402


def same(ours, theirs, path, problems):
    if isinstance(ours, dict) and isinstance(theirs, dict):
        if set(ours) != set(theirs):
            problems.append(f"{path}: keys differ: tpb only {sorted(set(ours) - set(theirs))}, "
                            f"protobuf only {sorted(set(theirs) - set(ours))}")
            return
        for key in ours:
            same(ours[key], theirs[key], f"{path}.{key}", problems)
    elif isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            problems.append(f"{path}: {len(ours)} elements in tpb, {len(theirs)} in protobuf")
            return
        for i, (a, b) in enumerate(zip(ours, theirs)):
            same(a, b, f"{path}[{i}]", problems)
    elif isinstance(ours, bool) or isinstance(theirs, bool):
        if ours is not theirs:
            problems.append(f"{path}: {ours!r} != {theirs!r}")
    elif isinstance(ours, (int, float)) and isinstance(theirs, str):
        if str(ours) != theirs:
            problems.append(f"{path}: {ours!r} != {theirs!r}")
    elif isinstance(ours, (int, float)) and isinstance(theirs, (int, float)):
        if not (ours == theirs or (math.isnan(ours) and math.isnan(theirs))):
            problems.append(f"{path}: {ours!r} != {theirs!r}")
    elif ours != theirs:
        problems.append(f"{path}: {ours!r} != {theirs!r}")


problems = []
args = sys.argv[2:]
for pbtxt, ours_file in zip(args[0::2], args[1::2]):
    message = model_config_pb2.ModelConfig()
    with open(pbtxt, encoding="utf-8") as f:
        text_format.Parse(f.read(), message)
    theirs = json_format.MessageToDict(message, preserving_proto_field_name=True,
                                       including_default_value_fields=True)
    with open(ours_file, encoding="utf-8") as f:
        ours = json.load(f)
    # tpb's view prints special floats as protobuf's JSON does ("NaN", "Infinity").
    same(ours, theirs, pbtxt, problems)
for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
