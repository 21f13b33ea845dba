"""The `ocr` worker: text and line boxes from images and PDFs with PP-OCR (RapidOCR), Tesseract or PaddleOCR."""
