"""tax_bureau."""
