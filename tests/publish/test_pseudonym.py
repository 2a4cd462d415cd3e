from __future__ import annotations

import hashlib
import os
import stat
import string

import polars as pl
import pytest

from accord.agency import run_agency
from accord.errors import AccordError
from accord.integrate import integrate
from accord.publish.pseudonym import KEY_ENV, KEY_FILE_ENV, MODE_ENV, load_key, pseudonym, pseudonymise
from tests.conftest import SAMPLES, TEST_KEY
from tests.helpers import table_frame


def test_key_from_environment_file_and_development(monkeypatch, tmp_path):
    assert load_key().secret == TEST_KEY.encode()
    monkeypatch.delenv(KEY_ENV)
    key_file = tmp_path / "key"
    key_file.write_text("k" * 40 + "\n")
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    assert load_key().secret == b"k" * 40
    monkeypatch.delenv(KEY_FILE_ENV)
    dev = load_key()  # generated once, outside the repository, readable by its owner only
    path = tmp_path / "xdg" / "accord" / "dev-pii.key"
    assert dev.source == f"development key {path}"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_key().secret == dev.secret


def test_production_without_a_key_is_a_clear_error(monkeypatch):
    monkeypatch.delenv(KEY_ENV)
    monkeypatch.setenv(MODE_ENV, "production")
    with pytest.raises(AccordError, match=r"no pseudonymisation key: set \$ACCORD_PII_KEY or \$ACCORD_PII_KEY_FILE"):
        load_key()


def test_short_key_is_refused(monkeypatch):
    monkeypatch.setenv(KEY_ENV, "too-short")
    with pytest.raises(AccordError, match="shorter than 32 characters"):
        load_key()


def test_pseudonym_is_keyed_and_normalised(pseudonym_key):
    assert pseudonym(pseudonym_key, "Bélanger") == pseudonym(pseudonym_key, " BE\u0301LANGER ")  # NFC + case
    assert pseudonym(pseudonym_key, "046454286") != hashlib.sha256(b"046454286").hexdigest()


def test_same_person_same_pseudonym_across_agencies(mappings, data):
    run_agency(mappings["rrn/person"], data, dataset_rules=False)
    run_agency(mappings["nho/person"], data, dataset_rules=False)
    agencies = table_frame(data, mappings["rrn/person"].contract, "agencies")
    rrn, nho = agencies.filter(pl.col("_agency") == "rrn"), agencies.filter(pl.col("_agency") == "nho")
    morin_rrn = rrn.filter(pl.col("person_id") == "RRN-0009")["family_name"].item()  # "Morin"
    morin_nho = nho.filter(pl.col("person_id") == "NHO-509")["family_name"].item()  # "MORIN"
    assert morin_rrn == morin_nho
    assert rrn.filter(pl.col("family_name") == morin_rrn).height == 1


def _clear_text_pii(mappings) -> set[str]:
    """Every value of a pii field in the sample extracts, as sent and as harmonised (dates both ways)."""
    from accord.process import process_extract
    from accord.validation import row_schema

    values: set[str] = set()
    for mapping in mappings.values():
        pii = [f.name for f in mapping.contract.fields if f.classification == "pii"]
        for file in sorted((SAMPLES / mapping.agency).glob(mapping.spec.source.pattern)):
            outcome = process_extract(file, mapping, row_schema(mapping.contract))
            for name in pii:
                values |= {str(v) for v in outcome.published[name].drop_nulls().to_list()}
                text = outcome.quarantined.columns
                source = mapping.spec.fields[name].source_columns if name in mapping.spec.fields else []
                for column in source:
                    if column in text:
                        values |= {str(v) for v in outcome.quarantined[column].drop_nulls().to_list()}
    return {v for v in values if len(v) >= 3}


