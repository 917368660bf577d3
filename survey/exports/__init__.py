"""Workbook writers and spreadsheet readers working on plain data. No Flask, no request."""
