"""Demo mode: realistic fictional suppliers and a self-contained set-up."""
