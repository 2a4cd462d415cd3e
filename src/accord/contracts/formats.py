"""String formats a contract may name (ODCS ``logicalTypeOptions.format``) and that accord checks, each as a
pattern searched in the value (anchored here, so a value must be the format as a whole). They are as loose as
frictionless's own checks: a shape, not a proof that the address exists."""

from __future__ import annotations

FORMATS = {
    "email": r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
    "uri": r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$",
    "uuid": r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$",
}
