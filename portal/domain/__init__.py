"""Pure master-data domain: identifiers, names, findings and the supplier model.

Nothing in here performs I/O or imports a web framework or an ORM, so the
business packages (``ocr``, ``registry``, ``tax_bureau``, ``approvals``) may
import ``portal.domain`` without pulling in the web layer.
"""
