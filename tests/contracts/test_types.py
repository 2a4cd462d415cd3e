import pyarrow as pa

from accord.contracts.types import arrow_schema, polars_schema


def test_arrow_schema_follows_contract(payment):
    assert arrow_schema(payment) == pa.schema(
        [
            pa.field("payment_id", pa.string(), nullable=False),
            pa.field("person_id", pa.string(), nullable=False),
            pa.field("program_code", pa.string(), nullable=False),
            pa.field("amount", pa.decimal128(12, 2), nullable=False),
            pa.field("currency", pa.string(), nullable=False),
            pa.field("payment_date", pa.date32(), nullable=False),
            pa.field("status", pa.string(), nullable=False),
        ]
    )


def test_polars_schema_follows_contract(person):
    schema = polars_schema(person)
    assert str(schema["birth_date"]) == "Date" and str(schema["sin"]) == "String"
