"""The Dagster code location of accord: thin wiring around the ``accord`` engine."""
