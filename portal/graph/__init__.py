"""Contracts, invoices and stores around the suppliers, and the relationship graph.

- :mod:`~portal.graph.relations`: use case, one row from the API created or updated;
- :mod:`~portal.graph.relations_import`: files imported a batch per transaction, listings;
- :mod:`~portal.graph.rows`: one row parsed, matched and written;
- :mod:`~portal.graph.matching`: the supplier a printed tax number or name refers to;
- :mod:`~portal.graph.headers`: column headers as the source systems print them;
- :mod:`~portal.graph.neighbourhood`: a supplier's neighbourhood for the graph page.
"""

__all__ = ["headers", "matching", "neighbourhood", "relations", "relations_import", "rows"]
