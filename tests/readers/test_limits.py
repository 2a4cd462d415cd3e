"""Limits that apply before the bytes are decoded: a long line is dropped while it is read, never held."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.readers.csv_reader import sniff_delimiter
from accord.readers.text import NUMPY_BYTES, TextStream, count_byte
from tests.conftest import ROOT


@settings(max_examples=300, deadline=None, derandomize=True)
@given(lines=st.lists(st.integers(0, 14), max_size=10), end=st.booleans(), limit=st.sampled_from([4, 6, 10]),
       chunk=st.sampled_from([1, 2, 3, 7, 50]))
def test_a_line_over_the_limit_becomes_an_empty_line_and_is_reported(lines, end, limit, chunk):
    text = "\n".join("x" * n for n in lines) + ("\n" if end and lines else "")
    data = text.encode()
    stream = TextStream("utf-8", iter([data[i:i + chunk] for i in range(0, len(data), chunk)]), limit)
    out = b"".join(stream.pieces).decode()
    physical = text.split("\n")
    long_lines = [i + 1 for i, line in enumerate(physical) if len(line) > limit]
    kept = ["" if len(line) > limit else line for line in physical]
    # a long last line without a line feed leaves nothing behind it
    expected = "".join(line + "\n" for line in kept[:-1]) if len(physical[-1]) > limit else "\n".join(kept)
    assert out == expected
    assert [n for n, _ in stream.long_lines] == long_lines


def test_a_line_of_256_mib_is_read_in_bounded_memory(tmp_path):
    """One line of 256 MiB (the default limit is 32 MiB) in a CSV of three records: the long one is malformed,
    the two others published, and the reading process never holds the line (peak RSS is measured)."""
    file = tmp_path / "long.csv"
    with file.open("wb") as handle:
        handle.write(b"a,b\n1,x\n2,")
        block = b"y" * (1 << 20)
        for _ in range(256):
            handle.write(block)
        handle.write(b"\n3,z\n")
    script = f"""
import json, resource
from pathlib import Path
from accord.mapping.source_spec import SourceSpec
from accord.readers import read_extract
small = Path({str(file)!r}).with_name("small.csv")
small.write_bytes(b"a,b\\n1,x\\n")
read_extract(small, SourceSpec(format="csv", delimiter=",", encoding="utf-8"))  # everything imported and warm
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
raw = read_extract(Path({str(file)!r}), SourceSpec(format="csv", delimiter=",", encoding="utf-8"))
print(json.dumps({{"rows": raw.frame.rows(), "malformed": raw.malformed.select("_source_row", "detail").rows(),
                  "before_mb": before, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, cwd=ROOT, timeout=300)
    result = json.loads(done.stdout)
    assert result["rows"] == [[2, "1", "x"], [4, "3", "z"]]
    assert result["malformed"] == [[3, "the line is longer than 33554432 bytes"]]
    # the line alone is 256 MB (it took 8x that before the limit); reading it adds at most a few 32 MiB blocks
    assert result["peak_mb"] - result["before_mb"] < 300, result


def test_the_delimiter_sniffer_is_linear_on_a_hostile_first_line():
    """``csv.Sniffer`` takes 24 s on 64 KB of ``,"a``; the sniffer used is linear."""
    started = time.perf_counter()
    assert sniff_delimiter(',"a' * 21_000) == ","
    assert sniff_delimiter(',"' * 30_000 + "\n") == ","
    assert time.perf_counter() - started < 0.5
    assert sniff_delimiter("a;b;c\n1;2;3\n4;5;6\n") == ";"
    assert sniff_delimiter("a\tb\n1\t2\n") == "\t"
    assert sniff_delimiter("a|b,c\n1|2,3\n4|5\n") == "|"  # the delimiter that splits every line the same way
    assert sniff_delimiter("single\n") == ","


@settings(max_examples=40, deadline=None, derandomize=True)
@given(data=st.binary(max_size=64), byte=st.sampled_from([b"\n", b";", b"\r", b"\x00", "é".encode()]),
       copies=st.sampled_from([1, 20_000, 40_000]))
def test_count_byte_counts_as_bytes_count_does_above_and_below_the_numpy_size(data, byte, copies):
    big = data * copies  # up to 2.5 MiB: counted by numpy from NUMPY_BYTES on (one byte), else by bytes.count
    assert count_byte(big, byte) == big.count(byte)


def test_lines_ended_by_crlf_are_read_at_once_and_a_lone_carriage_return_takes_the_exact_parser(tmp_path):
    """Blocks above NUMPY_BYTES are counted by numpy: the same records as the same file in 64 KiB blocks."""
    from accord.intake.limits import Limits
    from accord.mapping.source_spec import SourceSpec
    from accord.readers.csv_reader import iter_csv
    from accord.reasons import ROW

    lines = [f"P{i:06d};Nom {i}" for i in range(60_000)]
    for name, body in {"crlf": "\r\n".join(lines), "lone-cr": "\r\n".join([*lines[:100], "P9\rX;Y", *lines[100:]])
                       }.items():
        file = tmp_path / f"{name}.csv"
        file.write_bytes(("id;name\r\n" + body + "\r\n").encode())
        assert file.stat().st_size > NUMPY_BYTES
        source = SourceSpec(format="csv", delimiter=";", encoding="utf-8")
        read, small = list(iter_csv(file, source, Limits())), list(iter_csv(file, source, Limits(), block_bytes=65_536))
        whole, bad = pl.concat([r.frame for r in read]), pl.concat([r.malformed for r in read])
        assert whole.equals(pl.concat([r.frame for r in small])) and bad.equals(pl.concat([r.malformed for r in small]))
        assert whole.height == 60_000
        assert whole.row(100) == ((103, "P000100", "Nom 100") if name == "lone-cr" else (102, "P000100", "Nom 100"))
        assert bad.select(ROW, "rule", "detail").rows() == ([(
            102, "malformed-record", "a carriage return (CR) inside a value that is not quoted")] if name == "lone-cr"
            else [])


def test_windows_1252_blocks_without_its_own_bytes_are_copied_as_latin_1_and_read_the_same(tmp_path):
    """Blocks with no byte in 0x80-0x9F are decoded as Latin-1 (a copy); a block with one (the euro sign, curly
    quotes) by the Windows-1252 codec; an undefined byte is still refused at its offset. Blocks above and below
    NUMPY_BYTES."""
    from accord.errors import ExtractRejected
    from accord.readers.text import iter_utf8

    windows_only = "€ 12\u2019"  # the euro sign and a curly quote: bytes 0x80 and 0x92
    text = "".join(f"{i};Côté;Évelyne;{windows_only if i == 70_000 else 'ok'}\r\n" for i in range(150_000))
    file = tmp_path / "w.csv"
    file.write_bytes(text.encode("cp1252"))
    assert file.stat().st_size > 2 * NUMPY_BYTES
    for size in (65_536, 2 * NUMPY_BYTES):
        assert b"".join(iter_utf8(file, "cp1252", size=size).pieces).decode("utf-8") == text
    bad = bytearray(text.encode("cp1252"))
    bad[1_500_000] = 0x81  # undefined in Windows-1252, defined in Latin-1
    file.write_bytes(bytes(bad))
    with pytest.raises(ExtractRejected, match="bytes at offset 1500000 are not valid cp1252"):
        b"".join(iter_utf8(file, "cp1252", size=2 * NUMPY_BYTES).pieces)
