"""Reads carelog record entries from Kafka with fastavro, in either framing.

Prints one JSON line per message: its framing, entry type, event id and writer schema.
Record content (and so any NHS number) is never printed.

    python consume.py --brokers localhost:19092 --topic carelog.gp.record-entries.v1 \
        --schemas ../../schemas [--registry http://localhost:8080/apis/ccompat/v7] [--max 10]
"""

import argparse
import glob
import io
import json
import os
import struct
import sys
import urllib.request

from fastavro import parse_schema, schemaless_reader
from fastavro.schema import fingerprint, to_parsing_canonical_form
from kafka import KafkaConsumer

SINGLE_OBJECT_MARKER = b"\xc3\x01"
CONFLUENT_MAGIC = 0


def schemas_by_fingerprint(schemas_dir):
    """Every writer schema in schemas/, by the fingerprint single-object messages carry.

    fastavro's CRC-64-AVRO fingerprint follows the spec (as Java does). Python's `avro`
    package keeps `{"type": "string"}` around a `logicalType: uuid` in its canonical form,
    so its fingerprints differ for most carelog schemas: use fastavro.
    """
    found = {}
    for path in glob.glob(os.path.join(schemas_dir, "**", "*.avsc"), recursive=True):
        with open(path, encoding="utf-8") as handle:
            schema = json.load(handle)
        # Hex of the 8 bytes as they sit in the message (little-endian).
        found[fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO")] = (
            os.path.relpath(path, schemas_dir),
            parse_schema(schema),
        )
    return found


def header(message, name):
    for key, value in message.headers or []:
        if key == name:
            return value.decode("utf-8")
    return None


class Writers:
    def __init__(self, schemas_dir, registry):
        self.by_fingerprint = schemas_by_fingerprint(schemas_dir)
        self.registry = registry.rstrip("/") if registry else None
        self.by_id = {}

    def for_schema_id(self, schema_id, fingerprint_header):
        if fingerprint_header:
            # carelog's header gives the integer's hex; the bytes are little-endian.
            key = bytes.fromhex(fingerprint_header)[::-1].hex()
            if key in self.by_fingerprint:
                return self.by_fingerprint[key]
        if schema_id not in self.by_id:
            if not self.registry:
                raise LookupError(f"schema id {schema_id}: no registry and no fingerprint header")
            with urllib.request.urlopen(f"{self.registry}/schemas/ids/{schema_id}") as answer:
                schema = json.loads(json.load(answer)["schema"])
            key = fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO")
            self.by_id[schema_id] = self.by_fingerprint.get(key) or ("registry", parse_schema(schema))
        return self.by_id[schema_id]


def decode(message, writers):
    value = message.value
    if value[:2] == SINGLE_OBJECT_MARKER:
        key = value[2:10].hex()
        if key not in writers.by_fingerprint:
            raise LookupError(f"no schema in schemas/ has fingerprint {key}")
        (file, schema), body, framing = writers.by_fingerprint[key], value[10:], "single-object"
    elif value[0] == CONFLUENT_MAGIC and len(value) >= 5:
        (schema_id,) = struct.unpack(">I", value[1:5])
        file, schema = writers.for_schema_id(
            schema_id, header(message, "carelog-schema-fingerprint")
        )
        body, framing = value[5:], "confluent"
    else:
        raise ValueError("neither single-object nor Confluent framing")
    event = schemaless_reader(io.BytesIO(body), schema)
    return {"framing": framing, "type": event["type"], "eventId": str(event["eventId"]), "schema": file}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--schemas", required=True)
    parser.add_argument("--registry")
    parser.add_argument("--max", type=int, default=0, help="stop after this many (0: run on)")
    parser.add_argument("--idle-ms", type=int, default=30000, help="stop after this long idle")
    args = parser.parse_args()
    writers = Writers(args.schemas, args.registry)
    consumer = KafkaConsumer(
        args.topic,
        bootstrap_servers=args.brokers.split(","),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=None,
        consumer_timeout_ms=args.idle_ms,
    )
    seen = 0
    for message in consumer:
        try:
            print(json.dumps(decode(message, writers)), flush=True)
        except (LookupError, ValueError) as error:
            print(json.dumps({"error": str(error), "offset": message.offset}), flush=True)
        seen += 1
        if args.max and seen >= args.max:
            break
    consumer.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
