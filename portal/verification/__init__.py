"""Verifying stored suppliers against the authorities, monitoring them, alerting purchasing.

- :mod:`portal.verification.verify`: verify one stored supplier now and keep the outcome;
- :mod:`portal.verification.records`: runs, open findings and field states as stored;
- :mod:`portal.verification.view`: what the panel shows;
- :mod:`portal.verification.schedule`: the monitoring work list and its claims;
- :mod:`portal.verification.monitoring`: one monitoring pass, the in-process task;
- :mod:`portal.verification.alerts`: alerts to purchasing when a status changes;
- :mod:`portal.verification.confirmations`: the yearly "is your data still right?";
- :mod:`portal.verification.wiring`: which sources verification uses.

The pure rules live in the top-level :mod:`verification` package.
"""

__all__: list[str] = []
