"""vPDQ on one core: hashing throughput for a 720p video, lookup against 1M list frames.

    .venv/bin/python bench/video.py [--seconds 60] [--list-frames 1000000] [--queries 200]
                                    [--cpu K] [--codec libx264]

Hashing: a synthetic 1280x720, 30 frames a second video (shapes moving over
reports.synthetic.picture, never real material) is encoded once with the given codec, then
hashed with reports.vpdq.hash_video at one frame a second, pinned to one CPU. The figures
are hashed frames per second, decoded frames per second, and seconds of video per second
(the target is at least 10 times real time). Decoding alone is timed too, to show how the
time splits.

Lookup: an index of list frames like the worker's (reports.vpdq_index), with 60 frames a
video. Each video's frames are a random walk, each about 8 bits from the one before, as the
frames of a real clip sit close together. The queries are 60-frame videos: half are near
copies of a listed video (each frame 0-20 bits away) and half are strangers. The figures are
p50 and p95 of reports.vpdq_index.shares (the index query plus both shares for every entry
touched). The index bytes per frame hash are reported too, and the process's peak RSS.
No Django database is needed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

import av  # noqa: E402
import django  # noqa: E402
import numpy as np  # noqa: E402
from PIL import ImageDraw  # noqa: E402

django.setup()

from bench import common  # noqa: E402
from reports import synthetic, vpdq  # noqa: E402
from reports.pdq_index import PDQIndex  # noqa: E402
from reports.vpdq_index import FRAME_BITS, shares  # noqa: E402
from reports.vpdq_matching import Rule  # noqa: E402

WIDTH, HEIGHT, FPS = 1280, 720, 30
FRAMES_PER_VIDEO = 60


def synthetic_video(seconds: int, codec: str) -> bytes:
    background = synthetic.picture(7, (WIDTH, HEIGHT))
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream(codec, rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        if codec == "libx264":
            stream.options = {"preset": "veryfast", "crf": "23"}
        stream.codec_context.gop_size = 2 * FPS
        total = seconds * FPS
        for i in range(total):
            frame_image = background.copy()
            x = int((WIDTH - 200) * i / total)
            y = int((HEIGHT - 200) * abs(np.sin(i / 45)))
            ImageDraw.Draw(frame_image).ellipse((x, y, x + 200, y + 200), fill=(250, 240, 20))
            for packet in stream.encode(av.VideoFrame.from_image(frame_image)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def decode_only(data: bytes) -> tuple[float, int]:
    start, count = time.perf_counter(), 0
    with av.open(io.BytesIO(data)) as container:
        for _ in container.decode(container.streams.video[0]):
            count += 1
    return time.perf_counter() - start, count


def hashing(seconds: int, codec: str, runs: int = 3) -> dict:
    common.log(f"encoding {seconds} s of {WIDTH}x{HEIGHT} at {FPS} fps with {codec}")
    data = synthetic_video(seconds, codec)
    walls, cpus, frames = [], [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        frames = vpdq.hash_video(data, frames_per_second=1)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    decode_wall, decoded = decode_only(data)
    best = min(walls)
    return {
        "video": {"width": WIDTH, "height": HEIGHT, "fps": FPS, "seconds": seconds},
        "codec": codec,
        "bytes": len(data),
        "frames_hashed": len(frames),
        "frames_decoded": decoded,
        "qualities_min_max": [min(f.quality for f in frames), max(f.quality for f in frames)],
        "wall_s_runs": [round(w, 3) for w in walls],
        "cpu_s_runs": [round(c, 3) for c in cpus],
        "hashed_frames_per_s": round(len(frames) / best, 1),
        "decoded_frames_per_s": round(decoded / best, 1),
        "video_seconds_per_s": round(seconds / best, 1),
        "video_seconds_per_cpu_s": round(seconds / min(cpus), 1),
        "decode_only_s": round(decode_wall, 3),
        "decode_share": round(decode_wall / best, 2),
    }


def walk(rng: np.random.Generator, frames: int, step_bits: int = 8) -> np.ndarray:
    """(frames, 32) uint8: a random start, each next frame step_bits flipped at random."""
    bits = np.empty((frames, 256), dtype=bool)
    bits[0] = rng.integers(0, 2, 256, dtype=bool)
    for i in range(1, frames):
        bits[i] = bits[i - 1]
        bits[i, rng.choice(256, step_bits, replace=False)] ^= True
    return np.packbits(bits, axis=1)


def noisy(rng: np.random.Generator, hashes: np.ndarray, max_bits: int) -> np.ndarray:
    bits = np.unpackbits(hashes, axis=1).astype(bool)
    for row in bits:
        row[rng.choice(256, int(rng.integers(0, max_bits + 1)), replace=False)] ^= True
    return np.packbits(bits, axis=1)


def lookup(list_frames: int, queries: int) -> dict:
    rng = np.random.default_rng(11)
    videos = list_frames // FRAMES_PER_VIDEO
    common.log(f"building {videos} listed videos of {FRAMES_PER_VIDEO} frames")
    listed = np.concatenate([walk(rng, FRAMES_PER_VIDEO) for _ in range(videos)])
    entry = np.repeat(np.arange(1, videos + 1, dtype=np.int64), FRAMES_PER_VIDEO)
    position = np.tile(np.arange(FRAMES_PER_VIDEO, dtype=np.int64), videos)
    ids = (entry << FRAME_BITS) | position
    rule = Rule()
    started = time.perf_counter()
    index = PDQIndex.from_arrays(listed, ids, rule.frame_distance)
    build_s = time.perf_counter() - started
    counts = dict.fromkeys(range(1, videos + 1), FRAMES_PER_VIDEO)
    times, matched = {"copy": [], "stranger": []}, {"copy": 0, "stranger": 0}
    for q in range(queries):
        kind = "copy" if q % 2 == 0 else "stranger"
        if kind == "copy":
            target = int(rng.integers(0, videos))
            base = listed[target * FRAMES_PER_VIDEO : (target + 1) * FRAMES_PER_VIDEO]
            hashes = noisy(rng, base, 20)
        else:
            hashes = walk(rng, FRAMES_PER_VIDEO)
        query = [row.tobytes().hex() for row in hashes]
        started = time.perf_counter()
        found = shares(index, counts, query, rule)
        times[kind].append(time.perf_counter() - started)
        matched[kind] += any(m.is_match for m in found.values())
    every = times["copy"] + times["stranger"]
    ms = lambda values, p: round(1000 * common.percentile(values, p, method="linear"), 2)  # noqa: E731
    return {
        "list_frames": int(listed.shape[0]),
        "list_videos": videos,
        "query_frames": FRAMES_PER_VIDEO,
        "queries": queries,
        "build_s": round(build_s, 2),
        "p50_ms": ms(every, 50),
        "p95_ms": ms(every, 95),
        "p50_ms_copies": ms(times["copy"], 50),
        "p95_ms_copies": ms(times["copy"], 95),
        "p50_ms_strangers": ms(times["stranger"], 50),
        "p95_ms_strangers": ms(times["stranger"], 95),
        "copies_matched": f"{matched['copy']}/{len(times['copy'])}",
        "strangers_matched": f"{matched['stranger']}/{len(times['stranger'])}",
        "index_bytes_per_frame_hash": round(index.nbytes / listed.shape[0], 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--list-frames", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--codec", default="libx264")
    parser.add_argument("--cpu", type=int, help="CPU to pin to (default: the last allowed)")
    args = parser.parse_args()
    allowed = sorted(os.sched_getaffinity(0))
    cpu = args.cpu if args.cpu is not None else allowed[-1]
    os.sched_setaffinity(0, {cpu})
    result = {
        "machine": {
            "cpu_count": os.cpu_count(),
            "pinned_cpu": cpu,
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "pyav": av.__version__,
        },
        "hashing": hashing(args.seconds, args.codec),
        "lookup": lookup(args.list_frames, args.queries),
    }
    result["machine"]["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
