"""accord: harmonise agency extracts onto shared data contracts.

The engine is plain Python (no orchestrator import); ``pipelines/`` wires it into Dagster.
"""

__version__ = "0.1.0"