def test_no_clear_text_pii_in_any_published_file(mappings, data, registry, pseudonym_key):
    for mapping in mappings.values():
        run_agency(mapping, data, dataset_rules=False)
    for contract in registry.latest():
        integrate(contract, data, pseudonym_key)
    secrets = _clear_text_pii(mappings)
    assert {"046454286", "Bélanger", "Évelyne", "1956-04-03", "MacDonald", "Wilson"} <= secrets
    files = sorted(data.published.rglob("*.parquet"))
    assert len(files) >= 10  # staged parts and the tables' files
    for file in files:
        raw = file.read_bytes().decode("latin-1")
        frame = pl.read_parquet(file)
        cells = {str(v) for column in frame.select(pl.exclude(pl.List(pl.String))).columns
                 for v in frame[column].drop_nulls().cast(pl.String).to_list()}
        cells |= {v for column in frame.select(pl.col(pl.List(pl.String))).columns
                  for values in frame[column].drop_nulls().to_list() for v in values}
        leaked = sorted(s for s in secrets if s in cells or s in raw)  # exact cells, and anywhere in the bytes
        assert leaked == [], file
    logs = sorted(data.published.rglob("_delta_log/*.json"))  # the tables' logs hold each file's min and max
    assert len(logs) >= 4
    for log in logs:
        assert sorted(s for s in secrets if s in log.read_text(encoding="utf-8")) == [], log


def test_column_hmac_equals_the_standard_library(pseudonym_key):
    """128 bits of HMAC-SHA256, base64url without padding (``hmac-sha256-128-b64url``)."""
    import base64
    import hmac as std

    import polars as pl

    from accord.publish.pseudonym import PseudonymKey

    texts = ["046454286", "bélanger", "", "x" * 500]
    column = pl.Series("sin", [*texts, None])
    # a key longer than the SHA-256 block is hashed first; a key with non-ASCII characters is keyed as UTF-8
    for key in (pseudonym_key, PseudonymKey(b"k" * 100), PseudonymKey("clé-€-0123456789abcdef0123456789".encode())):
        expected = [base64.urlsafe_b64encode(std.digest(key.secret, t.encode(), "sha256")[:16]).rstrip(b"=").decode()
                    for t in texts]
        assert pseudonymise(column, key).to_list() == [*expected, None]
        assert all(len(p) == 22 for p in expected)
    # a repeated value (keyed once, joined back) and distinct values (keyed one by one) give the same pseudonyms
    repeated = pseudonymise(pl.Series("sin", ["046454286", None, " 046454286 ", "046454286"]), pseudonym_key)
    distinct = pseudonymise(pl.Series("sin", ["046454286", None, "Bélanger"]), pseudonym_key)
    assert repeated.to_list() == [pseudonym(pseudonym_key, "046454286"), None] + [pseudonym(pseudonym_key,
                                                                                           "046454286")] * 2
    assert distinct.to_list() == [pseudonym(pseudonym_key, "046454286"), None, pseudonym(pseudonym_key, "bélanger")]
    # many digests, every base64url character among them, encoded from the hexadecimal digest by numpy
    many = [f"{n:09d}" for n in range(100_000_000, 100_000_000 + 3000 * 7919, 7919)]
    keyed = pseudonymise(pl.Series("sin", [*many[:1500], None, *many[1500:]]), pseudonym_key).to_list()
    assert keyed == [pseudonym(pseudonym_key, v) for v in many[:1500]] + [None] + [
        pseudonym(pseudonym_key, v) for v in many[1500:]]
    assert set("".join(p for p in keyed if p)) == set(string.ascii_letters + string.digits + "-_")
    assert pseudonymise(pl.Series("sin", [None, None], dtype=pl.String), pseudonym_key).to_list() == [None, None]


def test_column_normalisation_equals_the_per_value_rule():
    """Columns that are already normal (printable ASCII, no space, no capital) skip the text steps; others
    take them; both give what ``normalise`` gives one value at a time."""
    import polars as pl

    from accord.publish.pseudonym import _normalised, normalise

    for values in (["046454286", "a-b_c", "", None], [" BE\u0301LANGER ", "Jean  François", "x\ty", "ok", None]):
        column = pl.Series("v", values, dtype=pl.String)
        assert _normalised(column).to_list() == [None if v is None else normalise(v) for v in values]
