#!/usr/bin/env python3
"""Check our hand-written Milvus .proto subset against pymilvus's descriptors.

usage: check_proto.py DESCRIPTOR_SET

DESCRIPTOR_SET is `protoc --descriptor_set_out=... --include_imports` of
Sources/MilvusClient/Proto/*.proto. Every message, field (number, type, label, message
or enum type), enum value and RPC in our subset must exist in pymilvus 2.3.7 with the
same wire facts. Prints one line per problem and a summary; exits 1 on any problem.
"""
import sys

from google.protobuf import descriptor_pb2
from pymilvus.grpc_gen import common_pb2, milvus_pb2, schema_pb2  # noqa: F401  (registers the files)
from google.protobuf import descriptor_pool

LABELS = {1: "optional", 2: "required", 3: "repeated"}


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) == 2 else 2
    with open(argv[1], "rb") as f:
        fds = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.Default()
    problems, messages, fields, enums, values, rpcs = [], 0, 0, 0, 0, 0

    def check_message(prefix, m):
        nonlocal messages, fields
        name = f"{prefix}.{m.name}"
        if m.options.map_entry:
            return
        try:
            upstream = pool.FindMessageTypeByName(name)
        except KeyError:
            problems.append(f"message {name}: not in pymilvus")
            return
        messages += 1
        for f in m.field:
            fields += 1
            u = upstream.fields_by_name.get(f.name)
            if u is None:
                problems.append(f"{name}.{f.name}: no such field upstream")
                continue
            if u.number != f.number:
                problems.append(f"{name}.{f.name}: number {f.number}, upstream {u.number}")
            if u.type != f.type:
                problems.append(f"{name}.{f.name}: type {f.type}, upstream {u.type}")
            if u.label != f.label:
                problems.append(f"{name}.{f.name}: {LABELS[f.label]}, upstream {LABELS[u.label]}")
            ours = f.type_name.lstrip(".")
            theirs = (u.message_type or u.enum_type).full_name if (u.message_type or u.enum_type) else ""
            if ours and u.message_type and u.message_type.GetOptions().map_entry:
                # map<K, V>: compare the value types of the generated entries.
                entry = next(n for n in m.nested_type if n.name == ours.split(".")[-1])
                ov = entry.field[1]
                uv = u.message_type.fields_by_name["value"]
                if ov.type != uv.type or ov.type_name.lstrip(".") != ((uv.message_type.full_name) if uv.message_type else ""):
                    problems.append(f"{name}.{f.name}: map value differs from upstream")
            elif ours != theirs:
                problems.append(f"{name}.{f.name}: type {ours}, upstream {theirs}")
            our_oneof = m.oneof_decl[f.oneof_index].name if f.HasField("oneof_index") else None
            their_oneof = u.containing_oneof.name if u.containing_oneof else None
            if our_oneof != their_oneof:
                problems.append(f"{name}.{f.name}: oneof {our_oneof}, upstream {their_oneof}")
        for n in m.nested_type:
            check_message(name, n)

    def check_enum(prefix, e):
        nonlocal enums, values
        name = f"{prefix}.{e.name}"
        try:
            upstream = pool.FindEnumTypeByName(name)
        except KeyError:
            problems.append(f"enum {name}: not in pymilvus")
            return
        enums += 1
        for v in e.value:
            values += 1
            u = upstream.values_by_name.get(v.name)
            if u is None or u.number != v.number:
                problems.append(f"enum {name}.{v.name} = {v.number}: upstream {u.number if u else 'missing'}")

    for file in fds.file:
        if file.name.startswith("google/"):
            continue
        for m in file.message_type:
            check_message(file.package, m)
        for e in file.enum_type:
            check_enum(file.package, e)
        for s in file.service:
            service = pool.FindServiceByName(f"{file.package}.{s.name}")
            for method in s.method:
                rpcs += 1
                u = service.methods_by_name.get(method.name)
                if u is None:
                    problems.append(f"rpc {method.name}: not in pymilvus")
                    continue
                if u.input_type.full_name != method.input_type.lstrip(".") or u.output_type.full_name != method.output_type.lstrip("."):
                    problems.append(f"rpc {method.name}: ({method.input_type}) -> {method.output_type}, upstream ({u.input_type.full_name}) -> {u.output_type.full_name}")
    for p in problems:
        print(p)
    print(f"checked {messages} messages, {fields} fields, {enums} enums ({values} values), {rpcs} RPCs: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
