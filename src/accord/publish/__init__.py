"""Writing results: harmonised Parquet datasets and quarantine files."""
