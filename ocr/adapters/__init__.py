"""OCR engine adapters, one module per engine; each implements :class:`ocr.ports.OcrEngine`."""
