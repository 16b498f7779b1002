"""Payment safety use cases: account versions, the payment-file check.

``versions``: the version rows and the versions an applied bank change makes;
``ownership``: proving ownership, adopting the accounts on file; ``checking``: the
payment-file check; ``sheets``: payment files in, result sheets out.
"""

from portal.payments.checking import CheckedLine, CheckResult, check_payment_file, explain
from portal.payments.deps import AccountVersionNotFoundError, PaymentDeps, PaymentForbiddenError
from portal.payments.ownership import adopt_accounts, record_ownership
from portal.payments.versions import VersionStore, version_applied_bank_change

__all__ = [
    "AccountVersionNotFoundError",
    "CheckResult",
    "CheckedLine",
    "PaymentDeps",
    "PaymentForbiddenError",
    "VersionStore",
    "adopt_accounts",
    "check_payment_file",
    "explain",
    "record_ownership",
    "version_applied_bank_change",
]
