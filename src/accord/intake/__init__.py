"""Intake: the landing-zone lifecycle, submission records, name rules and size limits."""

from accord.intake.landing import Intake, Pickup, store_for, submit
from accord.intake.limits import Limits
from accord.intake.store import Submission, SubmissionStore

__all__ = ["Intake", "Limits", "Pickup", "Submission", "SubmissionStore", "store_for", "submit"]
