"""Payment safety: bank-account versions and the verdict on each payment line. Pure rules.

``model``: :class:`AccountVersion` and its states; ``check``: :func:`judge`, the verdict
on one line; ``reasons``: the words of each hold reason; ``errors``: the error tree.
Imports nothing of the portal.
"""

from payments.check import HoldReason, LineReason, LineVerdict, Payee, Verdict, judge
from payments.errors import PaymentFileError, PaymentsError, VersionTransitionError
from payments.model import AccountVersion, VersionState
from payments.reasons import REASONS, VERDICTS, ReasonText

__all__ = [
    "REASONS",
    "VERDICTS",
    "AccountVersion",
    "HoldReason",
    "LineReason",
    "LineVerdict",
    "Payee",
    "PaymentFileError",
    "PaymentsError",
    "ReasonText",
    "Verdict",
    "VersionState",
    "VersionTransitionError",
    "judge",
]
