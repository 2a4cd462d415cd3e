"""Odd archives are refusals with a reason code, never internal errors: an encrypted member, a member whose CRC
lies, a truncated archive, a member whose declared size lies; for a delivery (msa's zip), a workbook (.xlsx,
.ods) and an Office-encrypted workbook. ``accord check`` exits 2 naming the code, the API answers the code, and
a run records the submission as rejected (the summary stays balanced)."""

from __future__ import annotations

import io
import json
import struct
import zipfile

import pytest
from typer.testing import CliRunner

from accord.agency import run_agency
from accord.cli import app
from tests.conftest import ROOT, SAMPLES

DELIVERY = SAMPLES / "msa" / "dossiers_2026-11.zip"
WORKBOOK = SAMPLES / "nho" / "clients_2026-11.xlsx"


def _members(path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as archive:
        return [(info.filename, archive.read(info)) for info in archive.infolist()]


def _rezip(members, method=zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, (2026, 11, 1, 0, 0, 0)), data, compress_type=method)
    return out.getvalue()


def _central_record(data: bytearray, target: str) -> int:
    central = bytes(data).find(b"PK\x01\x02")
    while True:
        name_length, extra, comment = struct.unpack_from("<HHH", data, central + 28)
        if bytes(data[central + 46:central + 46 + name_length]).decode() == target:
            return central
        central += 46 + name_length + extra + comment


def _encrypted(members, target: str) -> bytes:
    """The archive with the "encrypted" flag set on ``target`` (local header and central directory)."""
    data = bytearray(_rezip(members))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        local = archive.getinfo(target).header_offset
    data[local + 6] |= 0x1
    data[_central_record(data, target) + 8] |= 0x1
    return bytes(data)


def _bad_crc(members, target: str) -> bytes:
    """A stored archive with one byte of ``target``'s data changed: its CRC no longer matches."""
    data = bytearray(_rezip(members, method=zipfile.ZIP_STORED))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo(target)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 5] ^= 0x20
    return bytes(data)


def _declared_larger(members, target: str) -> bytes:
    """A stored archive whose central directory declares ``target`` 10 bytes larger than it is."""
    data = bytearray(_rezip(members, method=zipfile.ZIP_STORED))
    central = _central_record(data, target)
    size = struct.unpack_from("<I", data, central + 24)[0]
    struct.pack_into("<I", data, central + 24, size + 10)
    return bytes(data)


def _versements(members) -> str:
    return next(name for name, _ in members if "versements" in name)


def _cases() -> dict[str, tuple[str, bytes, str]]:
    delivery, workbook = _members(DELIVERY), _members(WORKBOOK)
    sheet = next(name for name, _ in workbook if name.startswith("xl/worksheets/"))
    encrypted_xlsx = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedInfo".encode("utf-16-le")
                      + b"\0" * 64 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 2000)
    return {  # case: (agency, bytes, reason)
        "delivery-encrypted": ("msa", _encrypted(delivery, _versements(delivery)), "encrypted"),
        "delivery-crc": ("msa", _bad_crc(delivery, _versements(delivery)), "corrupt-archive"),
        "delivery-truncated": ("msa", DELIVERY.read_bytes()[:-200], "corrupt-archive"),
        "delivery-size-lies": ("msa", _declared_larger(delivery, _versements(delivery)), "corrupt-archive"),
        "xlsx-encrypted-member": ("nho", _encrypted(workbook, sheet), "encrypted"),
        "xlsx-crc": ("nho", _bad_crc(workbook, sheet), "corrupt-archive"),
        "xlsx-truncated": ("nho", WORKBOOK.read_bytes()[:-300], "corrupt-archive"),
        "xlsx-password": ("nho", encrypted_xlsx, "encrypted"),
    }


CASES = _cases()
NAMES = {"msa": "dossiers_2026-12.zip", "nho": "clients_2026-12.xlsx"}
CONTRACTS = {"msa": "benefit_payment", "nho": "person"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_accord_check_refuses_with_the_code(tmp_path, case):
    agency, data, reason = CASES[case]
    file = tmp_path / NAMES[agency]
    file.write_bytes(data)
    result = CliRunner().invoke(app, ["check", str(file), "--agency", agency, "--contract", CONTRACTS[agency],
                                      "--project-dir", str(ROOT), "--report", str(tmp_path / "r"), "--quiet"])
    assert result.exit_code == 2, result.output
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["rejection_reason"] == reason, report.get("rejection")


@pytest.mark.parametrize("case", ["delivery-encrypted", "delivery-crc", "xlsx-truncated"])
def test_a_run_records_the_submission_as_rejected(mappings, data, case):
    agency, payload, reason = CASES[case]
    (data.landing / agency).mkdir(parents=True, exist_ok=True)
    (data.landing / agency / NAMES[agency]).write_bytes(payload)
    mapping = mappings[f"{agency}/{CONTRACTS[agency]}"]
    result = run_agency(mapping, data, dataset_rules=False)
    assert result.rejected == [NAMES[agency]]
    [rejected] = [s for s in result.submissions if s["status"] == "rejected"]
    assert rejected["rejected"].startswith(f"{reason}: ")
    assert not [s for s in result.submissions if s["status"] == "failed"]
