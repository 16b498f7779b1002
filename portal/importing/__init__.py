"""Importing the supplier list a company already has (xlsx, csv)."""
